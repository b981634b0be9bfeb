/**
 * Event times with microsecond precision. Pure: time zone rules come from Intl, never from the clock,
 * so this is safe inside Temporal workflow code.
 */

export const DEFAULT_TIME_ZONE = 'Europe/London';

/** An accepted event's time. */
export interface EventTime {
  /**
   * Microseconds since 1970-01-01T00:00:00Z. Exact for years 1685..2254 (|value| < 2^53); outside
   * that a float approximation. `iso` is always exact.
   */
  readonly epochMicros: number;
  /** UTC with six fraction digits, e.g. `2024-10-21T17:15:00.000001Z`; a valid timestamptz literal. */
  readonly iso: string;
}

/** Exact instant: whole seconds plus 0..999999 microseconds. */
export interface Instant {
  readonly epochSec: number;
  readonly micros: number;
}

export type InstantResult = { ok: true; instant: Instant } | { ok: false; detail: string };

const AT_PATTERN =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$/;

const DAY_SEC = 86_400;
// Years 0001..9999 in UTC: what a four-digit timestamptz literal can say (there is no year 0).
const MIN_EPOCH_SEC = daysFromCivil(1, 1, 1) * DAY_SEC;
const MAX_EPOCH_SEC = daysFromCivil(10_000, 1, 1) * DAY_SEC - 1;

/**
 * Parses `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM]`. Fraction digits beyond six are
 * truncated (not rounded), so a time never moves into the next second. Without an offset the text is
 * wall-clock time in `timeZone`: a time skipped by a spring-forward is rejected, and a time repeated
 * by a fall-back resolves to the earlier instant (summer time). PostgreSQL would pick standard time
 * for such text, which is why rows get the UTC `iso` and never the local text.
 */
export function parseInstant(text: string, timeZone: string): InstantResult {
  const m = AT_PATTERN.exec(text);
  if (!m) return { ok: false, detail: 'not YYYY-MM-DD HH:MM[:SS[.ffffff]][offset]' };
  const civil = civilSeconds(m);
  if (!civil.ok) return civil;
  const wallSec = civil.sec;
  const micros = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));

  const offset = m[8];
  let epochSec: number;
  if (offset === undefined) {
    const resolved = wallClockToEpochSec(wallSec, timeZone);
    if (resolved === undefined) return { ok: false, detail: `skipped by a clock change in ${timeZone}` };
    epochSec = resolved;
  } else if (offset === 'Z') {
    epochSec = wallSec;
  } else {
    const hh = Number(offset.slice(1, 3));
    const mm = Number(offset.slice(-2));
    if (hh > 23 || mm > 59) return { ok: false, detail: `no offset ${offset}` };
    epochSec = wallSec - (offset.startsWith('-') ? -1 : 1) * (hh * 3600 + mm * 60);
  }
  if (epochSec < MIN_EPOCH_SEC || epochSec > MAX_EPOCH_SEC) {
    return { ok: false, detail: 'outside years 0001..9999 UTC' };
  }
  return { ok: true, instant: { epochSec, micros } };
}

export type CivilResult = { ok: true; sec: number } | { ok: false; detail: string };

/**
 * Groups 1..6 of a `YYYY-MM-DD?HH:MM[:SS]` match (an absent seconds group is 0) as a real date and
 * time of day, in seconds from 1970-01-01 00:00 on the same clock. Both event contracts share this
 * so they agree on which dates exist; each adds its own offset or zone rules on top.
 */
export function civilSeconds(m: RegExpExecArray): CivilResult {
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((g) => Number(m[g] ?? '0')) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // PostgreSQL refuses year 0000; it would accept 24:00:00 and :60, but neither names a real second.
  if (year === 0) return { ok: false, detail: 'there is no year 0000' };
  if (month < 1 || month > 12) return { ok: false, detail: `no month ${month}` };
  if (day < 1 || day > daysInMonth(year, month))
    return { ok: false, detail: `no day ${day} in ${year}-${pad(month, 2)}` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, detail: 'no such time of day' };
  return { ok: true, sec: daysFromCivil(year, month, day) * DAY_SEC + hour * 3600 + minute * 60 + second };
}

/** Convenience for callers outside the rules: parse straight to an EventTime. */
export function parseEventTime(text: string, timeZone = DEFAULT_TIME_ZONE): EventTime | { error: string } {
  const r = parseInstant(text, timeZone);
  return r.ok ? toEventTime(r.instant) : { error: r.detail };
}

export function toEventTime({ epochSec, micros }: Instant): EventTime {
  const days = Math.floor(epochSec / DAY_SEC);
  const [y, mo, d] = civilFromDays(days);
  const iso = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${formatTimeOfDay((epochSec - days * DAY_SEC) * 1e6 + micros, true)}Z`;
  return { epochMicros: epochSec * 1e6 + micros, iso };
}

/** Microseconds since local midnight in `timeZone`. */
export function timeOfDayMicros({ epochSec, micros }: Instant, timeZone: string): number {
  const local = epochSec + offsetSecondsAt(timeZone, epochSec);
  return (local - Math.floor(local / DAY_SEC) * DAY_SEC) * 1e6 + micros;
}

/** `HH:MM:SS`, plus `.ffffff` when there is a fraction (always when `fraction` is true). */
export function formatTimeOfDay(microsOfDay: number, fraction = false): string {
  const sec = Math.floor(microsOfDay / 1e6);
  const us = microsOfDay - sec * 1e6;
  const hms = `${pad(Math.floor(sec / 3600), 2)}:${pad(Math.floor(sec / 60) % 60, 2)}:${pad(sec % 60, 2)}`;
  return fraction || us !== 0 ? `${hms}.${pad(us, 6)}` : hms;
}

/** Throws RangeError for a name Intl does not know; cheap after the first call per zone. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formatters.set(timeZone, f);
  }
  return f;
}

const LONG_OFFSET = /^GMT(?:([+-])([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?$/;

/** UTC offset in seconds at an instant (seconds matter: London's LMT was -00:01:15). */
export function offsetSecondsAt(timeZone: string, epochSec: number): number {
  // Intl costs microseconds a call and every event needs two or three, so offsets are cached per
  // quarter hour, but only for quarters whose two ends agree (no transition inside), so it stays exact.
  const bucket = Math.floor(epochSec / OFFSET_BUCKET_SEC);
  const key = `${timeZone}|${bucket}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  const start = bucket * OFFSET_BUCKET_SEC;
  const atStart = intlOffsetSeconds(timeZone, start);
  const atEnd = intlOffsetSeconds(timeZone, start + OFFSET_BUCKET_SEC - 1);
  if (atStart !== atEnd) return intlOffsetSeconds(timeZone, epochSec);
  if (offsetCache.size >= OFFSET_CACHE_LIMIT) offsetCache.clear();
  offsetCache.set(key, atStart);
  return atStart;
}

const OFFSET_BUCKET_SEC = 900;
const OFFSET_CACHE_LIMIT = 100_000;
const offsetCache = new Map<string, number>();

function intlOffsetSeconds(timeZone: string, epochSec: number): number {
  const name = formatter(timeZone)
    .formatToParts(new Date(epochSec * 1000))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = LONG_OFFSET.exec(name ?? '');
  if (!m) throw new Error(`unexpected offset ${JSON.stringify(name)} from Intl for ${timeZone}`);
  const seconds = Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -seconds : seconds;
}

/**
 * The instant a wall-clock time names, or undefined in a spring-forward gap. Offsets sampled a day
 * either side cover any single transition near the wall time; each candidate is kept only if the
 * zone really has that offset then, and the earliest survivor wins on a fall-back overlap.
 */
function wallClockToEpochSec(wallSec: number, timeZone: string): number | undefined {
  const offsets = new Set([-DAY_SEC, 0, DAY_SEC].map((d) => offsetSecondsAt(timeZone, wallSec + d)));
  let best: number | undefined;
  for (const o of offsets) {
    const t = wallSec - o;
    if (offsetSecondsAt(timeZone, t) === o && (best === undefined || t < best)) best = t;
  }
  return best;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}

// Proleptic Gregorian day arithmetic (H. Hinnant's algorithms); Date.UTC maps years 0..99 to 19xx.
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
