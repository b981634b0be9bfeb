import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Pool } from 'pg';
import { FailureType, permanentFailure } from '../common/failures';
import { inTransaction } from '../db/transaction';
import type { FileRef } from './dataset';
import type { HeldBatches } from './held-batches';
import { countLines, LineSplitter, type RawLine } from './line-splitter';
import {
  beginStagedFile,
  discardStagedFile,
  fileSource,
  markFileExtracted,
  stageFileChunk,
  type StagedFile,
  type StagedFileState,
} from './staged-file';
import { StagedMessageRows } from './staging';
import { openAt, unavailableReason } from './file-source';

/** Heartbeat details of every backfill stage: what the CLI shows live and an operator sees in the UI. */
export interface BackfillHeartbeat {
  stage: 'extract' | 'transform' | 'load';
  key: string;
  lineReached: number;
  /** Extract: bytes read so far. */
  bytes?: number;
  /** Transform: data rows judged so far (accepted + rejected). */
  rows?: number;
  rejects?: number;
}

export interface FileExtractHooks {
  heartbeat(details: BackfillHeartbeat): void;
  signal: AbortSignal;
  warn(message: string, meta?: Record<string, unknown>): void;
  /** Progress a previous attempt reported (Temporal heartbeat details), if any. */
  previous?: Partial<BackfillHeartbeat>;
}

/**
 * Streams one object version into staged chunks of `chunkLines` lines, from wherever its staged
 * progress stands: each chunk commits with the file's resume point (line and byte), so a retried
 * attempt reads S3 again from that byte. The next chunk is read while the previous one is COPYed
 * (at most one in flight), so memory stays at about two chunks whatever the file's size.
 */
export async function extractFile(
  deps: { db: Pool; s3: S3Client },
  f: FileRef & { dataset: string },
  options: { chunkLines: number; restage: boolean },
  hooks: FileExtractHooks,
): Promise<{ file: StagedFile; resumedFromLine: number }> {
  const { db } = deps;
  const start = await beginStagedFile(db, f.dataset, f, options.restage);
  const resumedFromLine = start.lineReached;
  const done = (s: StagedFileState): StagedFile => ({
    ...f,
    fileId: s.fileId,
    source: fileSource(f),
    lines: s.lineReached,
    bytes: s.byteOffset,
    chunks: s.chunks,
  });
  // An attempt that finished but whose result Temporal never heard of.
  if (start.extracted) return { file: done(start), resumedFromLine };
  // The staged progress commits with the chunks, so it is the truth; a heartbeat ahead of it
  // means PostgreSQL lost the unlogged staging (a crash) and the file is read again from line 1.
  if ((hooks.previous?.lineReached ?? 0) > start.lineReached) {
    hooks.warn('staged progress is behind the last heartbeat (database restarted?); re-reading', {
      key: f.key,
      heartbeatLine: hooks.previous?.lineReached,
      stagedLine: start.lineReached,
    });
  }

  let body: Readable;
  let length: number;
  let skip: number;
  try {
    ({ body, length, skip } = await openAt(deps.s3, f, start.byteOffset, hooks.signal));
  } catch (err) {
    const why = unavailableReason(err);
    if (why === undefined) throw err;
    await discardStagedFile(db, fileSource(f));
    throw permanentFailure(FailureType.ObjectUnreadable, `cannot read s3://${f.bucket}/${f.key}: ${why}`);
  }

  let committed = start;
  let rows = new StagedMessageRows();
  let last: RawLine | undefined;
  let inflight: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const flush = async () => {
    await inflight;
    if (failure) throw failure.error;
    if (!last || rows.messages === 0) return;
    const from = committed;
    const chunk = rows;
    const next = { lineReached: last.line, byteOffset: last.endOffset };
    rows = new StagedMessageRows();
    // Not awaited: the next chunk is read while this one is written. Errors surface at the next flush.
    inflight = inTransaction(db, (client) => stageFileChunk(client, f, from, chunk, next)).then(
      () => {
        committed = { ...from, ...next, chunks: from.chunks + 1 };
        hooks.heartbeat({
          stage: 'extract',
          key: f.key,
          lineReached: next.lineReached,
          bytes: next.byteOffset,
        });
      },
      (error: unknown) => {
        failure = { error };
      },
    );
  };
  const take = (raw: RawLine) => {
    rows.add({ partition: 0, offset: String(raw.line), value: raw.bytes });
    last = raw;
  };

  const splitter = new LineSplitter(start.lineReached + 1, start.byteOffset);
  let received = 0;
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
        take(raw);
        if (rows.messages >= options.chunkLines) await flush();
      }
    }
  } finally {
    body.destroy();
    // Never leave a COPY running behind a failed read.
    await inflight.catch(() => undefined);
  }
  // A connection cut short would look like a truncated last line: check before trusting it.
  if (length >= 0 && received !== length) {
    throw new Error(`s3://${f.bucket}/${f.key}: received ${received} of ${length} bytes; retrying`);
  }
  for (const raw of splitter.end()) take(raw);
  await flush();
  await inflight;
  if (failure) throw failure.error;
  await markFileExtracted(db, committed.fileId);
  return { file: done({ ...committed, extracted: true }), resumedFromLine };
}

/** Files up to this size are held whole in memory (one write per event); larger ones are staged in chunks. */
export const HOLD_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Holds a file of up to HOLD_MAX_BYTES whole in this worker's memory, the claim check its transform
 * and load (on this worker's own task queue) read; undefined when it is larger, to be staged.
 */
export async function holdWholeFile(
  s3: S3Client,
  held: HeldBatches,
  f: FileRef & { dataset: string },
  signal: AbortSignal,
): Promise<StagedFile | undefined> {
  const body = await readWholeFile(s3, f, HOLD_MAX_BYTES, signal);
  if (!body) return undefined;
  const fileId = randomUUID();
  const source = fileSource(f);
  held.hold(source, fileId, body);
  const lines = countLines(body);
  return { ...f, fileId, source, lines, bytes: body.length, chunks: 0, hostQueue: held.hostQueue };
}

/**
 * The whole object version in memory, for the one-write path; undefined when it is larger than
 * `maxBytes` (then it is staged in chunks instead). An object that cannot be read fails with
 * `ObjectUnreadable` (not retried).
 */
export async function readWholeFile(
  s3: S3Client,
  f: FileRef,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer | undefined> {
  let body: Readable;
  let length: number;
  try {
    ({ body, length } = await openAt(s3, f, 0, signal));
  } catch (err) {
    const why = unavailableReason(err);
    if (why === undefined) throw err;
    throw permanentFailure(FailureType.ObjectUnreadable, `cannot read s3://${f.bucket}/${f.key}: ${why}`);
  }
  if (length < 0 || length > maxBytes) {
    body.destroy();
    return undefined;
  }
  const pieces: Buffer[] = [];
  let received = 0;
  try {
    for await (const piece of body as AsyncIterable<Buffer>) {
      pieces.push(piece);
      received += piece.length;
    }
  } finally {
    body.destroy();
  }
  // A connection cut short would look like a truncated last line: check before trusting it.
  if (received !== length) {
    throw new Error(`s3://${f.bucket}/${f.key}: received ${received} of ${length} bytes; retrying`);
  }
  return Buffer.concat(pieces, received);
}
