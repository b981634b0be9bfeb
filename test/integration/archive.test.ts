import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { buildActivityDeps } from '../../activities';
import { INSTALLED_DATASETS } from '../../datasets';
import { createArchiveActivities, type ArchiveBatch } from '../../activities/archive';
import { failureTypeOf } from '../../common/failures';
import { discardBatch } from '../../pipeline/staging';
import { createLiveEventGenerator, runLiveSimulator } from '../../datasets/kiosk/simulator';
import { drainSignal, liveIngestWorkflow } from '../../workflows/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAllObjects } from '../../pipeline/s3-objects';
import { migrate, readMigrations } from '../../db/migrate';
import { LocalStack } from '../../infra/local/stack';
import { sinkObjectKey } from '../../pipeline/sink-layout';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import {
  archiveStatsQuery,
  archiveStopSignal,
  archiveTopicWorkflow,
  archiveWorkflowId,
  type ArchiveInput,
} from '../../workflows/archive';
import { createBucket, deleteCreatedBuckets } from '../support/backfill';
import { seedReferenceCatalogue, waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { spawnWorkerProcess, type WorkerProcess } from '../support/processes';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * The S3 archive against the real stack: the objects under the prefix must be exactly the topic
 * (same values, same order per partition, contiguous ranges, deterministic names), across a
 * restart of the workflow and a kill -9 of the worker in the middle of the copy.
 */
const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const s3 = createS3(config);
const PARTITIONS = 4;
const stack = new LocalStack();
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];
let inProcess: TestWorker | undefined;

/** Values by partition, in offset order, as produced. */
type Produced = Map<number, (Buffer | null)[]>;

async function produce(topic: string, count: number, produced: Produced, tag: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const batch: { partition: number; value: Buffer | null }[] = [];
  for (let i = 0; i < count; i++) {
    const partition = i % PARTITIONS;
    // Every 997th message is a tombstone; one value holds an LF (written as it is, and counted).
    const value =
      i % 997 === 500
        ? null
        : i === 1234
          ? Buffer.from(`{"tag":"${tag}","i":${i},\n"lf":true}`)
          : Buffer.from(JSON.stringify({ tag, i, text: 'x'.repeat(i % 50) }));
    batch.push({ partition, value });
  }
  for (let i = 0; i < batch.length; i += 2000) {
    const part = batch.slice(i, i + 2000);
    await producer.send({
      topic,
      acks: -1,
      messages: part.map((m) => ({ partition: m.partition, value: m.value })),
    });
    for (const m of part) {
      const list = produced.get(m.partition) ?? [];
      list.push(m.value);
      produced.set(m.partition, list);
    }
  }
  await producer.disconnect();
}

/** A bucket of the test's own, deleted afterwards (the local store gives each bucket volumes of its own). */
const newBucket = () => createBucket(s3, 'archive');

async function archived(topic: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'select coalesce(sum(next_offset), 0) as n from archive_checkpoint where topic = $1',
    [topic],
  );
  return Number(rows[0]!.n);
}

interface ObjectSeen {
  key: string;
  etag: string;
  size: number;
}

/** Reads every object under the topic's prefix and checks it is exactly the topic; returns the listing. */
async function expectArchiveIsTopic(
  bucket: string,
  prefix: string,
  topic: string,
  produced: Produced,
): Promise<ObjectSeen[]> {
  const objects = await listAllObjects(s3, bucket, `${prefix}${topic}/`);
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = objects
      .filter((o) => o.key.startsWith(`${prefix}${topic}/partition=${p}/`))
      .map((o) => ({ ...o, start: Number(o.key.slice(o.key.lastIndexOf('+') + 1, -'.json'.length)) }))
      .sort((a, b) => a.start - b.start);
    const values = produced.get(p) ?? [];
    let next = 0;
    const bodies: Buffer[] = [];
    for (const o of mine) {
      // Deterministic names, contiguous ranges: each object starts where the previous one ended.
      expect(o.key).toBe(sinkObjectKey(prefix, topic, p, next));
      expect(o.start).toBe(next);
      const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }));
      const body = Buffer.from(await res.Body!.transformToByteArray());
      expect(body.length).toBe(o.size);
      bodies.push(body);
      // Lines: one per message, except the value holding an LF, which adds one.
      const expectedValues = values.slice(next);
      let lines = 0;
      for (const b of body) if (b === 0x0a) lines++;
      let messages = 0;
      let seenLines = 0;
      while (seenLines < lines) {
        const v = expectedValues[messages]!;
        seenLines += 1 + (v ? v.filter((b) => b === 0x0a).length : 0);
        messages++;
      }
      next += messages;
    }
    expect(next).toBe(values.length);
    const expected = Buffer.concat(values.flatMap((v) => [v ?? Buffer.alloc(0), Buffer.from('\n')]));
    expect(Buffer.concat(bodies).equals(expected)).toBe(true);
  }
  expect(objects.every((o) => /\/partition=\d+\//.test(o.key))).toBe(true);
  return objects.map(({ key, etag, size }) => ({ key, etag, size }));
}

beforeAll(async () => {
  await migrate(db, readMigrations(INSTALLED_DATASETS.migrationDirs));
  connection = await Connection.connect({ address: config.temporal.address });
  client = new Client({ connection, namespace: config.temporal.namespace });
});

afterAll(async () => {
  await inProcess?.close();
  for (const w of workers) await w.stop('SIGKILL');
  await connection?.close();
  await db.end();
  await deleteCreatedBuckets(s3);
  s3.destroy();
});

const input = (topic: string, bucket: string, flushMessages: number): ArchiveInput => ({
  topic,
  bucket,
  prefix: 'topics/',
  flushMessages,
  flushSeconds: 1,
  limits: { maxWaitMs: 3_000, lingerMs: 200 },
});

describe('S3 archive', () => {
  it('copies 20,000 messages over 4 partitions exactly; a restart neither duplicates nor changes objects', async () => {
    inProcess = await startTestWorker({ config, db, kafka, s3 });
    const topic = await createTestTopic(kafka, 'archive', PARTITIONS);
    const bucket = await newBucket();
    const produced: Produced = new Map();
    await produce(topic, 20_000, produced, 'first');
    const handle = await inProcess.client.workflow.start(archiveTopicWorkflow, {
      taskQueue: inProcess.taskQueue,
      workflowId: archiveWorkflowId(topic),
      args: [input(topic, bucket, 1000)],
    });
    await waitFor(
      () => archived(topic),
      (n) => n >= 20_000,
      { what: 'every offset archived', timeoutMs: 120_000 },
    );
    const first = await expectArchiveIsTopic(bucket, 'topics/', topic, produced);
    // 5,000 a partition in objects of 1,000.
    expect(first).toHaveLength(20);
    const stats = await handle.query(archiveStatsQuery);
    expect(stats).toMatchObject({ messages: 20_000, objects: 20, tombstones: 20, valuesWithLf: 1 });

    // Terminate it mid-life and start it again: it resumes from the checkpoint.
    await handle.terminate('test restart');
    await produce(topic, 2_222, produced, 'second');
    const again = await inProcess.client.workflow.start(archiveTopicWorkflow, {
      taskQueue: inProcess.taskQueue,
      workflowId: archiveWorkflowId(topic),
      args: [input(topic, bucket, 1000)],
    });
    await waitFor(
      () => archived(topic),
      (n) => n >= 22_222,
      { what: 'the rest archived', timeoutMs: 120_000 },
    );
    const second = await expectArchiveIsTopic(bucket, 'topics/', topic, produced);
    for (const o of first) expect(second).toContainEqual(o);
    expect(second.length).toBeGreaterThan(first.length);
    const { rows } = await db.query<{ n: string; stored: string }>(
      'select count(*) as n, count(stored_at) as stored from archive_object where topic = $1',
      [topic],
    );
    expect(Number(rows[0]!.n)).toBe(second.length);
    expect(Number(rows[0]!.stored)).toBe(second.length);
    // The live ingest's checkpoints are untouched.
    const live = await db.query('select 1 from ingest_checkpoint where topic = $1', [topic]);
    expect(live.rowCount).toBe(0);

    await again.signal(archiveStopSignal);
    expect((await again.result()).state).toBe('stopped');
    await inProcess.close();
    inProcess = undefined;
  }, 300_000);

  it('leaves archive == topic (1,000,000 messages) after a kill -9 of the worker and a restart of S3 during the copy', async () => {
    const total = 1_000_000;
    const topic = await createTestTopic(kafka, 'archive-crash', PARTITIONS);
    const bucket = await newBucket();
    const produced: Produced = new Map();
    await produce(topic, total, produced, 'crash');
    const taskQueue = uniqueName('archive-crash');
    const workerA = spawnWorkerProcess(taskQueue);
    workers.push(workerA);
    const handle = await client.workflow.start(archiveTopicWorkflow, {
      taskQueue,
      workflowId: archiveWorkflowId(topic),
      args: [input(topic, bucket, 10_000)],
    });
    await waitFor(
      () => archived(topic),
      (n) => n >= 150_000,
      { what: 'a first part archived', timeoutMs: 240_000, intervalMs: 50 },
    );
    await workerA.stop('SIGKILL');
    expect(await archived(topic)).toBeLessThan(total);

    const workerB = spawnWorkerProcess(taskQueue);
    workers.push(workerB);
    const beforeS3 = await waitFor(
      () => archived(topic),
      (n) => n >= 450_000,
      { what: 'more archived by the second worker', timeoutMs: 240_000, intervalMs: 50 },
    );
    // S3 goes away mid-copy: puts fail and are retried; nothing is skipped or written twice.
    await stack.down(() => undefined, ['s3']);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await archived(topic)).toBeLessThan(total);
    await stack.up(() => undefined, ['s3']);
    expect(beforeS3).toBeLessThan(total);
    await waitFor(
      () => archived(topic),
      (n) => n >= total,
      {
        what: 'every offset archived after the crash and the S3 restart',
        timeoutMs: 400_000,
        intervalMs: 500,
      },
    );
    const objects = await expectArchiveIsTopic(bucket, 'topics/', topic, produced);
    expect(objects).toHaveLength(total / 10_000);
    await handle.signal(archiveStopSignal);
    await handle.result();
    expect(await workerB.stop('SIGTERM')).toBe(0);
  }, 900_000);

  it('activities: a range is decided once; a retry finds its object, never doubles it, never overwrites another', async () => {
    const topic = await createTestTopic(kafka, 'archive-acts', 1);
    const bucket = await newBucket();
    const produced: Produced = new Map();
    const producer = kafka.producer();
    await producer.connect();
    const send = async (from: number, n: number) => {
      const values = Array.from({ length: n }, (_, i) => Buffer.from(`{"n":${from + i}}`));
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition: 0, value })) });
      produced.set(0, [...(produced.get(0) ?? []), ...values]);
    };
    await send(0, 10);
    const deps = buildActivityDeps({ config, db, kafka, s3 }, INSTALLED_DATASETS);
    const acts = createArchiveActivities(deps);
    const run = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A): Promise<R> =>
      new MockActivityEnvironment().run(fn as (...a: unknown[]) => Promise<R>, ...args);
    const destination = { bucket, prefix: 'topics/' };
    const extract = (n: number, flushMessages = 4) =>
      run(acts.extractArchiveBatch, {
        topic,
        destination,
        rule: { flushMessages, flushSeconds: 1 },
        batchKey: `acts#${n}`,
        limits: { maxWaitMs: 10_000, lingerMs: 100 },
      });
    const range = (b: ArchiveBatch) => b.objects.map((o) => `${o.start}-${o.end}`);
    try {
      // A full range, stored; the same load again (Temporal never heard back) writes nothing.
      const first = await extract(1);
      expect(range(first)).toEqual(['0-3']);
      await run(acts.transformArchiveBatch, { batch: first });
      expect(await run(acts.loadArchiveBatch, { batch: first })).toMatchObject({ put: 1, messages: 4 });
      expect(await run(acts.loadArchiveBatch, { batch: first })).toMatchObject({ put: 0, already: 1 });

      // The worker died after its put, before the checkpoint: the retry finds the object.
      const second = await extract(2);
      expect(range(second)).toEqual(['4-7']);
      await run(acts.transformArchiveBatch, { batch: second });
      const { rows } = await db.query<{ body: Buffer }>(
        'select body from staged_archive_object where batch_id = $1',
        [second.batchId],
      );
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: second.objects[0]!.key, Body: rows[0]!.body }),
      );
      expect(await run(acts.loadArchiveBatch, { batch: second })).toMatchObject({ put: 0, found: 1 });

      // A partial range (aged, caught up) is planned; PostgreSQL loses the staging; more messages
      // arrive and the flush size changes: the next extract still reads exactly the planned range.
      await new Promise((r) => setTimeout(r, 1100));
      const third = await extract(3);
      expect(range(third)).toEqual(['8-9']);
      await discardBatch(db, third.batchId);
      await send(10, 5);
      const again = await extract(4, 100);
      expect(range(again)).toEqual(['8-9']);
      await run(acts.transformArchiveBatch, { batch: again });
      // Something else wrote another object under the planned name: never overwritten.
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: again.objects[0]!.key, Body: 'not ours\n' }));
      const conflict = await run(acts.loadArchiveBatch, { batch: again }).catch((e: unknown) => e);
      expect(failureTypeOf(conflict)).toBe('ArchiveObjectConflict');
      expect(await archived(topic)).toBe(8);
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: again.objects[0]!.key, Body: '{"n":8}\n{"n":9}\n' }),
      );
      expect(await run(acts.loadArchiveBatch, { batch: again })).toMatchObject({ found: 1 });

      // The rest, now by the new flush size's rule.
      await new Promise((r) => setTimeout(r, 1100));
      const last = await extract(5, 100);
      expect(range(last)).toEqual(['10-14']);
      await run(acts.transformArchiveBatch, { batch: last });
      expect(await run(acts.loadArchiveBatch, { batch: last })).toMatchObject({ put: 1, messages: 5 });
      await expectArchiveIsTopic(bucket, 'topics/', topic, new Map([...produced, [1, []], [2, []], [3, []]]));
    } finally {
      await producer.disconnect();
      await deps.close();
    }
  }, 120_000);

  it('runs beside the live ingest of the same topic without moving its checkpoints (nor they its)', async () => {
    const tw = await startTestWorker({ config, db, kafka, s3 });
    try {
      await seedReferenceCatalogue(tw, s3);
      const topic = await createTestTopic(kafka, 'archive-live', PARTITIONS);
      const bucket = await newBucket();
      const producer = kafka.producer();
      await producer.connect();
      const generator = createLiveEventGenerator({ seed: 'archive-live', faultFraction: 0.15 });
      const sent = await runLiveSimulator({
        producer,
        topic,
        generator,
        maxRate: true,
        count: 6_000,
        partitions: PARTITIONS,
      });
      await producer.disconnect();
      const live = await tw.client.workflow.start(liveIngestWorkflow, {
        taskQueue: tw.taskQueue,
        workflowId: `ingest-${topic}`,
        args: [{ topic, limits: { maxMessages: 500, maxWaitMs: 1000 } }],
      });
      const archive = await tw.client.workflow.start(archiveTopicWorkflow, {
        taskQueue: tw.taskQueue,
        workflowId: archiveWorkflowId(topic),
        args: [input(topic, bucket, 700)],
      });
      const ingested = async () => {
        const { rows } = await db.query<{ n: string }>(
          'select coalesce(sum(next_offset), 0) as n from ingest_checkpoint where topic = $1',
          [topic],
        );
        return Number(rows[0]!.n);
      };
      await waitFor(ingested, (n) => n >= sent.sent, { what: 'live ingest caught up', timeoutMs: 120_000 });
      await waitFor(
        () => archived(topic),
        (n) => n >= sent.sent,
        { what: 'archive caught up', timeoutMs: 120_000 },
      );
      const { rows } = await db.query<{ n: string }>(
        `select (select count(*) from rating_interaction where source_id in (select source_id from position_source where prefix like $1))
              + (select count(*) from request_interaction where source_id in (select source_id from position_source where prefix like $1))
              + (select count(*) from rejected_event where source_id in (select source_id from position_source where prefix like $1)) as n`,
        [`kafka:${topic}:%`],
      );
      expect(Number(rows[0]!.n)).toBe(sent.sent);
      // Both read every partition from their own checkpoint: neither skipped nor repeated anything.
      expect(await ingested()).toBe(sent.sent);
      expect(await archived(topic)).toBe(sent.sent);
      const produced: Produced = new Map();
      const consumer = kafka.consumer({ groupId: uniqueName('archive-check') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let seen = 0;
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          produced.set(partition, [...(produced.get(partition) ?? []), message.value]);
          seen++;
        },
      });
      await waitFor(
        async () => seen,
        (n) => n >= sent.sent,
        { what: 'the topic read back' },
      );
      await consumer.disconnect();
      await expectArchiveIsTopic(bucket, 'topics/', topic, produced);
      await live.signal(drainSignal);
      await archive.signal(archiveStopSignal);
      await Promise.all([live.result(), archive.result()]);
    } finally {
      await tw.close();
    }
  }, 300_000);
});
