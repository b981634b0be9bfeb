import type { PinterestRejectReason, PinterestType } from '../rules';
import type { Rng } from '../../../simulator/random';

/** A broken record and the reason the contract gives it. */
export interface PinterestFault {
  readonly value: string;
  readonly reason: PinterestRejectReason;
}

type Breaker = (record: Record<string, unknown>, rng: Rng) => PinterestFault;

const json = (record: Record<string, unknown>) => JSON.stringify(record);
const set = (
  record: Record<string, unknown>,
  key: string,
  value: unknown,
  reason: PinterestRejectReason,
) => ({
  value: json({ ...record, [key]: value }),
  reason,
});
const indKey = (type: PinterestType) => (type === 'pin' ? 'index' : 'ind');

/** Faults every type can show: transport junk and shape errors. */
function commonFaults(type: PinterestType): Breaker[] {
  return [
    (r) => ({ value: json(r).slice(0, -7), reason: 'malformed' }),
    (r) => ({ value: json({ ...r, extra_field: 1 }), reason: 'unexpected_key' }),
    (r) => {
      const { [indKey(type)]: _dropped, ...rest } = r;
      return { value: json(rest), reason: 'missing_field' };
    },
    (r) => set(r, indKey(type), 'not-a-number', 'bad_ind'),
  ];
}

/** Faults of each type's own fields (the emulator's database has all of these). */
const TYPE_FAULTS: Readonly<Record<PinterestType, Breaker[]>> = {
  pin: [
    (r) => set(r, 'unique_id', 'c4bd2577-a7bb-4409-bb7a', 'bad_unique_id'),
    (r) => set(r, 'follower_count', '1.2345k', 'bad_follower_count'),
    (r) => set(r, 'downloaded', 2, 'bad_downloaded'),
    (r) => set(r, 'category', '', 'missing_field'),
    (r) => set(r, 'title', 42, 'bad_text'),
  ],
  geo: [
    (r) => set(r, 'latitude', 91.5, 'bad_coordinates'),
    (r) => set(r, 'timestamp', '2020-02-30 10:00:00', 'bad_timestamp'),
    (r) => set(r, 'timestamp', '2099-01-01 00:00:00', 'future_timestamp'),
    (r) => set(r, 'country', 44, 'bad_text'),
  ],
  user: [
    (r) => set(r, 'age', 130, 'bad_age'),
    (r) => set(r, 'date_joined', '2016-12-22', 'bad_timestamp'),
    (r) => set(r, 'first_name', null, 'missing_field'),
  ],
};

/** One fault of the record's type, picked at random. */
export function breakRecord(type: PinterestType, record: Record<string, unknown>, rng: Rng): PinterestFault {
  const breaker = rng.pick([...commonFaults(type), ...TYPE_FAULTS[type]]);
  return breaker(record, rng);
}
