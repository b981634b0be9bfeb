/** Shared by the kiosk and Pinterest contracts, which define integer-like the same way. */

/**
 * The contract's integer-like: an integral JSON number, or a string matching `^-?[0-9]+(\.0+)?$`.
 * Returns the value (-0 as 0; possibly beyond the safe range), or undefined. Numbers JSON.parse
 * overflowed to Infinity are not integer-like: their text is gone.
 */
export function integerLike(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value + 0 : undefined;
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) return Number(value) + 0;
  return undefined;
}

const INTEGER_TEXT = /^-?[0-9]+(\.0+)?$/;
