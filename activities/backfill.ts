import { Context } from '@temporalio/activity';
import { FailureType, permanentFailure } from '../common/failures';
import { historyFileNumber, isHistoryKey } from '../domain';
import { loadFile, rowsOf, type BackfillHeartbeat } from './backfill-file';
import { unavailableReason } from './backfill-source';
import { manifestEntries, manifestEntry, type LoadStats } from './backfill-staging';
import type { ActivityDeps } from './index';
import { recordBackfillRows } from './metrics';
import { listAllObjects } from './s3-objects';

export type { BackfillHeartbeat } from './backfill-file';

export interface HistoryFile {
  key: string;
  /** Without the quotes S3 wraps it in. */
  etag: string;
  size: number;
  /** The `<n>` of `lmnh_hist_data_<n>.csv`. */
  number: number;
  /** Already fully loaded at this ETag: the backfill skips it. */
  loaded: boolean;
}

export interface HistoryListing {
  bucket: string;
  /** History objects only, in file-number order. */
  files: HistoryFile[];
}

export interface LoadHistoryInput {
  bucket: string;
  key: string;
  etag: string;
  /** Stop after this many data rows (accepted + rejected) in this file. */
  rowLimit?: number;
}

export interface LoadHistoryResult extends LoadStats {
  key: string;
  etag: string;
  /** `unchanged`: already loaded at this ETag; `failed`: the object could not be read (see error). */
  status: 'loaded' | 'unchanged' | 'failed';
  error?: string;
  lines: number;
  bytes: number;
  /** False when the row limit stopped the load before the end of the file. */
  complete: boolean;
  /** Earlier ETags of this key whose rows were replaced. */
  replaced: string[];
  /** Line the attempt started after (0 = from the beginning). */
  resumedFromLine: number;
  durationMs: number;
  /** Of which the final swap transaction. */
  finalizeMs: number;
}

/** Lines per staged chunk: about 1.5 MB of COPY text, and the most a crash can make us redo. */
export const CHUNK_LINES = 20_000;

export function createBackfillActivities({ config, db, s3, catalogue }: ActivityDeps) {
  return {
    async listHistoryFiles(input: { bucket?: string } = {}): Promise<HistoryListing> {
      const bucket = input.bucket ?? config.s3.bucket;
      let objects;
      try {
        objects = await listAllObjects(s3, bucket);
      } catch (err) {
        const why = unavailableReason(err);
        // A wrong bucket name will not fix itself on retry.
        if (why) throw permanentFailure(FailureType.BucketUnavailable, `cannot list s3://${bucket}: ${why}`);
        throw err;
      }
      const manifest = await manifestEntries(db, bucket);
      const files = objects
        .filter((o) => isHistoryKey(o.key))
        .map((o) => {
          const entry = manifest.get(o.key);
          return {
            key: o.key,
            etag: o.etag,
            size: o.size,
            number: historyFileNumber(o.key) ?? 0,
            loaded: entry !== undefined && entry.etag === o.etag && entry.complete,
          };
        })
        .sort((a, b) => a.number - b.number || a.key.localeCompare(b.key));
      return { bucket, files };
    },

    /**
     * Streams, validates and stages one history object, then swaps it in with its manifest entry.
     * Idempotent and resumable: a retried attempt continues after the last staged chunk.
     */
    async loadHistoryFile(input: LoadHistoryInput): Promise<LoadHistoryResult> {
      const started = Date.now();
      const ctx = Context.current();
      const f = { bucket: input.bucket, key: input.key, etag: input.etag.replace(/^"(.*)"$/, '$1') };
      const base = { key: f.key, etag: f.etag, replaced: [] as string[], durationMs: 0, finalizeMs: 0 };

      const entry = await manifestEntry(db, f.bucket, f.key);
      if (entry?.etag === f.etag && entry.complete) {
        return { ...base, ...zero(), status: 'unchanged', complete: true, resumedFromLine: 0 };
      }
      // Fresh, not the cached few seconds: a file judged against a stale catalogue stays judged.
      const snapshot = await catalogue.get(0);
      const outcome = await loadFile(
        {
          db,
          s3,
          rules: { catalogue: snapshot.catalogue, now: Date.now(), timeZone: config.museum.timeZone },
          exhibitionIds: snapshot.exhibitionIds,
        },
        f,
        { rowLimit: input.rowLimit, chunkLines: CHUNK_LINES },
        {
          heartbeat: (d) => ctx.heartbeat(d),
          signal: ctx.cancellationSignal,
          warn: (m, meta) => ctx.log.warn(m, meta),
          previous: ctx.info.heartbeatDetails as Partial<BackfillHeartbeat> | undefined,
        },
      );
      const { stats, lineReached, byteOffset } = outcome.state;
      const counts = {
        ratings: stats.ratings,
        requests: stats.requests,
        rejects: stats.rejects,
        rejectsByReason: stats.rejectsByReason,
        headerLines: stats.headerLines,
        blankLines: stats.blankLines,
        lines: lineReached,
        bytes: byteOffset,
        resumedFromLine: outcome.resumedFromLine,
        durationMs: Date.now() - started,
      };
      if (outcome.kind === 'unavailable') {
        return { ...base, ...counts, ...zero(), status: 'failed', error: outcome.error, complete: false };
      }
      if (outcome.final.outcome === 'unchanged') {
        return { ...base, ...counts, status: 'unchanged', complete: true };
      }
      recordBackfillRows(f.bucket, {
        ratings: stats.ratings,
        requests: stats.requests,
        rejects: stats.rejects,
      });
      ctx.log.info('history file loaded', {
        key: f.key,
        etag: f.etag,
        rows: rowsOf(stats),
        rejects: stats.rejects,
        replaced: outcome.final.replaced,
        resumedFromLine: outcome.resumedFromLine,
        durationMs: counts.durationMs,
        finalizeMs: outcome.finalizeMs,
      });
      return {
        ...base,
        ...counts,
        status: 'loaded',
        complete: outcome.complete,
        replaced: outcome.final.replaced,
        finalizeMs: outcome.finalizeMs,
      };
    },
  };
}

function zero() {
  return {
    ratings: 0,
    requests: 0,
    rejects: 0,
    rejectsByReason: {},
    headerLines: 0,
    blankLines: 0,
    lines: 0,
    bytes: 0,
  };
}
