import { condition, isCancellation } from '@temporalio/workflow';

/** The promise's value, or `undefined` as soon as `interrupt()` holds first (no timer: no action). */
export async function untilSettledOr<T>(p: Promise<T>, interrupt: () => boolean): Promise<T | undefined> {
  let settled = false;
  let value: T | undefined;
  let error: unknown;
  void p.then(
    (v) => ((settled = true), (value = v)),
    (e: unknown) => ((settled = true), (error = e)),
  );
  await condition(() => settled || interrupt());
  if (!settled) return undefined;
  if (error !== undefined) {
    if (isCancellation(error) && interrupt()) return undefined;
    throw error;
  }
  return value;
}

/** Where each partition goes on after a batch: the second end of its `[first, next]` range. */
export const nextOffsets = (b: { ranges: Record<string, readonly [string, string]> }) =>
  Object.fromEntries(Object.entries(b.ranges).map(([p, [, next]]) => [p, next]));
