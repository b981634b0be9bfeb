import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Pool, PoolClient } from 'pg';
import { FailureType, permanentFailure, retryableFailure } from '../common/failures';
import { inTransaction } from '../db/transaction';
import type { ArchiveReadLimits, RangeStart, TopicOffsets } from './archive-extract';
import { sinkObjectBody, type FlushRule } from './sink-layout';
import {
  discardBatch,
  markTransformed,
  readStagedMessages,
  stagedState,
  stageMessages,
  type StagedBatch,
  type StagedMessageInput,
} from './staging';

/*
 * The archive's stages over the claim check: each range of a topic is planned once
 * (archive_object) before anything is written, its messages staged, its object built, then put
 * under a deterministic name and only then the archive checkpoint moved past it. The activities
 * around these add heartbeats, metrics and timings.
 */

/** Where a topic is archived: `s3://<bucket>/<prefix><topic>/partition=<p>/…`. */
export interface ArchiveDestination {
  bucket: string;
  prefix: string;
}

export interface ExtractArchiveInput {
  topic: string;
  destination: ArchiveDestination;
  rule: FlushRule;
  /** The logical batch (`<workflow id>#<n>`): a retry of the same extract replaces its staged rows. */
  batchKey: string;
  /** Partition → offset to read from, where the workflow knows better than the checkpoint (prefetch). */
  after?: Record<string, string>;
  limits?: Partial<ArchiveReadLimits>;
}

/** One planned object: the partition's range [start, end] (inclusive) and its deterministic name. */
export interface PlannedObject {
  partition: number;
  start: string;
  end: string;
  key: string;
}

/** The claim check of the archive: no message passes through Temporal, only where the batch is staged. */
export interface ArchiveBatch extends StagedBatch {
  destination: ArchiveDestination;
  objects: PlannedObject[];
  highWatermarks: Record<string, string>;
  /** Partition → messages after this batch's range (or after the checkpoint, for partitions not in it). */
  lag: Record<string, number>;
  durationMs: number;
  attempt: number;
}

export interface ArchiveTransformResult {
  objects: number;
  bytes: number;
  tombstones: number;
  valuesWithLf: number;
  durationMs: number;
  attempt: number;
}

export interface ArchiveLoadResult {
  /** Objects written by this attempt. */
  put: number;
  /** Objects already in S3 with the same size and checksum (an attempt died after its put): not written again. */
  found: number;
  /** Objects whose checkpoint had moved past them already (committed by an earlier attempt; their messages and bytes are counted). */
  already: number;
  /** Objects whose checkpoint stood elsewhere (a stale prefetch): nothing written. */
  superseded: number;
  messages: number;
  bytes: number;
  /** The last object stored, for status. */
  lastKey: string | null;
  durationMs: number;
  attempt: number;
}

export const archiveDestinationId = (d: ArchiveDestination) => `s3://${d.bucket}/${d.prefix}`;

/** Where each partition's next range starts (and, when an attempt planned it already, ends). */
export async function archiveStarts(
  db: Pool,
  destination: string,
  topic: string,
  offsets: readonly TopicOffsets[],
  after: Record<string, string> | undefined,
): Promise<Map<number, RangeStart>> {
  // A partition's archive starts at its low watermark (what retention has kept).
  await db.query(
    `insert into archive_checkpoint (destination, topic, partition, next_offset)
     select $1, $2, p, low from unnest($3::int[], $4::bigint[]) as v(p, low) on conflict do nothing`,
    [destination, topic, offsets.map((o) => o.partition), offsets.map((o) => o.low)],
  );
  const { rows: checkpoints } = await db.query<{ partition: number; next_offset: string }>(
    'select partition, next_offset from archive_checkpoint where destination = $1 and topic = $2',
    [destination, topic],
  );
  const at = new Map(checkpoints.map((r) => [r.partition, r.next_offset]));
  const from = new Map<number, RangeStart>();
  for (const o of offsets)
    from.set(o.partition, { start: after?.[String(o.partition)] ?? at.get(o.partition) ?? o.low });
  // Ranges planned already: read exactly them again.
  const { rows: plans } = await db.query<{ partition: number; start_offset: string; end_offset: string }>(
    `select partition, start_offset, end_offset from archive_object
     where destination = $1 and topic = $2 and (partition, start_offset) in
       (select * from unnest($3::int[], $4::bigint[]))`,
    [destination, topic, [...from.keys()], [...from.values()].map((f) => f.start)],
  );
  for (const p of plans) from.get(p.partition)!.end = p.end_offset;
  return from;
}

/** Plans the ranges read and stages their messages, in one transaction. */
export function stagePlanned(
  db: Pool,
  destination: string,
  batch: Omit<StagedBatch, 'batchId' | 'messages' | 'bytes'>,
  objects: readonly PlannedObject[],
  ranges: ReadonlyArray<{
    partition: number;
    messages: ReadonlyArray<{ offset: string; value: Buffer | null }>;
  }>,
): Promise<StagedBatch> {
  return inTransaction(db, async (client) => {
    await planRanges(client, destination, batch.source, objects);
    const messages: StagedMessageInput[] = [];
    for (const r of ranges) {
      for (const m of r.messages) messages.push({ partition: r.partition, offset: m.offset, value: m.value });
    }
    return stageMessages(client, batch, messages);
  });
}

/** Builds each planned object's bytes (one value a line, LF-ended) and stages them. Rerunnable. */
export function transformArchiveStaged(
  db: Pool,
  batch: ArchiveBatch,
): Promise<{ objects: number; bytes: number; tombstones: number; valuesWithLf: number }> {
  return inTransaction(db, async (client) => {
    const state = await stagedState(client, batch.batchId, true);
    if (!state) throw missing(batch);
    const messages = await readStagedMessages(client, batch.batchId);
    if (messages.length !== state.messages) throw missing(batch);
    await client.query('delete from staged_archive_object where batch_id = $1', [batch.batchId]);
    let bytes = 0;
    let tombstones = 0;
    let valuesWithLf = 0;
    for (const o of batch.objects) {
      const start = BigInt(o.start);
      const end = BigInt(o.end);
      const values = messages
        .filter((m) => m.partition === o.partition && BigInt(m.offset) >= start && BigInt(m.offset) <= end)
        .map((m) => m.value);
      if (values.length === 0) throw missing(batch);
      const body = sinkObjectBody(values);
      bytes += body.body.length;
      tombstones += body.tombstones;
      valuesWithLf += body.valuesWithLf;
      await client.query(
        `insert into staged_archive_object
           (batch_id, partition, start_offset, end_offset, key, body, messages, tombstones, values_with_lf, md5)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          batch.batchId,
          o.partition,
          o.start,
          o.end,
          o.key,
          body.body,
          body.messages,
          body.tombstones,
          body.valuesWithLf,
          createHash('md5').update(body.body).digest('hex'),
        ],
      );
    }
    await markTransformed(client, batch.batchId);
    return { objects: batch.objects.length, bytes, tombstones, valuesWithLf };
  });
}

/**
 * Per object: put it under its deterministic name (unless the same bytes are there already),
 * then, only then, move the archive checkpoint past its range. A retry rewrites nothing that is
 * stored and never moves a checkpoint that another attempt moved. Counts into `result`.
 */
export async function loadArchiveStaged(
  db: Pool,
  s3: S3Client,
  batch: ArchiveBatch,
  result: ArchiveLoadResult,
): Promise<void> {
  const destination = archiveDestinationId(batch.destination);
  for (const o of batch.objects) {
    const { rows } = await db.query<{ next_offset: string }>(
      'select next_offset from archive_checkpoint where destination = $1 and topic = $2 and partition = $3',
      [destination, batch.source, o.partition],
    );
    const next = BigInt(rows[0]?.next_offset ?? '-1');
    if (next > BigInt(o.end)) {
      // Committed by an earlier attempt of this load (Temporal did not hear back): report it.
      const done = await db.query<{ messages: number | null; bytes: string | null }>(
        `select messages, bytes from archive_object
         where destination = $1 and topic = $2 and partition = $3 and start_offset = $4`,
        [destination, batch.source, o.partition, o.start],
      );
      result.already++;
      result.messages += done.rows[0]?.messages ?? 0;
      result.bytes += Number(done.rows[0]?.bytes ?? 0);
      result.lastKey = o.key;
      continue;
    }
    if (next !== BigInt(o.start)) {
      result.superseded++;
      continue;
    }
    const staged = await db.query<{
      body: Buffer;
      messages: number;
      tombstones: number;
      values_with_lf: number;
      md5: string;
    }>(
      `select body, messages, tombstones, values_with_lf, md5 from staged_archive_object
       where batch_id = $1 and partition = $2 and start_offset = $3`,
      [batch.batchId, o.partition, o.start],
    );
    const object = staged.rows[0];
    if (!object) throw missing(batch);
    const stored = await putOnce(s3, batch.destination.bucket, o.key, object.body, object.md5);
    await inTransaction(db, async (client) => {
      const moved = await client.query(
        `update archive_checkpoint set next_offset = $5, updated_at = now()
         where destination = $1 and topic = $2 and partition = $3 and next_offset = $4`,
        [destination, batch.source, o.partition, o.start, (BigInt(o.end) + 1n).toString()],
      );
      await client.query(
        `update archive_object set messages = $5, bytes = $6, tombstones = $7, values_with_lf = $8,
           etag = $9, stored_by = $10, stored_at = now()
         where destination = $1 and topic = $2 and partition = $3 and start_offset = $4 and stored_at is null`,
        [
          destination,
          batch.source,
          o.partition,
          o.start,
          object.messages,
          object.body.length,
          object.tombstones,
          object.values_with_lf,
          stored.etag,
          stored.how,
        ],
      );
      if (moved.rowCount === 0) result.already++;
      else if (stored.how === 'put') result.put++;
      else result.found++;
    });
    result.messages += object.messages;
    result.bytes += object.body.length;
    result.lastKey = o.key;
  }
  if (batch.batchId) await discardBatch(db, batch.batchId);
}

/** Records each range before anything is written; a range someone planned first with another end fails (retried). */
async function planRanges(
  client: PoolClient,
  destination: string,
  topic: string,
  objects: readonly PlannedObject[],
): Promise<void> {
  await client.query(
    `insert into archive_object (destination, topic, partition, start_offset, end_offset, key)
     select $1, $2, p, s, e, k from unnest($3::int[], $4::bigint[], $5::bigint[], $6::text[]) as v(p, s, e, k)
     on conflict do nothing`,
    [
      destination,
      topic,
      objects.map((o) => o.partition),
      objects.map((o) => o.start),
      objects.map((o) => o.end),
      objects.map((o) => o.key),
    ],
  );
  const { rows } = await client.query<{ partition: number; start_offset: string; end_offset: string }>(
    `select partition, start_offset, end_offset from archive_object
     where destination = $1 and topic = $2 and (partition, start_offset) in (select * from unnest($3::int[], $4::bigint[]))`,
    [destination, topic, objects.map((o) => o.partition), objects.map((o) => o.start)],
  );
  for (const o of objects) {
    const plan = rows.find((r) => r.partition === o.partition && r.start_offset === o.start);
    if (plan && plan.end_offset !== o.end) {
      throw retryableFailure(
        FailureType.ArchivePlanChanged,
        `range ${topic}/${o.partition} from ${o.start} was planned to end at ${plan.end_offset}, this attempt read to ${o.end}; retrying reads the planned range`,
      );
    }
  }
}

/**
 * PutObject unless the name already holds this object: same size (and, where the ETag is a plain
 * MD5, the same checksum). Another object under the name is never overwritten.
 */
async function putOnce(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  md5: string,
): Promise<{ etag: string; how: 'put' | 'found' }> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const etag = (head.ETag ?? '').replace(/^"|"$/g, '');
    const sameChecksum = !/^[0-9a-f]{32}$/.test(etag) || etag === md5;
    if (head.ContentLength === body.length && sameChecksum) return { etag, how: 'found' };
    throw permanentFailure(
      FailureType.ArchiveObjectConflict,
      `s3://${bucket}/${key} holds another object (${head.ContentLength} bytes, ETag ${etag}) than the planned range (${body.length} bytes, MD5 ${md5}); not overwritten`,
    );
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name !== 'NotFound' && e.$metadata?.httpStatusCode !== 404) {
      if (e.name === 'NoSuchBucket' || e.$metadata?.httpStatusCode === 403) {
        throw permanentFailure(
          FailureType.ArchiveBucketUnavailable,
          `archive bucket ${bucket} cannot be written (${e.name}); check ARCHIVE_BUCKET and the credentials`,
        );
      }
      throw err;
    }
  }
  try {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
    return { etag: (put.ETag ?? '').replace(/^"|"$/g, ''), how: 'put' };
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchBucket' || e.$metadata?.httpStatusCode === 403) {
      throw permanentFailure(
        FailureType.ArchiveBucketUnavailable,
        `archive bucket ${bucket} cannot be written (${e.name}); check ARCHIVE_BUCKET and the credentials`,
      );
    }
    throw err;
  }
}

function missing(batch: ArchiveBatch) {
  return permanentFailure(
    FailureType.StagedBatchMissing,
    `staged archive batch ${batch.batchKey} (${batch.batchId}) is gone (PostgreSQL restarted, or swept); extract it again`,
  );
}
