/**
 * The contract's timestamp: `YYYY-MM-DD[T ]HH:MM:SS[.fraction]`, 1..6 fraction digits, no offset,
 * a real UTC date and time. Rows carry PostgreSQL's own rendering so a stored row and a new one
 * compare as text, whatever spelling (`T`, `.000`) each arrived in.
 */
import { civilSeconds } from '../../../common/time';

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
  const civil = civilSeconds(m);
  if (!civil.ok) return civil;
  const fraction = (m[7] ?? '').replace(/0+$/, '');
  const date = `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
  return {
    ok: true,
    value: {
      text: fraction === '' ? date : `${date}.${fraction}`,
      epochMs: civil.sec * 1000 + Number(fraction.padEnd(6, '0')) / 1000,
    },
  };
}
