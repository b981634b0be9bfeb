import { ActivityFailure, ApplicationFailure, TimeoutFailure, TimeoutType } from '@temporalio/common';

/**
 * Every failure type an activity raises on purpose, in one place. They reach the Temporal UI as
 * typed `ApplicationFailure`s; those marked non-retryable stop Temporal's retries because a retry
 * cannot help, and workflows recognise them by these names. Pure: safe to import from workflows.
 */
export const FailureType = {
  /** A bucket that cannot be listed: wrong name or no access. */
  BucketUnavailable: 'BucketUnavailable',
  /** An S3 object that cannot be read: gone, no access, or its ETag changed since it was listed. */
  ObjectUnreadable: 'ObjectUnreadable',
  /** An S3 object that is not a history file: wrong name, or a first line that is no CSV header. */
  NotAHistoryFile: 'NotAHistoryFile',
  /** Replay parameters that can never be valid. */
  BadReplayInput: 'BadReplayInput',
  /** Workflow input that can never be valid. */
  BadInput: 'BadInput',
  /**
   * A batch's claim check no longer leads to it when transform or load looks: a batch held in a
   * worker's memory was let go, or a staged batch (or a history file's staged chunks) is gone
   * because PostgreSQL crashed (unlogged staging comes back empty) or a sweep removed it. The
   * workflow extracts the range (or the file) again.
   */
  StagedBatchMissing: 'StagedBatchMissing',
  /** No dataset of that name is registered on the worker. */
  UnknownDataset: 'UnknownDataset',
  /** A topic the dataset has no record type for: the worker's and the starter's config disagree. */
  UnmappedTopic: 'UnmappedTopic',
  /**
   * The archive's object name already holds an object of another size (or checksum) than the
   * planned range: something else wrote it. Never overwritten; not retried.
   */
  ArchiveObjectConflict: 'ArchiveObjectConflict',
  /**
   * Another extract planned the same archive range first, with another end (a zombie attempt):
   * retried, and the retry reads exactly the planned range.
   */
  ArchivePlanChanged: 'ArchivePlanChanged',
  /** The archive bucket cannot be written: wrong name or no access. Not retried. */
  ArchiveBucketUnavailable: 'ArchiveBucketUnavailable',
  /**
   * A table or column the activity needs is missing: the database was never migrated, or was
   * reset under a running worker. Not retried: no retry creates it; the message names the fix.
   */
  SchemaBehind: 'SchemaBehind',
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/** A failure no retry can fix. */
export function permanentFailure(type: FailureTypeName, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

/** A failure a retry may fix (Temporal retries it with the activity's policy). */
export function retryableFailure(type: FailureTypeName, message: string): ApplicationFailure {
  return ApplicationFailure.retryable(message, type);
}

/** The ApplicationFailure type of an activity's failure as a workflow sees it, if any. */
export function failureTypeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (e instanceof ApplicationFailure) return e.type ?? undefined;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether a batch's claim check is lost: its data is gone (`StagedBatchMissing`), or its transform
 * or load was never picked up from the task queue of the worker that held it (that worker is dead
 * or restarted). Either way the workflow extracts the batch again.
 */
export function isLostClaimCheck(err: unknown): boolean {
  if (failureTypeOf(err) === FailureType.StagedBatchMissing) return true;
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof TimeoutFailure &&
    err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START
  );
}
