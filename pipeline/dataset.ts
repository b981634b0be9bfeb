import type { PoolClient } from 'pg';
import type { StagedBatch, StagedMessage } from './staging';

/** What transform found in a batch: verdicts by kind (e.g. rating, request, reject) and rejects by reason. */
export interface TransformCounts {
  byKind: Record<string, number>;
  rejectsByReason: Record<string, number>;
}

/** What load wrote: rows inserted by kind, and verdicts whose position was already stored. */
export interface LoadCounts {
  inserted: Record<string, number>;
  alreadyLoaded: number;
  /**
   * Rejects by reason that only load can find, because they depend on what is stored (Pinterest's
   * `conflicting_record`); transform's `rejectsByReason` cannot know them.
   */
  rejectsByReason?: Record<string, number>;
}

/**
 * The seam between the pipeline and a dataset. Everything dataset-specific (decoding, rules,
 * target tables, identity) sits behind it; the extract, transform and load activities and the
 * workflows take any dataset through this one interface.
 */
export interface Dataset {
  readonly name: string;
  /**
   * Judges a staged batch and stages the verdicts under its batch id, replacing any staged by an
   * earlier attempt. Poison data never throws: it becomes a reject verdict.
   */
  transform(
    client: PoolClient,
    batch: StagedBatch,
    messages: readonly StagedMessage[],
  ): Promise<TransformCounts>;
  /** Moves the batch's staged verdicts into the final tables, idempotent by source position. */
  load(client: PoolClient, batch: StagedBatch): Promise<LoadCounts>;
  /** Staged verdict rows of the batch: load refuses a transformed batch whose verdicts are missing. */
  stagedVerdicts(client: PoolClient, batchId: string): Promise<number>;
}
