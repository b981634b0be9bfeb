import type { PoolClient } from 'pg';
import type { RejectStore, ReplayPageFn } from './reject-replay';
import type { StagedBatch, StagedMessage } from './staging';
import type { RawLine } from './line-splitter';

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

/** A batch judged in memory (the live path): its verdicts wait in the worker until load writes them. */
export interface JudgedBatch {
  readonly counts: TransformCounts;
  /**
   * Writes each verdict to its final table once (a row, a duplicate record or a reject), in the
   * caller's transaction: the only write of the batch's events. Positions already stored (by
   * another path, such as a replay) are skipped and counted as `alreadyLoaded`.
   */
  load(client: PoolClient): Promise<LoadCounts>;
}

/**
 * The seam between the pipeline and a dataset. Everything dataset-specific (decoding, rules,
 * target tables, identity) sits behind it; the extract, transform and load activities and the
 * workflows take any dataset through this one interface.
 */
export interface Dataset {
  readonly name: string;
  /**
   * Judges a batch held in memory with the dataset's rules, writing nothing. Poison data never
   * throws: it becomes a reject verdict.
   */
  judge(batch: StagedBatch, messages: readonly StagedMessage[]): Promise<JudgedBatch>;
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
  /** Staged verdict rows of the batches: load refuses transformed batches whose verdicts are missing. */
  stagedVerdicts(client: PoolClient, batchIds: readonly string[]): Promise<number>;
  /** Present when the dataset also arrives as files of lines (the S3 history). */
  readonly files?: FileDataset;
  /** Present when the dataset stores rejects that a replay can judge again. */
  readonly rejects?: { readonly store: RejectStore; readonly replayPage: ReplayPageFn };
}

/** One version of an S3 object. */
export interface FileRef {
  bucket: string;
  key: string;
  etag: string;
}

/**
 * A file is staged as a run of chunk batches whose messages are its lines (partition 0, offset =
 * line number, value = the line's bytes), so the live path's staging holds it; what differs from
 * a Kafka batch is that lines are judged in file order with state carried across chunks (a CSV
 * header), and that loading a file replaces every other version of it.
 */
export interface FileDataset {
  /**
   * Where the key sorts among this dataset's files (files load in that order), or undefined for an
   * object that is not one of its files (skipped, never rejected). `prefix`: the run's key prefix;
   * undefined accepts any.
   */
  sortKey(key: string, prefix: string | undefined): string | undefined;
  /** The number a file's name gives it, shown beside it (the kiosk's `lmnh_hist_data_<n>.csv`); absent: 0. */
  fileNumber?(key: string): number | undefined;
  /** The prefix a run lists when it is given none (undefined: the whole bucket). */
  readonly defaultPrefix?: string;
  /**
   * Judges a whole file held in memory (the one-write path), writing nothing; stops before the
   * data row past `rowBudget`. A file that is not this dataset's raises a typed non-retryable failure.
   */
  judgeFile(file: FileRef, lines: Iterable<RawLine>, rowBudget: number): Promise<JudgedFile>;
  /** A judge for one file, resuming from the state its previous chunks left (null: line 1). */
  openFile(file: FileRef, state: unknown): Promise<FileJudge>;
  /**
   * Moves the verdicts of the file's chunk batches into the final tables and deletes the rows of
   * every other version of the same key, in the caller's transaction. Without `dedupe` the
   * inserts are plain (no row of this version can exist yet): a clash fails loudly (23505).
   * `staged`: the verdicts counted under the batches, for `alreadyLoaded`.
   */
  swapIn(
    client: PoolClient,
    file: FileRef,
    batchIds: readonly string[],
    options: { dedupe: boolean; staged: number },
  ): Promise<LoadCounts & { replacedRows: number }>;
}

/** A file judged in memory: its verdicts wait in the worker until load swaps them in. */
export interface JudgedFile {
  readonly judged: ChunkJudged;
  /**
   * Writes each verdict to its final table once and deletes the rows of every other version of
   * the same key, in the caller's transaction; positions already stored are skipped.
   */
  swapIn(client: PoolClient): Promise<LoadCounts & { replacedRows: number }>;
}

export interface FileJudge {
  /**
   * Judges one chunk's lines in order and stages the verdicts under the chunk's batch id,
   * replacing any of an earlier attempt; stops before the data row past `rowBudget`. A file that is
   * not this dataset's (no usable header) raises a typed non-retryable failure.
   */
  transformChunk(
    client: PoolClient,
    batch: StagedBatch,
    lines: readonly StagedMessage[],
    rowBudget: number,
  ): Promise<ChunkJudged>;
}

export interface ChunkJudged extends TransformCounts {
  /** Lines that hold no row (blank lines, repeated headers), by kind. */
  skippedByKind: Record<string, number>;
  /** Verdicts staged: data rows, accepted or rejected. */
  rows: number;
  /** The last line judged or skipped; before the chunk's end when the row budget ran out. */
  lastLine: number;
  budgetReached: boolean;
  /** JSON the next chunk of the same file needs. */
  state: unknown;
}

/** A chunk's judgement before its first line: every kind and skip counted from zero. */
export function emptyChunkJudged(kinds: readonly string[], skipped: readonly string[] = []): ChunkJudged {
  return {
    byKind: Object.fromEntries(kinds.map((k) => [k, 0])),
    rejectsByReason: {},
    skippedByKind: Object.fromEntries(skipped.map((k) => [k, 0])),
    rows: 0,
    lastLine: 0,
    budgetReached: false,
    state: null,
  };
}
