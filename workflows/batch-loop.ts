import { CancellationScope } from '@temporalio/workflow';
import { isLostClaimCheck } from '../common/failures';
import { nextOffsets, untilSettledOr } from './settle';

/** Partition → offset. */
export type Offsets = Record<string, string>;

/** A batch's range per partition, `[first, next)`. */
export interface RangedBatch {
  ranges: Record<string, readonly [string, string]>;
}

/** A batch on its way to load: extracted, then transformed as soon as it is (even while the previous batch loads). */
export interface Pending<B, T> {
  extracted: Promise<B>;
  /** `undefined` for an empty batch. */
  transformed: Promise<T | undefined>;
  cancel(): void;
}

/** Extract and transform in a scope of their own, so a pause or stop can cancel them without failing the run. */
export function startPending<B, T>(
  extract: () => Promise<B>,
  isEmpty: (batch: B) => boolean,
  transform: (batch: B) => Promise<T>,
): Pending<B, T> {
  const scope = new CancellationScope();
  const extracted = scope.run(extract);
  const transformed = scope.run(async () => {
    const batch = await extracted;
    return isEmpty(batch) ? undefined : transform(batch);
  });
  // A cancelled prefetch is nobody's concern; its staged rows are replaced or swept.
  extracted.catch(() => undefined);
  transformed.catch(() => undefined);
  return { extracted, transformed, cancel: () => scope.cancel() };
}

/** What one kind of batch pipeline (the live ingest, the archive) does at each point of the loop. */
export interface BatchSteps<B extends RangedBatch, T> {
  /** Starts extracting after `after` (from the checkpoint when undefined); `previous` is the batch loading meanwhile. */
  start(after: Offsets | undefined, previous: B | undefined): Pending<B, T>;
  isEmpty(batch: B): boolean;
  /** Every extracted batch, empty or not (statistics). */
  extracted(batch: B): void;
  /** Where to go on after an empty batch. */
  afterEmpty(batch: B): Offsets | undefined;
  /** Whether the next batch is worth extracting while this one loads. */
  mayPrefetch(batch: B): boolean;
  /** Loads a transformed batch: true if committed, false if another attempt had moved the checkpoint. */
  load(batch: B, transformed: T): Promise<boolean>;
  /** Where to extract again after the batch's claim check was lost (its worker died, PostgreSQL lost its staging). */
  restageFrom(batch: B): Offsets | undefined;
  restaged(): void;
  /** Batches between extracted and loaded, +1 and -1 (statistics). */
  loading?(delta: 1 | -1): void;
}

/**
 * The prefetch-and-settle loop of the live ingest and the archive: batch after batch, the next
 * extract runs while the current batch is transformed and loaded; loads run in order, each only
 * if the checkpoint still stands where its batch starts, so a stale prefetch is dropped, never
 * loaded. Runs until `stop()` holds at a batch boundary (a waiting extract is given up as soon as
 * it holds) and returns where it left off (undefined: the checkpoint).
 */
export async function runBatches<B extends RangedBatch, T>(
  steps: BatchSteps<B, T>,
  from: Offsets | undefined,
  stop: () => boolean,
): Promise<Offsets | undefined> {
  let after = from;
  let prefetch: Pending<B, T> | undefined;
  const dropPrefetch = () => {
    prefetch?.cancel();
    prefetch = undefined;
  };
  try {
    while (!stop()) {
      const current = prefetch ?? steps.start(after, undefined);
      prefetch = undefined;
      const batch = await untilSettledOr(current.extracted, stop);
      if (batch === undefined) {
        current.cancel();
        break;
      }
      steps.extracted(batch);
      if (steps.isEmpty(batch)) {
        after = steps.afterEmpty(batch); // an empty batch schedules neither transform nor load
        continue;
      }
      steps.loading?.(1);
      // No prefetch for a loop about to end: it would only be cancelled.
      prefetch = stop() || !steps.mayPrefetch(batch) ? undefined : steps.start(nextOffsets(batch), batch);
      try {
        if (await steps.load(batch, (await current.transformed)!)) {
          after = nextOffsets(batch);
        } else {
          dropPrefetch(); // start again from the checkpoint another attempt moved
          after = undefined;
        }
      } catch (err) {
        if (!isLostClaimCheck(err)) throw err;
        steps.restaged();
        dropPrefetch();
        after = steps.restageFrom(batch);
      } finally {
        steps.loading?.(-1);
      }
    }
  } finally {
    prefetch?.cancel();
  }
  return after;
}
