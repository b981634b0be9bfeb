import type { Pool, PoolClient } from 'pg';
import { s3ObjectSource } from './position';
import type { FileRef } from './dataset';
import {
  discardSourceBatches,
  stageRows,
  type StagedBatch,
  type StagedMessageRows,
  type StagedState,
} from './staging';

/**
 * A history file in the claim check (sql/migrations/0010_backfill_stages.sql): its lines are
 * staged as chunk batches like any Kafka batch; `staged_file` adds what only a file has, the
 * extract's resume point and the transform's progress through the chunks.
 */

/** The descriptor the backfill's stages hand each other: where the file's staging is, never its rows. */
export interface StagedFile extends FileRef {
  fileId: string;
  dataset: string;
  /** `s3:<bucket>/<key>@<etag>`: the chunks' source and the prefix of the file's positions. */
  source: string;
  /** Lines and bytes extracted (the whole object). */
  lines: number;
  bytes: number;
  chunks: number;
  /** Held whole in the memory of the worker polling this task queue (the one-write path); absent: staged. */
  hostQueue?: string;
}

export interface StagedFileState {
  fileId: string;
  lineReached: number;
  byteOffset: number;
  chunks: number;
  extracted: boolean;
  transformedChunks: number;
  judgeState: unknown;
}

export const fileSource = (f: FileRef): string => s3ObjectSource(f.bucket, f.key, f.etag);

export class SupersededError extends Error {
  constructor(f: FileRef) {
    super(`another attempt moved the staging of ${f.key}@${f.etag} meanwhile; this attempt stops`);
    this.name = 'SupersededError';
  }
}

const SELECT_FILE = `select file_id, line_reached, byte_offset, chunks, extracted, transformed_chunks, judge_state
  from staged_file`;

type FileRow = {
  file_id: string;
  line_reached: string;
  byte_offset: string;
  chunks: number;
  extracted: boolean;
  transformed_chunks: number;
  judge_state: unknown;
};

const stateOf = (r: FileRow): StagedFileState => ({
  fileId: r.file_id,
  lineReached: Number(r.line_reached),
  byteOffset: Number(r.byte_offset),
  chunks: r.chunks,
  extracted: r.extracted,
  transformedChunks: r.transformed_chunks,
  judgeState: r.judge_state,
});

/** The file's staging state, or `undefined` when it is gone (PostgreSQL crashed, or swept). */
export async function stagedFileState(
  client: Pool | PoolClient,
  fileId: string,
  lock = false,
): Promise<StagedFileState | undefined> {
  const { rows } = await client.query<FileRow>(
    `${SELECT_FILE} where file_id = $1${lock ? ' for update' : ''}`,
    [fileId],
  );
  return rows[0] && stateOf(rows[0]);
}

/**
 * Where extract of this object version stands, creating it the first time. Staging that does not
 * add up (a chunk swept or lost while the file row survived), or `restage`, starts it afresh.
 */
export async function beginStagedFile(
  db: Pool,
  dataset: string,
  f: FileRef,
  restage: boolean,
): Promise<StagedFileState> {
  const source = fileSource(f);
  for (let attempt = 0; ; attempt++) {
    if (restage || attempt > 0) await discardStagedFile(db, source);
    await db.query(
      `insert into staged_file (dataset, source, bucket, key, etag) values ($1, $2, $3, $4, $5)
       on conflict (source) do nothing`,
      [dataset, source, f.bucket, f.key, f.etag],
    );
    const { rows } = await db.query<FileRow>(`${SELECT_FILE} where source = $1`, [source]);
    const state = rows[0] && stateOf(rows[0]);
    const chunks = await fileChunks(db, source);
    if (state && chunks.length === state.chunks) return state;
    if (attempt > 0) throw new Error(`staging of ${source} keeps changing under this attempt; retrying`);
  }
}

/**
 * Stages one chunk of lines and moves the file's resume point past it, in the caller's
 * transaction. The move only matches if nobody moved it since `from` (a zombie attempt after a
 * worker crash), so two attempts can never stage the same lines.
 */
export async function stageFileChunk(
  client: PoolClient,
  f: FileRef & { dataset: string },
  from: { fileId: string; lineReached: number; chunks: number },
  rows: StagedMessageRows,
  next: { lineReached: number; byteOffset: number },
): Promise<StagedBatch> {
  const source = fileSource(f);
  const chunk = from.chunks + 1;
  const { rowCount } = await client.query(
    `update staged_file set line_reached = $2, byte_offset = $3, chunks = $4, updated_at = now()
     where file_id = $1 and line_reached = $5 and chunks = $6`,
    [from.fileId, next.lineReached, next.byteOffset, chunk, from.lineReached, from.chunks],
  );
  if (rowCount !== 1) throw new SupersededError(f);
  return stageRows(
    client,
    {
      batchKey: `${source}#${chunk}`,
      dataset: f.dataset,
      source,
      ranges: { '0': [String(from.lineReached + 1), String(next.lineReached + 1)] },
    },
    rows,
  );
}

export async function markFileExtracted(db: Pool, fileId: string): Promise<void> {
  await db.query('update staged_file set extracted = true, updated_at = now() where file_id = $1', [fileId]);
}

/** Records one more judged chunk and the judge's state after it, in the caller's transaction. */
export async function advanceFileTransform(
  client: PoolClient,
  f: FileRef & { fileId: string },
  transformedChunks: number,
  judgeState: unknown,
): Promise<void> {
  const { rowCount } = await client.query(
    `update staged_file set transformed_chunks = $2 + 1, judge_state = $3, updated_at = now()
     where file_id = $1 and transformed_chunks = $2`,
    [f.fileId, transformedChunks, JSON.stringify(judgeState)],
  );
  if (rowCount !== 1) throw new SupersededError(f);
}

/** The file's chunk batches in line order. */
export async function fileChunks(
  client: Pool | PoolClient,
  source: string,
): Promise<Array<StagedBatch & { stage: StagedState }>> {
  const { rows } = await client.query<{
    batch_id: string;
    batch_key: string;
    dataset: string;
    ranges: StagedBatch['ranges'];
    messages: number;
    bytes: string;
    stage: StagedState;
  }>(
    `select batch_id, batch_key, dataset, ranges, messages, bytes, stage from staged_batch
     where source = $1 order by (ranges -> '0' ->> 0)::bigint`,
    [source],
  );
  return rows.map((r) => ({
    batchId: r.batch_id,
    batchKey: r.batch_key,
    dataset: r.dataset,
    source,
    ranges: r.ranges,
    messages: r.messages,
    bytes: Number(r.bytes),
    stage: r.stage,
  }));
}

/** Drops the file's staging: its chunks (lines and verdicts) and its row. */
export async function discardStagedFile(client: Pool | PoolClient, source: string): Promise<void> {
  await discardSourceBatches(client, source);
  await client.query('delete from staged_file where source = $1', [source]);
}
