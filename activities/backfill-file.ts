import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Pool } from 'pg';
import type { RuleContext } from '../domain';
import { CsvLineJudge, LineSplitter, type RawLine } from './backfill-csv';
import { openAt, unavailableReason } from './backfill-source';
import {
  beginLoad,
  clearStaging,
  commitChunk,
  finalizeLoad,
  StagingChunk,
  type FileRef,
  type FinalizeResult,
  type LoadState,
  type LoadStats,
} from './backfill-staging';

/** Heartbeat details: what the CLI shows live and what an operator sees in the UI. */
export interface BackfillHeartbeat {
  key: string;
  lineReached: number;
  bytes: number;
  /** Data rows judged so far (accepted + rejected). */
  rows: number;
  rejects: number;
}

export interface FileLoadOptions {
  rowLimit?: number;
  /** Lines per staged chunk: the unit of progress kept across crashes. */
  chunkLines: number;
}

export interface FileLoadHooks {
  heartbeat(details: BackfillHeartbeat): void;
  signal: AbortSignal;
  warn(message: string, meta?: Record<string, unknown>): void;
  /** Progress a previous attempt reported (Temporal heartbeat details), if any. */
  previous?: Partial<BackfillHeartbeat>;
}

export type FileLoadOutcome =
  | {
      kind: 'done';
      state: LoadState;
      complete: boolean;
      resumedFromLine: number;
      final: FinalizeResult;
      /** Time of the swap transaction alone (the rest is streaming, validating and staging). */
      finalizeMs: number;
    }
  | { kind: 'unavailable'; error: string; state: LoadState; resumedFromLine: number };

export const rowsOf = (s: LoadStats) => s.ratings + s.requests + s.rejects;

/**
 * One object version, from wherever its staged progress stands to the final swap. Parsing of the
 * next chunk overlaps with the COPY of the previous one (at most one in flight), so the database
 * and the validator work at the same time while memory stays at about two chunks.
 */
export async function loadFile(
  deps: { db: Pool; s3: S3Client; rules: RuleContext; exhibitionIds: ReadonlyMap<string, number> },
  f: FileRef,
  options: FileLoadOptions,
  hooks: FileLoadHooks,
): Promise<FileLoadOutcome> {
  const { db } = deps;
  const start = await beginLoad(db, f);
  const resumedFromLine = start.lineReached;
  // The database's progress row commits with the staged rows, so it is the truth; the heartbeat
  // can only be behind it (heartbeats are throttled) or ahead of it if PostgreSQL lost the
  // unlogged staging tables in a crash, in which case the file is read again from the start.
  if ((hooks.previous?.lineReached ?? 0) > start.lineReached) {
    hooks.warn('staged progress is behind the last heartbeat (database restarted?); re-reading', {
      key: f.key,
      heartbeatLine: hooks.previous?.lineReached,
      stagedLine: start.lineReached,
    });
  }
  const limit = options.rowLimit ?? Infinity;
  const header = start.header;
  const judge = new CsvLineJudge(
    deps.rules,
    header && 'columns' in header ? header.columns : null,
    header && 'problem' in header ? header.problem : null,
  );
  const stats: LoadStats = { ...start.stats, rejectsByReason: { ...start.stats.rejectsByReason } };
  let lineReached = start.lineReached;
  let byteOffset = start.byteOffset;
  let committed = start;
  let chunk = new StagingChunk(start.loadId, deps.exhibitionIds);
  let chunkLines = 0;
  let inflight: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const client = await db.connect();
  let broken = false;

  const snapshot = (): LoadState => ({
    loadId: start.loadId,
    lineReached,
    byteOffset,
    header: judge.header
      ? { columns: judge.header }
      : judge.headerProblem
        ? { problem: judge.headerProblem }
        : null,
    stats: { ...stats, rejectsByReason: { ...stats.rejectsByReason } },
  });
  const heartbeatOf = (s: LoadState): BackfillHeartbeat => ({
    key: f.key,
    lineReached: s.lineReached,
    bytes: s.byteOffset,
    rows: rowsOf(s.stats),
    rejects: s.stats.rejects,
  });
  const flush = async () => {
    await inflight;
    if (failure) throw failure.error;
    if (lineReached === committed.lineReached) return;
    const target = snapshot();
    const rows = chunk;
    chunk = new StagingChunk(start.loadId, deps.exhibitionIds);
    chunkLines = 0;
    // Not awaited: the next chunk is parsed while this one is written. Errors surface at the next flush.
    inflight = commitChunk(client, f, committed, rows, target).then(
      () => {
        committed = target;
        hooks.heartbeat(heartbeatOf(target));
      },
      (error: unknown) => {
        failure = { error };
      },
    );
  };
  /** False when the row limit is reached before this line. */
  const take = (raw: RawLine): boolean => {
    const v = judge.judge(raw);
    if (v.kind === 'row') {
      if (rowsOf(stats) >= limit) return false;
      chunk.add(raw.line, v.verdict, raw.bytes);
      if (v.verdict.kind === 'rating') stats.ratings++;
      else if (v.verdict.kind === 'request') stats.requests++;
      else {
        stats.rejects++;
        stats.rejectsByReason[v.verdict.reason] = (stats.rejectsByReason[v.verdict.reason] ?? 0) + 1;
      }
    } else if (v.kind === 'blank') stats.blankLines++;
    else if (v.kind === 'repeated-header') stats.headerLines++;
    lineReached = raw.line;
    byteOffset = raw.endOffset;
    chunkLines++;
    return true;
  };

  try {
    let complete = false;
    if (rowsOf(stats) < limit) {
      let body: Readable;
      let length: number;
      let skip: number;
      try {
        ({ body, length, skip } = await openAt(deps.s3, f, start.byteOffset, hooks.signal));
      } catch (err) {
        const why = unavailableReason(err);
        if (why === undefined) throw err;
        await clearStaging(db, f);
        return {
          kind: 'unavailable',
          error: `cannot read s3://${f.bucket}/${f.key}: ${why}`,
          state: start,
          resumedFromLine,
        };
      }
      const splitter = new LineSplitter(start.lineReached + 1, start.byteOffset);
      let received = 0;
      let stopped = false;
      try {
        for await (const piece of body as AsyncIterable<Buffer>) {
          let bytes = piece;
          received += bytes.length;
          if (skip > 0) {
            const n = Math.min(skip, bytes.length);
            bytes = bytes.subarray(n);
            skip -= n;
          }
          for (const raw of splitter.push(bytes)) {
            if (!take(raw)) {
              stopped = true;
              break;
            }
            if (chunkLines >= options.chunkLines) await flush();
          }
          if (stopped) break;
        }
      } finally {
        body.destroy();
      }
      if (!stopped) {
        // A connection cut short would look like a truncated last line: check before trusting it.
        if (length >= 0 && received !== length) {
          throw new Error(`s3://${f.bucket}/${f.key}: received ${received} of ${length} bytes; retrying`);
        }
        for (const raw of splitter.end()) stopped = !take(raw) || stopped;
        complete = !stopped;
      }
    }
    await flush();
    await inflight;
    if (failure) throw failure.error;
    const done = committed;
    const beat = setInterval(() => hooks.heartbeat(heartbeatOf(done)), 5_000);
    try {
      const swapStarted = Date.now();
      const final = await finalizeLoad(client, f, done, complete);
      return {
        kind: 'done',
        state: done,
        complete,
        resumedFromLine,
        final,
        finalizeMs: Date.now() - swapStarted,
      };
    } finally {
      clearInterval(beat);
    }
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    // Never hand a connection back in the middle of a COPY; after an error, do not reuse it at all.
    await inflight;
    client.release(broken || failure !== undefined);
  }
}
