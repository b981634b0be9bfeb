/**
 * The Pinterest post contract (docs/spec/pinterest-posts.md) as pure functions: no I/O, no clock
 * (the moment of validation is a parameter so replays are deterministic), and no throw on any
 * payload: every input ends as a row, a duplicate or a reject.
 */
import { checkRecord } from './checks';
import { decodePayload } from './decode';
import { compareWithStored } from './identity';
import { PINTEREST_TYPES, type PinterestType, type PinterestVerdict, type RowOf, reject } from './types';

export interface JudgeOptions<T extends PinterestType> {
  /** The moment of validation (Date or epoch milliseconds), for `future_timestamp`. */
  readonly now: Date | number;
  /**
   * The stored row with the record's identity, if any: a lookup by ind, since the ind is only known
   * once the payload is decoded. Omit it to judge the record alone (checks 1..13).
   */
  readonly stored?: (ind: number) => RowOf[T] | undefined;
}

/**
 * Judges one Kafka message value or one S3 line (without its end) of record type `type` (from the
 * topic). Returns the cleaned row, a duplicate of the stored row, or a reject with reason and detail.
 * Throws only for an invalid `now`, a caller's bug that no verdict would describe truthfully.
 */
export function judgePinterestRecord<T extends PinterestType>(
  type: T,
  raw: Uint8Array | string | null,
  options: JudgeOptions<T>,
): PinterestVerdict<T> {
  const nowMs = typeof options.now === 'number' ? options.now : options.now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('judgePinterestRecord: now is not a valid time');
  if (!(PINTEREST_TYPES as readonly string[]).includes(type)) {
    return reject('malformed', `unknown record type ${JSON.stringify(String(type))}`);
  }
  const decoded = decodePayload(raw);
  if (!decoded.ok) return decoded.verdict;
  const checked = checkRecord(type, decoded.record, nowMs);
  if (!checked.ok) return checked.verdict;
  return judgeAgainstStored(type, checked.row, options.stored?.(checked.row.ind));
}

/**
 * Check 14 alone, for callers that look the stored row up after judging: a new row, a duplicate,
 * or `conflicting_record` naming the differing columns (the stored row stays).
 */
export function judgeAgainstStored<T extends PinterestType>(
  type: T,
  row: RowOf[T],
  stored: RowOf[T] | undefined,
): PinterestVerdict<T> {
  // A row of another identity says nothing about this one.
  if (stored === undefined || stored.ind !== row.ind) return { kind: 'row', type, row };
  const comparison = compareWithStored(type, row, stored);
  if (comparison.kind === 'duplicate') return { kind: 'duplicate', type, row };
  return reject(
    'conflicting_record',
    `differs from the stored ${type} ${row.ind} in ${comparison.columns.join(', ')}`,
  );
}

export { SENTINELS, cleanSaveLocation, cleanText, isSentinel } from './cleaning';
export { compareWithStored, identityKey, ROW_COLUMNS, type StoredComparison } from './identity';
export { integerLike, numberLike, parseCount, trimControlSpace } from './text';
export { type PinterestTimestamp, parseTimestamp } from './timestamp';
export {
  FUTURE_TOLERANCE_MS,
  MAX_INT4,
  MAX_PAYLOAD_BYTES,
  PINTEREST_REJECT_REASONS,
  PINTEREST_TYPES,
  RECORD_KEYS,
  type GeoRow,
  type PinRow,
  type PinterestReject,
  type PinterestRejectReason,
  type PinterestRow,
  type PinterestType,
  type PinterestVerdict,
  type RowOf,
  type UserRow,
} from './types';
export {
  DEFAULT_SINK_PREFIX,
  type SinkKey,
  type SinkLayout,
  parseSinkKey,
  parseSinkKeyAnyPrefix,
  sinkSortKey,
  splitSinkLines,
} from './sink';
