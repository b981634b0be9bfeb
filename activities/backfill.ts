import { Context } from '@temporalio/activity';
import { FailureType, failureTypeOf, permanentFailure } from '../common/failures';
import type { StagedFile } from '../pipeline/staged-file';
import { sweepStaging } from '../pipeline/staging';
import { extractFile, holdWholeFile, type BackfillHeartbeat } from '../pipeline/file-extract';
import { manifestEntries, manifestEntry } from '../pipeline/file-manifest';
import { unavailableReason } from '../pipeline/file-source';
import {
  fileDatasetOf,
  judgeHeldFile,
  loadFile,
  loadHeldFile,
  missingFile,
  transformFile,
  type FileJudgement,
} from '../pipeline/file-stages';
import type { ActivityDeps } from './index';
import { recordBackfillRows, recordStage } from './metrics';
import { listAllObjects } from '../pipeline/s3-objects';

/*
 * A history file is three activities. One of up to HOLD_MAX_BYTES (pipeline/file-extract.ts) is held whole in the memory of
 * the worker that extracted it (the live path's claim check: its transform and load run on that
 * worker's own task queue) and written once, by load. A larger one is staged: extract stages the raw
 * lines as 20,000-line chunk batches; transform judges the chunks in order and frees each one's
 * raw lines as its verdicts are staged; load swaps the verdicts in with the manifest entry and
 * drops the staging. Every stage works a chunk at a time, so a 10,000,000-row file costs the
 * worker a few MB, and PostgreSQL about one copy of the file (raw lines, then verdicts) until load.
 * One swap at the end rather than a load per chunk: readers must see a file whole or not at all.
 */

export type { BackfillHeartbeat } from '../pipeline/file-extract';
export type { StagedFile } from '../pipeline/staged-file';

export interface HistoryFile {
  key: string;
  /** Without the quotes S3 wraps it in. */
  etag: string;
  size: number;
  /** The number the file's name gives it (the kiosk's `lmnh_hist_data_<n>.csv`), else 0. */
  number: number;
  /** Already fully loaded at this ETag: the backfill skips it. */
  loaded: boolean;
}

export interface HistoryListing {
  bucket: string;
  /** The dataset's files only, in its load order (kiosk: file number). */
  files: HistoryFile[];
}

export interface ListHistoryInput {
  /** Default: the worker's S3_BUCKET. */
  bucket?: string;
  /** Default: the first installed dataset. */
  dataset?: string;
  /** Only keys under it; default the dataset's own (Pinterest: `topics/`, kiosk: none). */
  prefix?: string;
}

export interface ExtractHistoryInput {
  bucket: string;
  key: string;
  etag: string;
  /** Dataset whose rules judge the file; default: the first installed. */
  dataset?: string;
  /** Drop whatever is staged for this version first (a later stage found it gone). */
  restage?: boolean;
  /**
   * Hold the file whole in this worker's memory (if it is at most HOLD_MAX_BYTES) instead of
   * staging it in PostgreSQL; runs started before held files leave it out.
   */
  hold?: boolean;
}

/** The claim check of one file, or `unchanged` when this version is already loaded in full. */
export type ExtractedHistoryFile = (
  | { status: 'extracted'; file: StagedFile; resumedFromLine: number }
  | { status: 'unchanged'; file: null; resumedFromLine: 0 }
) & { durationMs: number; attempt: number };

/** Counts as the backfill summary has always shown them. */
export interface HistoryCounts {
  ratings: number;
  requests: number;
  rejects: number;
  rejectsByReason: Record<string, number>;
  /** Header lines repeated inside the file (skipped). */
  headerLines: number;
  blankLines: number;
}

export interface TransformedHistoryFile extends HistoryCounts {
  /** Data rows judged, accepted and rejected (absent in results recorded before it existed). */
  rows?: number;
  /** Verdicts by kind: kiosk rating/request/reject, Pinterest row/reject. */
  byKind?: Record<string, number>;
  /** Last line judged (or skipped); the file's last unless the row limit stopped it. */
  lines: number;
  /** False when the row limit stopped the judging before the end of the file. */
  complete: boolean;
  durationMs: number;
  attempt: number;
}

export interface LoadedHistoryFile {
  /** `unchanged`: another run loaded this version in full meanwhile; nothing written. */
  status: 'loaded' | 'unchanged';
  inserted: Record<string, number>;
  /** Earlier ETags of this key whose rows were replaced. */
  replaced: string[];
  durationMs: number;
  attempt: number;
}

/** Lines per staged chunk: about 3 MB of COPY text, and the most a crash can make extract redo. */
export const CHUNK_LINES = 20_000;

export function countsOf(
  j: Pick<FileJudgement, 'byKind' | 'rejectsByReason' | 'skippedByKind'>,
): HistoryCounts {
  return {
    ratings: j.byKind.rating ?? 0,
    requests: j.byKind.request ?? 0,
    rejects: j.byKind.reject ?? 0,
    rejectsByReason: j.rejectsByReason,
    headerLines: j.skippedByKind.header ?? 0,
    blankLines: j.skippedByKind.blank ?? 0,
  };
}

export function createBackfillActivities({ config, db, s3, datasets, registry, held }: ActivityDeps) {
  /** Judges a file this worker holds; the verdicts wait beside it for load. */
  const judgeHeld = async (file: StagedFile, rowBudget: number): Promise<FileJudgement> => {
    const body = held?.body(file.fileId);
    if (!body) throw missingFile(file, 'no longer held by this worker');
    try {
      const { judgement, judged } = await judgeHeldFile(
        fileDatasetOf(datasets, file.dataset),
        file,
        body,
        rowBudget,
      );
      held!.setJudged(file.fileId, judged);
      return judgement;
    } catch (err) {
      // A file that is not the dataset's will not become one on retry: let it go now.
      if (failureTypeOf(err) === FailureType.NotAHistoryFile) held!.release(file.fileId);
      throw err;
    }
  };

  return {
    async listHistoryFiles(input: ListHistoryInput = {}): Promise<HistoryListing> {
      const bucket = input.bucket ?? config.s3.bucket;
      const { files: dataset } = fileDatasetOf(datasets, input.dataset ?? registry.defaultName);
      const prefix = input.prefix ?? dataset.defaultPrefix;
      let objects;
      try {
        objects = await listAllObjects(s3, bucket, prefix);
      } catch (err) {
        const why = unavailableReason(err);
        // A wrong bucket name will not fix itself on retry.
        if (why) throw permanentFailure(FailureType.BucketUnavailable, `cannot list s3://${bucket}: ${why}`);
        throw err;
      }
      const manifest = await manifestEntries(db, bucket);
      const sorted = objects
        .map((o) => ({ o, order: dataset.sortKey(o.key, prefix) }))
        .filter((f): f is { o: (typeof objects)[number]; order: string } => f.order !== undefined)
        .sort((a, b) => cmp(a.order, b.order) || cmp(a.o.key, b.o.key));
      const files = sorted.map(({ o }) => {
        const entry = manifest.get(o.key);
        return {
          key: o.key,
          etag: o.etag,
          size: o.size,
          number: dataset.fileNumber?.(o.key) ?? 0,
          loaded: entry !== undefined && entry.etag === o.etag && entry.complete,
        };
      });
      return { bucket, files };
    },

    /**
     * Streams one history object into staged chunks of raw lines. Resumable: a retried attempt
     * reads S3 again from the byte after the last committed chunk, if the ETag still matches.
     * An object that cannot be read fails with `ObjectUnreadable` (not retried).
     */
    async extractFile(input: ExtractHistoryInput): Promise<ExtractedHistoryFile> {
      const started = Date.now();
      const ctx = Context.current();
      const dataset = input.dataset ?? registry.defaultName;
      const f = { bucket: input.bucket, key: input.key, etag: input.etag.replace(/^"(.*)"$/, '$1'), dataset };
      if (fileDatasetOf(datasets, dataset).files.sortKey(f.key, undefined) === undefined) {
        throw permanentFailure(
          FailureType.NotAHistoryFile,
          `s3://${f.bucket}/${f.key} is not a ${dataset} file name`,
        );
      }
      const timing = () => ({ durationMs: Date.now() - started, attempt: ctx.info.attempt });
      const entry = await manifestEntry(db, f.bucket, f.key);
      if (entry?.etag === f.etag && entry.complete) {
        return { status: 'unchanged', file: null, resumedFromLine: 0, ...timing() };
      }
      await sweepStaging(db);
      const whole = input.hold && held ? await holdWholeFile(s3, held, f, ctx.cancellationSignal) : undefined;
      if (whole) {
        recordStage('extract', dataset, Date.now() - started);
        return { status: 'extracted', file: whole, resumedFromLine: 0, ...timing() };
      }
      const { file, resumedFromLine } = await extractFile(
        { db, s3 },
        f,
        { chunkLines: CHUNK_LINES, restage: input.restage ?? false },
        {
          heartbeat: (d) => ctx.heartbeat(d),
          signal: ctx.cancellationSignal,
          warn: (m, meta) => ctx.log.warn(m, meta),
          previous: ctx.info.heartbeatDetails as Partial<BackfillHeartbeat> | undefined,
        },
      );
      recordStage('extract', dataset, Date.now() - started);
      return { status: 'extracted', file, resumedFromLine, ...timing() };
    },

    /** Judges the staged lines in order and stages the verdicts; a retry goes on after the last judged chunk. */
    async transformFile(input: { file: StagedFile; rowLimit?: number }): Promise<TransformedHistoryFile> {
      const started = Date.now();
      const ctx = Context.current();
      const { file } = input;
      let last: BackfillHeartbeat = { stage: 'transform', key: file.key, lineReached: 0 };
      const rowBudget = input.rowLimit ?? Infinity;
      const judgement = await withHeartbeat(
        () => ctx.heartbeat(last),
        () =>
          file.hostQueue
            ? judgeHeld(file, rowBudget)
            : transformFile({ db, datasets }, file, rowBudget, (d) => {
                last = d;
                ctx.heartbeat(d);
              }),
      );
      recordStage('transform', file.dataset, Date.now() - started);
      return {
        ...countsOf(judgement),
        rows: judgement.rows,
        byKind: judgement.byKind,
        lines: judgement.lastLine,
        complete: !judgement.budgetReached,
        durationMs: Date.now() - started,
        attempt: ctx.info.attempt,
      };
    },

    /** The swap: in one transaction, the file's rows in, earlier versions out, manifest entry written. */
    async loadFile(input: { file: StagedFile }): Promise<LoadedHistoryFile> {
      const started = Date.now();
      const ctx = Context.current();
      const { file } = input;
      const beat: BackfillHeartbeat = { stage: 'load', key: file.key, lineReached: file.lines };
      const loaded = await withHeartbeat(
        () => ctx.heartbeat(beat),
        () =>
          file.hostQueue
            ? loadHeldFile(db, file, held?.judgedFile(file.fileId))
            : loadFile({ db, datasets }, file),
      );
      if (file.hostQueue) held?.release(file.fileId);
      recordStage('load', file.dataset, Date.now() - started);
      if (loaded.outcome === 'loaded') {
        recordBackfillRows(file.bucket, file.dataset, loaded.inserted);
        ctx.log.info('history file loaded', {
          key: file.key,
          etag: file.etag,
          inserted: loaded.inserted,
          replaced: loaded.replaced,
          durationMs: Date.now() - started,
        });
      }
      return {
        status: loaded.outcome,
        inserted: loaded.inserted,
        replaced: loaded.replaced,
        durationMs: Date.now() - started,
        attempt: ctx.info.attempt,
      };
    },
  };
}

/** Code-point order, the same on every machine (localeCompare is not). */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Heartbeats every 5 s while `step` runs (a long COPY or swap sends no progress of its own). */
async function withHeartbeat<T>(beat: () => void, step: () => Promise<T>): Promise<T> {
  const timer = setInterval(beat, 5_000);
  try {
    return await step();
  } finally {
    clearInterval(timer);
  }
}
