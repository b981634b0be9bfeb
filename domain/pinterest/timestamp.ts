/**
 * The contract's timestamp: `YYYY-MM-DD[T ]HH:MM:SS[.fraction]`, 1..6 fraction digits, no offset,
 * a real UTC date and time. Rows carry PostgreSQL's own rendering so a stored row and a new one
 * compare as text, whatever spelling (`T`, `.000`) each arrived in.
 */
import { daysFromCivil } from '../time';

export interface PinterestTimestamp {
  /** `YYYY-MM-DD HH:MM:SS[.f]`, fraction without trailing zeros, as PostgreSQL prints it. */
  readonly text: string;
  /** Milliseconds since the epoch (fractional below a millisecond); for the future check only. */
  readonly epochMs: number;
}

export type TimestampResult = { ok: true; value: PinterestTimestamp } | { ok: false; detail: string };

const TIMESTAMP = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?$/;

export function parseTimestamp(value: unknown): TimestampResult {
  if (typeof value !== 'string') return { ok: false, detail: `${typeof value}, not a timestamp string` };
  const m = TIMESTAMP.exec(value);
  if (!m) return { ok: false, detail: 'not YYYY-MM-DD HH:MM:SS[.ffffff] without offset' };
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((g) => Number(m[g])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // PostgreSQL refuses year 0000; it would accept 24:00:00 and :60, but neither names a real second.
  if (year === 0) return { ok: false, detail: 'there is no year 0000' };
  if (month < 1 || month > 12) return { ok: false, detail: `no month ${m[2]}` };
  if (day < 1 || day > daysInMonth(year, month))
    return { ok: false, detail: `no day ${m[3]} in ${m[1]}-${m[2]}` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, detail: 'no such time of day' };
  const fraction = (m[7] ?? '').replace(/0+$/, '');
  const date = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
  const epochSec = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  return {
    ok: true,
    value: {
      text: fraction === '' ? date : `${date}.${fraction}`,
      epochMs: epochSec * 1000 + Number(fraction.padEnd(6, '0')) / 1000,
    },
  };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}
