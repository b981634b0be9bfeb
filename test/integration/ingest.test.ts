import fs from 'node:fs';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../datasets/kiosk/rules';
import { kafkaPosition } from '../../pipeline/position';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import {
  drainSignal,
  liveIngestStatsQuery,
  liveIngestWorkflow,
  pauseSignal,
  resumeSignal,
} from '../../workflows/ingest';
import { seedReferenceCatalogue, waitFor } from '../support/catalogue';
import { stackConfig } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { KIOSK_VECTORS_FILE as VECTORS_FILE } from '../support/spec-files';
import { startTestWorker, type TestWorker } from '../support/worker';

const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const s3 = createS3(config);
let tw: TestWorker;

const vectors = fs
  .readFileSync(VECTORS_FILE, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map(
    (l) => JSON.parse(l) as { raw: string; expect: 'rating' | 'request' | 'rejected'; reason: string | null },
  );

const newTopic = (partitions = 1) => createTestTopic(kafka, 'ingest', partitions);

async function produce(topic: string, values: Array<Buffer | string | null>, partition = 0): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition })) });
  await producer.disconnect();
}

async function outcomeOf(pool: Pool, position: string): Promise<{ kind: string; reason: string | null }> {
  const { rows } = await pool.query<{ kind: string; reason: string | null }>(
    `select 'rating' as kind, null as reason from rating_interaction where (source_id, source_seq) = (select * from position_key($1))
     union all select 'request', null from request_interaction where (source_id, source_seq) = (select * from position_key($1))
     union all select 'rejected', reason from rejected_event where (source_id, source_seq) = (select * from position_key($1))`,
    [position],
  );
  if (rows.length !== 1) throw new Error(`${position} stored ${rows.length} times`);
  return rows[0]!;
}

async function checkpoint(topic: string, partition = 0): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'select next_offset as n from ingest_checkpoint where topic = $1 and partition = $2',
    [topic, partition],
  );
  return Number(rows[0]?.n ?? 0);
}

async function startIngest(topic: string) {
  return tw.client.workflow.start(liveIngestWorkflow, {
    taskQueue: tw.taskQueue,
    workflowId: `ingest-${topic}`,
    args: [{ topic, limits: { maxWaitMs: 300 } }],
  });
}

async function drain(topic: string): Promise<void> {
  const handle = tw.client.workflow.getHandle(`ingest-${topic}`);
  await handle.signal(drainSignal);
  await handle.result();
}

/** Sends every test vector to a new topic and waits until the live ingest has checkpointed them all. */
async function ingestAllVectors(): Promise<string> {
  const topic = await newTopic();
  await produce(
    topic,
    vectors.map((v) => v.raw),
  );
  await startIngest(topic);
  await waitFor(
    () => checkpoint(topic),
    (n) => n === vectors.length,
    { what: 'the checkpoint to pass all vectors' },
  );
  return topic;
}

/**
 * A live ingest of a topic of its own on the same worker: what it has loaded says how far the
 * worker has got, so a test can check an absence after a positive signal rather than a sleep.
 */
async function runningControl(): Promise<{ loadsOneMore(): Promise<void>; stop(): Promise<void> }> {
  const topic = await newTopic();
  await startIngest(topic);
  let sent = 0;
  return {
    async loadsOneMore() {
      await produce(topic, [vectors[0]!.raw]);
      sent += 1;
      await waitFor(
        () => checkpoint(topic),
        (n) => n === sent,
        { what: `the control ingest to load event ${sent}` },
      );
    },
    stop: () => drain(topic),
  };
}

beforeAll(async () => {
  tw = await startTestWorker({ config, db, kafka, s3 });
  await seedReferenceCatalogue(tw, s3);
});

afterAll(async () => {
  await tw?.close();
  await db.end();
  s3.destroy();
});

describe('live ingest', () => {
  it('lands every test vector sent through Kafka as the spec says', async () => {
    const topic = await ingestAllVectors();
    for (const [i, v] of vectors.entries()) {
      const got = await outcomeOf(db, kafkaPosition(topic, 0, i));
      expect({ raw: v.raw, ...got }).toEqual({ raw: v.raw, kind: v.expect, reason: v.reason });
    }
    const stats = await tw.client.workflow.getHandle(`ingest-${topic}`).query(liveIngestStatsQuery);
    expect(stats.consumed).toBe(vectors.length);
    const { rating = 0, request = 0, reject = 0 } = stats.inserted;
    expect(rating + request + reject).toBe(vectors.length);
    expect(stats.stages.load.runs).toBe(stats.batches);
    expect(stats.stages.transform.runs).toBeGreaterThanOrEqual(stats.batches);
    await drain(topic);
  });

  it('keeps invalid JSON, binary, empty and oversized messages as rejects and keeps flowing', async () => {
    const topic = await newTopic();
    const good = JSON.stringify({ at: new Date(Date.UTC(2026, 1, 24, 12)).toISOString(), site: '1', val: 3 });
    const big = JSON.stringify({
      at: '2026-02-24T12:00:00Z',
      site: '1',
      val: 3,
      pad: 'x'.repeat(MAX_PAYLOAD_BYTES),
    });
    await produce(topic, ['{"at": ', Buffer.from([0xff, 0x00, 0xfe, 0x80]), '', null, big, good]);
    await startIngest(topic);
    await waitFor(
      () => checkpoint(topic),
      (n) => n === 6,
      { what: 'six offsets' },
    );
    const reasons = [];
    for (let i = 0; i < 5; i++) reasons.push((await outcomeOf(db, kafkaPosition(topic, 0, i))).reason);
    expect(reasons).toEqual(['malformed', 'malformed', 'malformed', 'malformed', 'too_large']);
    expect(await outcomeOf(db, kafkaPosition(topic, 0, 5))).toEqual({ kind: 'rating', reason: null });
    const { rows } = await db.query(
      'select raw from rejected_event where (source_id, source_seq) = (select * from position_key($1))',
      [kafkaPosition(topic, 0, 1)],
    );
    expect(Buffer.from(rows[0].raw)).toEqual(Buffer.from([0xff, 0x00, 0xfe, 0x80]));
    await drain(topic);
  });

  it('inserts nothing new when restarted from scratch over offsets already loaded', async () => {
    const topic = await ingestAllVectors();
    await drain(topic);
    const count = async () =>
      (
        await db.query<{ n: number }>(
          `select (select count(*) from rating_interaction where source_id in (select source_id from position_source where prefix like $1))
                + (select count(*) from request_interaction where source_id in (select source_id from position_source where prefix like $1))
                + (select count(*) from rejected_event where source_id in (select source_id from position_source where prefix like $1)) as n`,
          [`kafka:${topic}:%`],
        )
      ).rows[0]!.n;
    expect(Number(await count())).toBe(vectors.length);

    // Rewind the checkpoint as an operator might, and run the whole workflow again.
    await db.query('update ingest_checkpoint set next_offset = 0 where topic = $1', [topic]);
    await tw.client.workflow.start(liveIngestWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: `ingest-${topic}`,
      args: [{ topic, limits: { maxWaitMs: 300 } }],
    });
    await waitFor(
      () => checkpoint(topic),
      (n) => n === vectors.length,
      { what: 'second pass' },
    );
    const stats = await tw.client.workflow.getHandle(`ingest-${topic}`).query(liveIngestStatsQuery);
    expect(stats.alreadyLoaded).toBe(vectors.length);
    expect(Object.values(stats.inserted).reduce((a, b) => a + b, 0)).toBe(0);
    expect(Number(await count())).toBe(vectors.length);
    await drain(topic);
  });

  it('pauses and resumes on signal', async () => {
    const topic = await newTopic();
    const handle = await startIngest(topic);
    const control = await runningControl();
    await handle.signal(pauseSignal);
    await waitFor(
      () => handle.query(liveIngestStatsQuery),
      (s) => s.state === 'paused',
      { what: 'paused' },
    );
    await produce(topic, [vectors[0]!.raw]);
    // The positive signal first: a running ingest on the same worker loaded an event sent after this one.
    await control.loadsOneMore();
    await control.stop();
    expect(await checkpoint(topic)).toBe(0);
    await handle.signal(resumeSignal);
    await waitFor(
      () => checkpoint(topic),
      (n) => n === 1,
      { what: 'resumed load' },
    );
    await drain(topic);
  });

  it('stops consuming when the workflow is terminated or cancelled, as from the Temporal UI', async () => {
    for (const stop of ['terminate', 'cancel'] as const) {
      const topic = await newTopic(2);
      const handle = await startIngest(topic);
      await produce(topic, [vectors[0]!.raw]);
      await waitFor(
        () => checkpoint(topic),
        (n) => n === 1,
        { what: 'first event' },
      );
      if (stop === 'terminate') await handle.terminate('operator pressed Terminate');
      else await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      await produce(topic, [vectors[0]!.raw, vectors[1]!.raw], 0);
      await produce(topic, [vectors[0]!.raw], 1);
      // The positive signal: a running ingest on the same worker loaded two batches sent after these.
      const control = await runningControl();
      await control.loadsOneMore();
      await control.loadsOneMore();
      await control.stop();
      // Nothing is left running that could still commit: no child workflows, no orphaned loop.
      expect(await checkpoint(topic, 0)).toBe(1);
      expect(await checkpoint(topic, 1)).toBe(0);
    }
  });
});
