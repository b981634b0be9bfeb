/**
 * Checks 3..13 on a decoded record, in the contract's order, ending in the cleaned row. Check 14
 * (conflicting_record) needs the stored row and lives in identity.ts.
 */
import { cleanSaveLocation, cleanText, isSentinel } from './cleaning';
import { type DecodedRecord } from './decode';
import { emptiness, integerLike, isEmpty, numberLike, parseCount, show, trimControlSpace } from './text';
import { type PinterestTimestamp, parseTimestamp } from './timestamp';
import {
  FUTURE_TOLERANCE_MS,
  MAX_INT4,
  type GeoRow,
  type PinRow,
  type PinterestReject,
  type PinterestType,
  RECORD_KEYS,
  type RowOf,
  type UserRow,
  reject,
} from './types';

export type CheckResult<T extends PinterestType> =
  | { ok: true; row: RowOf[T] }
  | { ok: false; verdict: PinterestReject };

const REQUIRED: { readonly [T in PinterestType]: readonly string[] } = {
  pin: ['index', 'unique_id', 'category'],
  geo: RECORD_KEYS.geo,
  user: RECORD_KEYS.user,
};

const TEXT_FIELDS: { readonly [T in PinterestType]: readonly string[] } = {
  pin: [
    'title',
    'description',
    'poster_name',
    'tag_list',
    'is_image_or_video',
    'image_src',
    'save_location',
    'category',
  ],
  geo: ['country'],
  user: ['first_name', 'last_name'],
};

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

type Values = Readonly<Record<string, unknown>>;

export function checkRecord<T extends PinterestType>(
  type: T,
  record: DecodedRecord,
  nowMs: number,
): CheckResult<T> {
  const keys: readonly string[] = RECORD_KEYS[type];
  const unexpected = Object.keys(record).find((key) => !keys.includes(key));
  if (unexpected !== undefined)
    return fail('unexpected_key', `unexpected key ${show(unexpected)} for ${type}`);

  // Null prototype: the record's own keys are already vetted, so lookups cannot reach Object.prototype.
  const v: Record<string, unknown> = Object.create(null);
  for (const key of keys) {
    if (!Object.hasOwn(record, key)) return fail('missing_field', `${key} is absent`);
    const value = record[key];
    v[key] = typeof value === 'string' ? trimControlSpace(value) : value;
  }
  for (const key of REQUIRED[type]) {
    if (isEmpty(v[key])) return fail('missing_field', `${key} is ${emptiness(v[key])}`);
  }

  const indKey = type === 'pin' ? 'index' : 'ind';
  const ind = integerLike(v[indKey]);
  if (ind === undefined) return fail('bad_ind', `${indKey} ${show(v[indKey])} is not an integer`);
  if (ind < 0 || ind > MAX_INT4)
    return fail('bad_ind', `${indKey} ${show(v[indKey])} outside 0..${MAX_INT4}`);

  const result =
    type === 'pin' ? checkPin(ind, v) : type === 'geo' ? checkGeo(ind, v, nowMs) : checkUser(ind, v, nowMs);
  if (!result.ok) return result;

  // bad_text is check 13, after every type-specific check: a record with two faults names the earlier.
  for (const key of TEXT_FIELDS[type]) {
    const value = v[key];
    if (value !== null && typeof value !== 'string')
      return fail('bad_text', `${key} ${show(value)} is not text`);
  }
  return { ok: true, row: result.build() as RowOf[T] };
}

/** A passing type check defers building the row until bad_text has been ruled out. */
type TypeCheck = { ok: true; build: () => RowOf[PinterestType] } | { ok: false; verdict: PinterestReject };

function checkPin(ind: number, v: Values): TypeCheck {
  const uniqueId = v.unique_id;
  if (typeof uniqueId !== 'string' || !UUID.test(uniqueId)) {
    return fail('bad_unique_id', `unique_id ${show(uniqueId)} is not 8-4-4-4-12 hex`);
  }

  const rawCount = v.follower_count;
  let followerCount: number | null = null;
  if (!isEmpty(rawCount) && !isSentinel('follower_count', rawCount)) {
    const count = parseCount(rawCount);
    if (count === undefined)
      return fail('bad_follower_count', `follower_count ${show(rawCount)} is not a count`);
    followerCount = count;
  }

  const rawDownloaded = v.downloaded;
  let downloaded: 0 | 1 | null = null;
  if (!isEmpty(rawDownloaded)) {
    const d = integerLike(rawDownloaded);
    if (d !== 0 && d !== 1) return fail('bad_downloaded', `downloaded ${show(rawDownloaded)} is not 0 or 1`);
    downloaded = d;
  }

  const text = (key: string): string | null => v[key] as string | null;
  return {
    ok: true,
    build: (): PinRow => ({
      ind,
      unique_id: uniqueId.toLowerCase(),
      title: cleanText(text('title'), 'title'),
      description: cleanText(text('description'), 'description'),
      follower_count: followerCount,
      poster_name: cleanText(text('poster_name'), 'poster_name'),
      tag_list: cleanText(text('tag_list'), 'tag_list'),
      is_image_or_video: cleanText(text('is_image_or_video')),
      image_src: cleanText(text('image_src'), 'image_src'),
      save_location: cleanSaveLocation(text('save_location')),
      // Required, so not empty; a category is never a sentinel.
      category: text('category') as string,
      downloaded,
    }),
  };
}

function checkGeo(ind: number, v: Values, nowMs: number): TypeCheck {
  const latitude = numberLike(v.latitude);
  if (latitude === undefined || latitude < -90 || latitude > 90) {
    return fail('bad_coordinates', `latitude ${show(v.latitude)} is not a number in -90..90`);
  }
  const longitude = numberLike(v.longitude);
  if (longitude === undefined || longitude < -180 || longitude > 180) {
    return fail('bad_coordinates', `longitude ${show(v.longitude)} is not a number in -180..180`);
  }
  const when = checkTimestamp('timestamp', v.timestamp, nowMs);
  if (!when.ok) return when;
  return {
    ok: true,
    build: (): GeoRow => ({
      ind,
      country: v.country as string,
      latitude,
      longitude,
      timestamp: when.value.text,
    }),
  };
}

function checkUser(ind: number, v: Values, nowMs: number): TypeCheck {
  const age = integerLike(v.age);
  if (age === undefined || age < 0 || age > 120)
    return fail('bad_age', `age ${show(v.age)} is not an integer in 0..120`);
  const when = checkTimestamp('date_joined', v.date_joined, nowMs);
  if (!when.ok) return when;
  return {
    ok: true,
    build: (): UserRow => ({
      ind,
      user_name: `${v.first_name as string} ${v.last_name as string}`,
      age,
      date_joined: when.value.text,
    }),
  };
}

function checkTimestamp(
  key: string,
  value: unknown,
  nowMs: number,
): { ok: true; value: PinterestTimestamp } | { ok: false; verdict: PinterestReject } {
  const parsed = parseTimestamp(value);
  if (!parsed.ok) return fail('bad_timestamp', `${key} ${show(value)}: ${parsed.detail}`);
  if (parsed.value.epochMs > nowMs + FUTURE_TOLERANCE_MS) {
    return fail('future_timestamp', `${key} ${parsed.value.text} is more than 5 minutes after now`);
  }
  return parsed;
}

function fail(reason: PinterestReject['reason'], detail: string): { ok: false; verdict: PinterestReject } {
  return { ok: false, verdict: reject(reason, detail) };
}
