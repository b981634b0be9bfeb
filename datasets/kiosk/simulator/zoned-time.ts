/** Wall-clock helpers for the museum's time zone, built on Intl so DST needs no tables. */

export const OPENING_SECOND = 8 * 3600 + 45 * 60;
export const CLOSING_SECOND = 18 * 3600 + 15 * 60;

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC at that instant. */
  offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();
/**
 * Offsets change only at instants that are whole quarter hours in UTC, so one Intl call per quarter
 * hour suffices; Intl is far too slow to call several times per generated event.
 */
const BUCKET_MS = 15 * 60_000;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Minutes east of UTC in `timeZone` at the instant. */
export function offsetMinutes(epochMs: number, timeZone: string): number {
  let cache = offsets.get(timeZone);
  if (!cache) offsets.set(timeZone, (cache = new Map()));
  const bucket = Math.floor(epochMs / BUCKET_MS);
  let offset = cache.get(bucket);
  if (offset === undefined) {
    const start = bucket * BUCKET_MS;
    const f: Record<string, number> = {};
    for (const p of formatter(timeZone).formatToParts(start))
      if (p.type !== 'literal') f[p.type] = Number(p.value);
    const asUtc = Date.UTC(
      f.year ?? 0,
      (f.month ?? 1) - 1,
      f.day ?? 1,
      f.hour ?? 0,
      f.minute ?? 0,
      f.second ?? 0,
    );
    offset = Math.round((asUtc - start) / 60_000);
    if (cache.size > 4096) cache.clear();
    cache.set(bucket, offset);
  }
  return offset;
}

export function localParts(epochMs: number, timeZone: string): LocalParts {
  const offset = offsetMinutes(epochMs, timeZone);
  const d = new Date(epochMs + offset * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    offsetMinutes: offset,
  };
}

/** The instant of a local date and second-of-day; the month/day may overflow like Date.UTC's. */
export function localToEpoch(
  year: number,
  month: number,
  day: number,
  secondOfDay: number,
  timeZone: string,
): number {
  const naive = Date.UTC(year, month - 1, day) + secondOfDay * 1000;
  const first = naive - offsetMinutes(naive, timeZone) * 60_000;
  // A second pass settles instants whose offset differs from the naive guess's (near DST changes).
  return naive - offsetMinutes(first, timeZone) * 60_000;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DDTHH:MM:SS.ffffff±HH:MM` in museum local time, like the real producer. */
export function isoWithOffset(epochMs: number, micros: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  const millis = ((epochMs % 1000) + 1000) % 1000;
  const sign = p.offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(p.offsetMinutes);
  return (
    `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}` +
    `.${pad(millis, 3)}${pad(micros, 3)}${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`
  );
}

export interface Window {
  open: number;
  close: number;
}

/** Opening hours (epoch ms, both ends open) of the local day `dayShift` days from the local date of `epochMs`. */
export function openingWindow(epochMs: number, timeZone: string, dayShift = 0): Window {
  const p = localParts(epochMs, timeZone);
  const day = p.day + dayShift;
  return {
    open: localToEpoch(p.year, p.month, day, OPENING_SECOND, timeZone),
    close: localToEpoch(p.year, p.month, day, CLOSING_SECOND, timeZone),
  };
}
