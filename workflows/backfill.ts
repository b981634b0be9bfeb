import {
  ActivityFailure,
  isCancellation,
  defineQuery,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import { FailureType, permanentFailure } from '../common/failures';
import type { Activities } from '../activities';
import type { HistoryFile, LoadHistoryResult } from '../activities/backfill';
import type { LoadStats } from '../activities/backfill-staging';

const { listHistoryFiles } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
  },
});

// A file takes about a minute per million rows; the heartbeat, not startToClose, detects a dead worker.
const { loadHistoryFile } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 20,
  },
});

export interface BackfillInput {
  /** Bucket holding lmnh_hist_data_*.csv; defaults to the worker's S3_BUCKET. */
  bucket?: string;
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
  /** Keys being loaded now; their live row counts are in the pending activities' heartbeats. */
  running: string[];
  /** Data rows (accepted + rejected) of finished files. */
  rows: number;
  rejects: number;
  /** Epoch ms of the workflow start, for rows/s. */
  startedAt: number;
  finished: boolean;
}

export interface BackfillSummary extends LoadStats {
  bucket: string;
  filesTotal: number;
  loaded: Array<
    Pick<
      LoadHistoryResult,
      'key' | 'etag' | 'ratings' | 'requests' | 'rejects' | 'complete' | 'replaced' | 'resumedFromLine'
    >
  >;
  /** Already loaded at their current ETag. */
  skipped: string[];
  /** Not started because the row limit was used up. */
  notReached: string[];
  failed: Array<{ key: string; error: string }>;
  rowLimit: number | null;
  durationMs: number;
}

export const backfillProgressQuery = defineQuery<BackfillProgress>('progress');

/** Nightly (and on demand): load every history object not yet loaded at its current ETag. */
export async function backfillWorkflow(input: BackfillInput = {}): Promise<BackfillSummary> {
  const startedAt = Date.now();
  const progress: BackfillProgress = {
    bucket: input.bucket ?? null,
    filesTotal: 0,
    filesDone: 0,
    filesSkipped: 0,
    filesFailed: 0,
    running: [],
    rows: 0,
    rejects: 0,
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

  const listing = await listHistoryFiles({ bucket: input.bucket });
  const summary: BackfillSummary = {
    bucket: listing.bucket,
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
  // A total row limit is only exact if files take turns: each gets what the previous ones left.
  const wanted = input.concurrency;
  const lanes =
    input.rowLimit !== undefined
      ? 1
      : wanted !== undefined && Number.isInteger(wanted) && wanted > 0
        ? wanted
        : 2;
  let remaining = input.rowLimit ?? Infinity;

  const loadOne = async (file: HistoryFile) => {
    progress.running.push(file.key);
    try {
      const r = await loadHistoryFile({
        bucket: listing.bucket,
        key: file.key,
        etag: file.etag,
        ...(Number.isFinite(remaining) ? { rowLimit: remaining } : {}),
      });
      if (r.status === 'failed') {
        summary.failed.push({ key: r.key, error: r.error ?? 'unreadable' });
        progress.filesFailed++;
        return;
      }
      if (r.status === 'unchanged') {
        summary.skipped.push(r.key);
        progress.filesSkipped++;
        return;
      }
      summary.loaded.push({
        key: r.key,
        etag: r.etag,
        ratings: r.ratings,
        requests: r.requests,
        rejects: r.rejects,
        complete: r.complete,
        replaced: r.replaced,
        resumedFromLine: r.resumedFromLine,
      });
      summary.ratings += r.ratings;
      summary.requests += r.requests;
      summary.rejects += r.rejects;
      summary.headerLines += r.headerLines;
      summary.blankLines += r.blankLines;
      for (const [reason, n] of Object.entries(r.rejectsByReason)) {
        summary.rejectsByReason[reason] = (summary.rejectsByReason[reason] ?? 0) + n;
      }
      remaining -= r.ratings + r.requests + r.rejects;
      progress.rows += r.ratings + r.requests + r.rejects;
      progress.rejects += r.rejects;
      progress.filesDone++;
    } catch (err) {
      // An operator cancelled the run: stop, do not record every remaining file as failed.
      if (isCancellation(err)) throw err;
      // Retries are exhausted: report the file and let the others finish.
      const cause = err instanceof ActivityFailure ? (err.cause ?? err) : err;
      summary.failed.push({ key: file.key, error: (cause as Error).message });
      progress.filesFailed++;
    } finally {
      progress.running = progress.running.filter((k) => k !== file.key);
    }
  };

  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        if (remaining <= 0) {
          summary.notReached.push(file.key);
          continue;
        }
        await loadOne(file);
      }
    }),
  );
  summary.durationMs = Date.now() - startedAt;
  progress.finished = true;
  return summary;
}
