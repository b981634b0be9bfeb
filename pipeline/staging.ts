import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { CopyTextBuffer } from './copy-text';
import { copyInto } from './copy';

/**
 * The claim check: staged batches in PostgreSQL (sql/migrations/0008_staged_batches.sql). The
 * activities hand each other only a `StagedBatch` descriptor; the messages and verdicts stay here.
 */

/** Kafka partition → [first offset, next offset) of what the batch holds. */
export type OffsetRanges = Record<string, [string, string]>;

export interface StagedBatch {
  batchId: string;
  batchKey: string;
  dataset: string;
  source: string;
  ranges: OffsetRanges;
  messages: number;
  bytes: number;
}

export interface StagedMessage {
  partition: number;
  offset: string;
  value: Buffer | null;
}

export interface StagedMessageInput extends StagedMessage {
  brokerAt?: string;
}

/**
 * Stages one extracted batch under a fresh id, replacing every earlier attempt of the same logical
 * batch in the same transaction: a retried extract never leaves two versions behind.
 */
export async function stageMessages(
  client: PoolClient,
  batch: Omit<StagedBatch, 'batchId' | 'messages' | 'bytes'>,
  messages: readonly StagedMessageInput[],
): Promise<StagedBatch> {
  const rows = new StagedMessageRows();
  for (const m of messages) rows.add(m);
  return stageRows(client, batch, rows);
}

/**
 * A batch's messages encoded as they arrive, under an id chosen before the batch row exists: a
 * history chunk of 20,000 lines then never sits in memory as 20,000 objects.
 */
export class StagedMessageRows {
  readonly batchId: string = randomUUID();
  readonly text = new CopyTextBuffer();
  bytes = 0;

  add(m: StagedMessageInput): void {
    this.text.row([this.batchId, String(m.partition), m.offset, m.value, m.brokerAt ?? null]);
    this.bytes += m.value?.length ?? 0;
  }

  get messages(): number {
    return this.text.rows;
  }
}

/** `stageMessages` for messages already encoded. */
export async function stageRows(
  client: PoolClient,
  batch: Omit<StagedBatch, 'batchId' | 'messages' | 'bytes'>,
  rows: StagedMessageRows,
): Promise<StagedBatch> {
  await discardBatches(client, 'batch_key = $1', [batch.batchKey]);
  await client.query(
    `insert into staged_batch (batch_id, batch_key, dataset, source, ranges, messages, bytes)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [rows.batchId, batch.batchKey, batch.dataset, batch.source, batch.ranges, rows.messages, rows.bytes],
  );
  await copyInto(client, 'staged_message (batch_id, partition, "offset", value, broker_at)', rows.text);
  return { ...batch, batchId: rows.batchId, messages: rows.messages, bytes: rows.bytes };
}

export type StagedState = 'extracted' | 'transformed';

/**
 * The batch's stage, or `undefined` when it is gone: a PostgreSQL crash empties unlogged tables,
 * and a sweep removes batches abandoned long ago. With `lock`, holds the row until commit.
 */
export async function stagedState(
  client: Pool | PoolClient,
  batchId: string,
  lock = false,
): Promise<{ stage: StagedState; messages: number } | undefined> {
  const { rows } = await client.query<{ stage: StagedState; messages: number }>(
    `select stage, messages from staged_batch where batch_id = $1${lock ? ' for update' : ''}`,
    [batchId],
  );
  return rows[0];
}

export async function readStagedMessages(
  client: Pool | PoolClient,
  batchId: string,
): Promise<StagedMessage[]> {
  const { rows } = await client.query<{ partition: number; offset: string; value: Buffer | null }>(
    'select partition, "offset", value from staged_message where batch_id = $1 order by partition, "offset"',
    [batchId],
  );
  return rows;
}

export async function markTransformed(client: PoolClient, batchId: string): Promise<void> {
  await client.query(
    `update staged_batch set stage = 'transformed', updated_at = now() where batch_id = $1`,
    [batchId],
  );
}

/** Frees a judged batch's raw messages early (a history chunk's lines, once its verdicts are staged). */
export async function dropStagedMessages(client: PoolClient, batchId: string): Promise<void> {
  await client.query('delete from staged_message where batch_id = $1', [batchId]);
}

/**
 * Tables that hold rows of a staged batch by `batch_id`: by convention every table named
 * `staged_*` with a `batch_id` column (the engine's messages and archive bodies, each dataset's
 * verdicts), so a dataset's migration adds one without the engine naming it. Read from the
 * catalogue each time: a fraction of a millisecond beside the deletes it serves.
 */
async function stagingTables(client: Pool | PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name
     from pg_class c
     join pg_namespace n on n.oid = c.relnamespace
     join pg_attribute a on a.attrelid = c.oid and a.attname = 'batch_id' and not a.attisdropped
     where c.relkind = 'r' and c.relname like 'staged\\_%' and c.relname <> 'staged_batch'
       and n.nspname not in ('pg_catalog', 'information_schema')
     order by 1`,
  );
  return rows.map((r) => r.name);
}

/** Deletes the named batches and everything staged for them. */
async function discardBatches(client: Pool | PoolClient, where: string, params: unknown[]): Promise<number> {
  const { rows } = await client.query<{ batch_id: string }>(
    `delete from staged_batch where ${where} returning batch_id`,
    params,
  );
  if (rows.length === 0) return 0;
  const ids = rows.map((r) => r.batch_id);
  for (const table of await stagingTables(client)) {
    await client.query(`delete from ${table} where batch_id = any($1::uuid[])`, [ids]);
  }
  return rows.length;
}

export function discardBatch(client: Pool | PoolClient, batchId: string): Promise<number> {
  return discardBatches(client, 'batch_id = $1', [batchId]);
}

/** Deletes every batch staged from `source` (the chunks of one history file). */
export function discardSourceBatches(client: Pool | PoolClient, source: string): Promise<number> {
  return discardBatches(client, 'source = $1', [source]);
}

/**
 * Removes what no stage will come back for: batches untouched for `staleAfterMs` (a superseded
 * attempt, a workflow terminated between stages), history files whose staging stopped moving, and
 * load records past their use.
 */
export async function sweepStaging(
  db: Pool,
  staleAfterMs = 60 * 60_000,
  keepLoadedMs = 7 * 24 * 60 * 60_000,
): Promise<{ batches: number; files: number; loaded: number }> {
  const stale = [staleAfterMs / 1000];
  const batches = await discardBatches(db, `updated_at < now() - make_interval(secs => $1)`, stale);
  // A file's chunks are batches (swept above); the file row alone only says how far extract got.
  const files = await db.query(
    'delete from staged_file where updated_at < now() - make_interval(secs => $1)',
    stale,
  );
  const { rowCount } = await db.query(
    `delete from loaded_batch where loaded_at < now() - make_interval(secs => $1)`,
    [keepLoadedMs / 1000],
  );
  return { batches, files: files.rowCount ?? 0, loaded: rowCount ?? 0 };
}

/** What a committed batch wrote, if it was committed: the answer to a load retried after commit. */
export async function loadedCounts(
  client: Pool | PoolClient,
  batchId: string,
): Promise<Record<string, number> | undefined> {
  const { rows } = await client.query<{ counts: Record<string, number> }>(
    'select counts from loaded_batch where batch_id = $1',
    [batchId],
  );
  return rows[0]?.counts;
}

export async function recordLoaded(
  client: PoolClient,
  batch: Pick<StagedBatch, 'batchId' | 'batchKey' | 'dataset' | 'source'>,
  counts: Record<string, number>,
): Promise<void> {
  await client.query(
    'insert into loaded_batch (batch_id, batch_key, dataset, source, counts) values ($1, $2, $3, $4, $5)',
    [batch.batchId, batch.batchKey, batch.dataset, batch.source, counts],
  );
}
