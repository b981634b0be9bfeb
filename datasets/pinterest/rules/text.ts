/**
 * Value predicates shared by the checks: trimming, emptiness, integer-like, number-like and the
 * follower count. Every function takes `unknown` and answers without throwing.
 */
import { MAX_INT4 } from './types';

/**
 * Strips leading and trailing TAB, LF, CR and SPACE only. Not String#trim: NBSP and other Unicode
 * spaces are data here (vector 3 ends a description with U+00A0). A loop, not a regex, because
 * `[\t\n\r ]+$` backtracks quadratically over a long inner run of spaces.
 */
export function trimControlSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isTrimmed(text.charCodeAt(start))) start += 1;
  while (end > start && isTrimmed(text.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isTrimmed(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Absent, null or "" (callers pass trimmed values, so whitespace-only is empty too). */
export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

const NUMBER_TEXT = /^-?[0-9]+(\.[0-9]+)?$/;
const COUNT_TEXT = /^([0-9]+)(?:\.([0-9]+))?([kKM]?)$/;

// The contract defines integer-like by reference to kiosk-events.md: one definition, shared.
export { integerLike } from '../../../common/integer-like';

/** A finite JSON number, or `^-?[0-9]+(\.[0-9]+)?$` (no exponent, no sign `+`, no bare `.5`). */
export function numberLike(value: unknown): number | undefined {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && NUMBER_TEXT.test(value)) n = Number(value);
  // -0 and 0 are the same coordinate; one spelling keeps duplicates duplicates.
  return n !== undefined && Number.isFinite(n) ? n + 0 : undefined;
}

/**
 * The contract's count, in 0..MAX_INT4. Strings are scaled in exact decimal (BigInt), so `1.2k` is
 * 1200 and `1.2345k` is refused instead of rounded; floats would turn `0.29k` into 289.99999999999997.
 */
export function parseCount(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= MAX_INT4 ? value + 0 : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const m = COUNT_TEXT.exec(value);
  if (!m) return undefined;
  const whole = m[1] ?? '0';
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  const exponent = m[3] === 'M' ? 6 : m[3] === '' ? 0 : 3;
  if (fraction.length > exponent) return undefined;
  const scaled = BigInt(whole + fraction.padEnd(exponent, '0'));
  return scaled <= BigInt(MAX_INT4) ? Number(scaled) : undefined;
}

/** A short rendering of any value for a detail string (never recurses into containers). */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

export function emptiness(value: unknown): string {
  return value === undefined ? 'absent' : value === null ? 'null' : 'empty';
}
