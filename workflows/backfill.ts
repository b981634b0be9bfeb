import {
  ActivityFailure,
  isCancellation,
  defineQuery,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import { FailureType, isLostClaimCheck, permanentFailure } from '../common/failures';
import type { Activities } from '../activities';
import type {
  ExtractedHistoryFile,
  HistoryCounts,
  HistoryFile,
  StagedFile,
  TransformedHistoryFile,
} from '../activities/backfill';
import { ACTIVITY_NAMES_PATCH, HELD_BATCHES_PATCH, RECORDED_DEFAULT_DATASET } from './recorded-inputs';

const { listHistoryFiles } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
  },
});

// Infrastructure (S3, PostgreSQL) down means retry for a good while; what no retry can fix is a
// typed non-retryable failure. The heartbeat, not startToClose, detects a dead worker.
const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 20,
};
// Extract and transform take up to a minute or two per million rows.
const { extractFile, transformFile, extractHistoryFile, transformStagedFile } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry,
});
// One transaction; a 10,000,000-row file's swap can take minutes, heartbeating every 5 s.
const { loadFile, loadStagedFile } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry,
});

// A held file's transform and load run on the worker holding it; one not picked up from that
// worker's queue within 30 s (it died or restarted, the file with it) is not retried: the file is
// extracted again.
const onHost = (queue: string) => {
  const heldRetry = { ...retry, nonRetryableErrorTypes: [FailureType.StagedBatchMissing] };
  const { transformFile: transform } = proxyActivities<Activities>({
    taskQueue: queue,
    scheduleToStartTimeout: '30 seconds',
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '30 seconds',
    retry: heldRetry,
  });
  // The swap heartbeats every 5 s; on a worker's own queue a dead worker is noticed sooner.
  const { loadFile: load } = proxyActivities<Activities>({
    taskQueue: queue,
    scheduleToStartTimeout: '30 seconds',
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '30 seconds',
    retry: heldRetry,
  });
  return { transform, load };
};

/** Times a file is extracted again after a later stage lost its claim check, before it is failed. */
const MAX_RESTAGES = 3;

export type BackfillStage = 'extract' | 'transform' | 'load';

export interface BackfillInput {
  /** Bucket holding the dataset's files; defaults to the worker's S3_BUCKET. */
  bucket?: string;
  /** A dataset with files, by name (default: the first installed, whose inputs never name it). */
  dataset?: string;
  /** Only keys under this prefix; default the dataset's own. */
  prefix?: string;
  /** Total data rows to load over the run (files then load one at a time, in file order). */
  rowLimit?: number;
  /** Files loaded at the same time (default 2). */
  concurrency?: number;
}

export interface BackfillProgress {
  bucket: string | null;
  filesTotal: number;
  filesDone: number;
  filesSkipped: number;
  filesFailed: number;
  /** Files this run has to load (listed minus already loaded): the denominator of each stage. */
  filesToLoad: number;
  /** Files through each stage; a file extracted again after a database crash counts once. */
  stages: Record<BackfillStage, number>;
  /** Keys being worked on now; their live counts are in the pending activities' heartbeats. */
  running: string[];
  /** The stage each running key is in. */
  runningStage: Record<string, BackfillStage>;
  /** Data rows (accepted + rejected) of finished files. */
  rows: number;
  /** Data rows judged by transform in files whose load has not finished yet. */
  rowsAwaitingLoad: number;
  rejects: number;
  /** Files extracted again because their staging was gone (PostgreSQL restarted). */
  restaged: number;
  /** Epoch ms of the workflow start, for rows/s. */
  startedAt: number;
  finished: boolean;
}

export interface LoadedFileSummary {
  key: string;
  etag: string;
  ratings: number;
  requests: number;
  rejects: number;
  /** What load wrote, by kind (Pinterest: row, duplicate, reject; absent in older results). */
  inserted?: Record<string, number>;
  /** False when the row limit stopped the load before the end of the file. */
  complete: boolean;
  /** Earlier ETags of this key whose rows were replaced. */
  replaced: string[];
  /** Line the last extract attempt resumed after (0 = from the beginning). */
  resumedFromLine: number;
}

export interface BackfillSummary extends HistoryCounts {
  bucket: string;
  dataset?: string;
  /** Verdicts judged by kind over the loaded files (kiosk rating/request/reject, Pinterest row/reject). */
  byKind?: Record<string, number>;
  /** What load wrote by kind over the run (Pinterest: row, duplicate, reject). */
  insertedByKind?: Record<string, number>;
  filesTotal: number;
  loaded: LoadedFileSummary[];
  /** Already loaded at their current ETag. */
  skipped: string[];
  /** Not started because the row limit was used up. */
  notReached: string[];
  failed: Array<{ key: string; error: string }>;
  rowLimit: number | null;
  durationMs: number;
}

/** Data rows a transform judged; results recorded before `rows` existed count kiosk kinds. */
const rowsOf = (t: TransformedHistoryFile) => t.rows ?? t.ratings + t.requests + t.rejects;

const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
};

export const backfillProgressQuery = defineQuery<BackfillProgress>('progress');

/**
 * Nightly (and on demand): load every history object not yet loaded at its current ETag, each as
 * an extract, a transform and a load activity.
 */
export async function backfillWorkflow(input: BackfillInput = {}): Promise<BackfillSummary> {
  const named = patched(ACTIVITY_NAMES_PATCH);
  const hold = patched(HELD_BATCHES_PATCH);
  const stages = named
    ? { extract: extractFile, transform: transformFile, load: loadFile }
    : { extract: extractHistoryFile, transform: transformStagedFile, load: loadStagedFile };
  /** Transform and load where the file is: its holder's queue, or the shared one for a staged file. */
  const stagesFor = (file: StagedFile) => (file.hostQueue === undefined ? stages : onHost(file.hostQueue));
  const startedAt = Date.now();
  const progress: BackfillProgress = {
    bucket: input.bucket ?? null,
    filesTotal: 0,
    filesDone: 0,
    filesSkipped: 0,
    filesFailed: 0,
    filesToLoad: 0,
    stages: { extract: 0, transform: 0, load: 0 },
    running: [],
    runningStage: {},
    rows: 0,
    rowsAwaitingLoad: 0,
    rejects: 0,
    restaged: 0,
    startedAt,
    finished: false,
  };
  setHandler(backfillProgressQuery, () => progress);
  if (input.rowLimit !== undefined && !(Number.isInteger(input.rowLimit) && input.rowLimit >= 0)) {
    throw permanentFailure(
      FailureType.BadInput,
      `rowLimit must be a non-negative integer, got ${input.rowLimit}`,
    );
  }

  // Kiosk inputs stay as they were, so recorded runs replay unchanged.
  const dataset =
    input.dataset !== undefined && input.dataset !== RECORDED_DEFAULT_DATASET
      ? { dataset: input.dataset }
      : {};
  const listing = await listHistoryFiles({
    bucket: input.bucket,
    ...dataset,
    ...(input.prefix !== undefined ? { prefix: input.prefix } : {}),
  });
  const summary: BackfillSummary = {
    bucket: listing.bucket,
    ...(dataset.dataset !== undefined ? { dataset: dataset.dataset, byKind: {}, insertedByKind: {} } : {}),
    filesTotal: listing.files.length,
    loaded: [],
    skipped: listing.files.filter((f) => f.loaded).map((f) => f.key),
    notReached: [],
    failed: [],
    ratings: 0,
    requests: 0,
    rejects: 0,
    rejectsByReason: {},
    headerLines: 0,
    blankLines: 0,
    rowLimit: input.rowLimit ?? null,
    durationMs: 0,
  };
  progress.bucket = listing.bucket;
  progress.filesTotal = listing.files.length;
  progress.filesSkipped = summary.skipped.length;

  const queue = listing.files.filter((f) => !f.loaded);
  progress.filesToLoad = queue.length;
  // A total row limit is only exact if files take turns: each gets what the previous ones left.
  const wanted = input.concurrency;
  const lanes =
    input.rowLimit !== undefined
      ? 1
      : wanted !== undefined && Number.isInteger(wanted) && wanted > 0
        ? wanted
        : 2;
  let remaining = input.rowLimit ?? Infinity;

  const skip = (key: string) => {
    summary.skipped.push(key);
    progress.filesSkipped++;
  };

  /**
   * Extract, transform, load; extracted again (at most MAX_RESTAGES times) if its staging is lost.
   * `judged` hears the rows transform judged as soon as it has, so the lane can go on meanwhile.
   */
  const stagesOf = async (file: HistoryFile, budget: number, judged: (rows: number) => void) => {
    const at = (stage: BackfillStage) => (progress.runningStage[file.key] = stage);
    const passed = new Set<BackfillStage>();
    let reported = false;
    const pass = (stage: BackfillStage) => {
      if (!passed.has(stage)) progress.stages[stage]++;
      passed.add(stage);
    };
    for (let restages = 0; ; restages++) {
      at('extract');
      const extracted: ExtractedHistoryFile = await stages.extract({
        bucket: listing.bucket,
        key: file.key,
        etag: file.etag,
        ...dataset,
        ...(restages > 0 ? { restage: true } : {}),
        ...(hold ? { hold } : {}),
      });
      if (extracted.status === 'unchanged') return undefined;
      pass('extract');
      const staged: StagedFile = extracted.file;
      try {
        at('transform');
        const transformed = await stagesFor(staged).transform({
          file: staged,
          ...(Number.isFinite(budget) ? { rowLimit: budget } : {}),
        });
        pass('transform');
        at('load');
        const rows = rowsOf(transformed);
        // Once: a file extracted again judges the same rows within the same budget.
        if (!reported) judged(rows);
        reported = true;
        progress.rowsAwaitingLoad += rows;
        try {
          const loaded = await stagesFor(staged).load({ file: staged });
          pass('load');
          return { extracted, transformed, loaded };
        } finally {
          progress.rowsAwaitingLoad -= rows;
        }
      } catch (err) {
        if (!isLostClaimCheck(err) || restages >= MAX_RESTAGES) throw err;
        // The worker holding the file is gone, PostgreSQL lost the unlogged staging (a crash), or a
        // sweep took it: read the file again.
        progress.restaged++;
      }
    }
  };

  const loadOne = async (file: HistoryFile, budget: number, judged: (rows: number) => void) => {
    progress.running.push(file.key);
    try {
      const done = await stagesOf(file, budget, judged);
      if (!done || done.loaded.status === 'unchanged') return skip(file.key);
      const { extracted, transformed: t, loaded } = done;
      summary.loaded.push({
        key: file.key,
        etag: extracted.file!.etag,
        ratings: t.ratings,
        requests: t.requests,
        rejects: t.rejects,
        complete: t.complete,
        replaced: loaded.replaced,
        resumedFromLine: extracted.resumedFromLine,
        ...(summary.dataset !== undefined ? { inserted: loaded.inserted } : {}),
      });
      if (summary.byKind && t.byKind) add(summary.byKind, t.byKind);
      if (summary.insertedByKind) add(summary.insertedByKind, loaded.inserted);
      summary.ratings += t.ratings;
      summary.requests += t.requests;
      summary.rejects += t.rejects;
      summary.headerLines += t.headerLines;
      summary.blankLines += t.blankLines;
      for (const [reason, n] of Object.entries(t.rejectsByReason)) {
        summary.rejectsByReason[reason] = (summary.rejectsByReason[reason] ?? 0) + n;
      }
      progress.rows += rowsOf(t);
      progress.rejects += t.rejects;
      progress.filesDone++;
    } catch (err) {
      // An operator cancelled the run: stop, do not record every remaining file as failed.
      if (isCancellation(err)) throw err;
      // Unreadable, not a history file, or retries exhausted: report the file, let the others finish.
      const cause = err instanceof ActivityFailure ? (err.cause ?? err) : err;
      summary.failed.push({ key: file.key, error: (cause as Error).message });
      progress.filesFailed++;
    } finally {
      progress.running = progress.running.filter((k) => k !== file.key);
      delete progress.runningStage[file.key];
    }
  };

  // In each lane the next file is extracted and transformed while the previous one loads (the
  // load is one long transaction, most of it the dashboards' rollup triggers); at most one load and
  // one file being prepared per lane, so staging holds at most two files per lane.
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      let loading: Promise<void> = Promise.resolve();
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        if (remaining <= 0) {
          summary.notReached.push(file.key);
          continue;
        }
        let reachedLoad = () => {};
        const judgedOrDone = new Promise<void>((resolve) => (reachedLoad = resolve));
        // The next file's budget is what this one's transform left, known before its load ends.
        const done = loadOne(file, remaining, (rows) => {
          remaining -= rows;
          reachedLoad();
        }).finally(reachedLoad);
        // Awaited below; only a cancellation rejects it, and that must not fail the task before.
        done.catch(() => undefined);
        await judgedOrDone;
        await loading;
        loading = done;
      }
      await loading;
    }),
  );
  summary.durationMs = Date.now() - startedAt;
  progress.finished = true;
  return summary;
}
