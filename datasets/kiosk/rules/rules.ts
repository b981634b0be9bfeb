/**
 * The kiosk event contract (docs/spec/kiosk-events.md) as pure functions. Both sources decode to a
 * record and go through `validateRecord`, so the ordered checks live in one place. Nothing here
 * throws on payload content; only an invalid RuleContext (a programming error) throws.
 */
import { type Catalogue, siteToPublicId } from './catalogue';
import { isJsonObjectText } from '../../../common/json-object-text';
import {
  DEFAULT_TIME_ZONE,
  type EventTime,
  assertTimeZone,
  formatTimeOfDay,
  parseInstant,
  timeOfDayMicros,
  toEventTime,
} from '../../../common/time';
import { integerLike } from '../../../common/integer-like';
import { utf8Length } from '../../../common/utf8';

/** In check order: the first failing check is the event's reason. */
export const REJECT_REASONS = [
  'malformed',
  'too_large',
  'unexpected_key',
  'missing_field',
  'bad_at',
  'bad_site',
  'bad_val',
  'bad_type',
  'type_on_rating',
  'unknown_site',
  'out_of_hours',
  'future_at',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const EVENT_KEYS = ['at', 'site', 'val', 'type'] as const;
export const MAX_PAYLOAD_BYTES = 65_536;
/** Museum-local opening hours; both ends are open. */
export const OPENING_TIME = '08:45:00';
export const CLOSING_TIME = '18:15:00';
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

const OPENING_MICROS = (8 * 3600 + 45 * 60) * 1e6;
const CLOSING_MICROS = (18 * 3600 + 15 * 60) * 1e6;

export type Rating = 0 | 1 | 2 | 3 | 4;
export type RequestType = 0 | 1;

export type Verdict =
  | { kind: 'rating'; site: number; exhibitionPublicId: string; rating: Rating; eventAt: EventTime }
  | { kind: 'request'; site: number; exhibitionPublicId: string; request: RequestType; eventAt: EventTime }
  | { kind: 'rejected'; reason: RejectReason; detail: string };

export interface RuleContext {
  /** Exhibitions that exist when the event is validated. */
  readonly catalogue: Catalogue;
  /** The moment of validation (Date or epoch milliseconds); a parameter so replays are deterministic. */
  readonly now: Date | number;
  /** IANA zone for local `at` text and opening hours; default Europe/London. */
  readonly timeZone?: string;
}

/** A decoded event: own enumerable properties are the keys (no prototype lookups). */
export type EventRecord = Readonly<Record<string, unknown>>;

/** A Kafka message value. `null` (a tombstone) is malformed rather than a crash. */
export function validateKafkaPayload(raw: Uint8Array | string | null, ctx: RuleContext): Verdict {
  const c = resolveContext(ctx);
  const decoded = decodePayload(raw);
  if (typeof decoded.text !== 'string') return reject('malformed', decoded.problem);
  const { text, bytes } = decoded;
  if (bytes > MAX_PAYLOAD_BYTES) {
    // Table order: malformed beats too_large, so an oversize payload still needs a syntax check.
    return isJsonObjectText(text)
      ? reject('too_large', `${bytes} bytes, limit ${MAX_PAYLOAD_BYTES}`)
      : reject('malformed', 'not a JSON object');
  }
  if (text.trim() === '') return reject('malformed', 'empty payload');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return reject('malformed', 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject(
      'malformed',
      `JSON ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}, not an object`,
    );
  }
  // Duplicate keys keep the last value, as JSON.parse does.
  return checkRecord(value as EventRecord, c);
}

/**
 * One data row of a history CSV. Empty fields are "empty" in the contract's sense, so an empty
 * `type` is absent; `rawLine` is what the size limit measures.
 */
export function validateCsvRow(
  header: readonly string[],
  fields: readonly string[],
  rawLine: string,
  ctx: RuleContext,
): Verdict {
  const c = resolveContext(ctx);
  if (!Array.isArray(header) || !Array.isArray(fields)) {
    return reject('malformed', 'header or row is not a list');
  }
  if (fields.length !== header.length) {
    return reject('malformed', `${fields.length} fields, header has ${header.length}`);
  }
  const repeated = header.find((name, i) => header.indexOf(name) !== i);
  if (repeated !== undefined) return reject('malformed', `header repeats column ${show(repeated)}`);
  const bytes = typeof rawLine === 'string' ? utf8Length(rawLine) : 0;
  if (bytes > MAX_PAYLOAD_BYTES) return reject('too_large', `${bytes} bytes, limit ${MAX_PAYLOAD_BYTES}`);
  // Null prototype: a `__proto__` column becomes an own key and fails unexpected_key.
  const record: Record<string, unknown> = Object.create(null);
  header.forEach((name, i) => (record[name] = fields[i]));
  return checkRecord(record, c);
}

/** Checks 3..12 on an already-decoded record (checks 1 and 2 belong to the source). */
export function validateRecord(record: EventRecord, ctx: RuleContext): Verdict {
  const c = resolveContext(ctx);
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return reject('malformed', 'not an object');
  }
  return checkRecord(record, c);
}

const ALLOWED_KEYS: ReadonlySet<string> = new Set(EVENT_KEYS);

interface ResolvedContext {
  readonly catalogue: Catalogue;
  readonly nowMicros: number;
  readonly timeZone: string;
}

function resolveContext(ctx: RuleContext): ResolvedContext {
  const nowMs = typeof ctx.now === 'number' ? ctx.now : ctx.now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('RuleContext.now is not a valid time');
  const timeZone = ctx.timeZone ?? DEFAULT_TIME_ZONE;
  assertTimeZone(timeZone);
  return { catalogue: ctx.catalogue, nowMicros: Math.floor(nowMs * 1000), timeZone };
}

function checkRecord(record: EventRecord, c: ResolvedContext): Verdict {
  const unexpected = Object.keys(record).find((key) => !ALLOWED_KEYS.has(key));
  if (unexpected !== undefined) return reject('unexpected_key', `unexpected key ${show(unexpected)}`);
  const [at, site, val, type] = EVENT_KEYS.map((key) =>
    Object.hasOwn(record, key) ? record[key] : undefined,
  );

  for (const [key, value] of [
    ['at', at],
    ['site', site],
    ['val', val],
  ] as const) {
    if (isEmpty(value)) {
      return reject('missing_field', `${key} is ${emptiness(value)}`);
    }
  }

  if (typeof at !== 'string') return reject('bad_at', `at ${show(at)} is not a string`);
  const when = parseInstant(at, c.timeZone);
  if (!when.ok) return reject('bad_at', `at ${show(at)}: ${when.detail}`);

  const siteNumber = integerLike(site);
  if (siteNumber === undefined) return reject('bad_site', `site ${show(site)} is not an integer`);
  if (siteNumber < 0) return reject('bad_site', `site ${show(site)} is negative`);

  const value = integerLike(val);
  if (value === undefined) return reject('bad_val', `val ${show(val)} is not an integer`);
  if (value < -1 || value > 4) return reject('bad_val', `val ${show(val)} outside -1..4`);

  let request: RequestType | undefined;
  if (value === -1) {
    if (isEmpty(type)) return reject('bad_type', `type is ${emptiness(type)} on a request`);
    const t = integerLike(type);
    if (t === undefined) return reject('bad_type', `type ${show(type)} is not an integer`);
    if (t !== 0 && t !== 1) return reject('bad_type', `type ${show(type)} is not 0 or 1`);
    request = t;
  } else if (!isEmpty(type)) {
    return reject('type_on_rating', `type ${show(type)} on a rating`);
  }

  // Unsafe integers cannot name a real site (and would not round-trip through a Map key).
  const publicId = Number.isSafeInteger(siteNumber) ? c.catalogue.get(siteNumber) : undefined;
  if (publicId === undefined) {
    const wanted = Number.isSafeInteger(siteNumber) ? siteToPublicId(siteNumber) : `for site ${show(site)}`;
    return reject('unknown_site', `no exhibition ${wanted}`);
  }

  const timeOfDay = timeOfDayMicros(when.instant, c.timeZone);
  if (timeOfDay < OPENING_MICROS || timeOfDay > CLOSING_MICROS) {
    return reject(
      'out_of_hours',
      `${formatTimeOfDay(timeOfDay)} ${c.timeZone} is outside ${OPENING_TIME}..${CLOSING_TIME}`,
    );
  }

  const eventAt = toEventTime(when.instant);
  if (eventAt.epochMicros > c.nowMicros + FUTURE_TOLERANCE_MS * 1000) {
    return reject('future_at', `${eventAt.iso} is more than 5 minutes after now`);
  }

  const base = { site: siteNumber, exhibitionPublicId: publicId, eventAt };
  return request === undefined
    ? { kind: 'rating', ...base, rating: value as Rating }
    : { kind: 'request', ...base, request };
}

function reject(reason: RejectReason, detail: string): Verdict {
  return { kind: 'rejected', reason, detail };
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function emptiness(value: unknown): string {
  return value === undefined ? 'absent' : value === null ? 'null' : 'empty';
}

/** A short, safe rendering of any value for a detail string (never recurses into containers). */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type Decoded = { text: string; bytes: number } | { text: undefined; problem: string };

function decodePayload(raw: unknown): Decoded {
  if (typeof raw === 'string') {
    // A JS string may hold lone surrogates, which no UTF-8 byte sequence can.
    if (LONE_SURROGATE.test(raw))
      return { text: undefined, problem: 'text has a lone surrogate (not UTF-8)' };
    return { text: raw, bytes: utf8Length(raw) };
  }
  // isView, not instanceof: Temporal's workflow sandbox is another realm, and Buffer is a Uint8Array.
  if (ArrayBuffer.isView(raw)) {
    const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    try {
      // ignoreBOM keeps a BOM in the text, so JSON.parse rejects it as RFC 8259 asks.
      return { text: utf8.decode(bytes), bytes: bytes.byteLength };
    } catch {
      return { text: undefined, problem: 'not valid UTF-8' };
    }
  }
  return {
    text: undefined,
    problem: raw === null || raw === undefined ? 'no payload' : 'payload is not bytes or text',
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
