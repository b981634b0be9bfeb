import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { liveIngestStatsQuery, liveIngestWorkflow } from '../../workflows/ingest';
import { seedReferenceCatalogue } from '../support/catalogue';
import { stackConfig } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { startTestWorker, type TestWorker } from '../support/worker';

/*
 * `ingest start --limit N`: the next N messages of the topic from its checkpoints, then the run
 * completes. Small batches and several partitions, so the limit falls inside a batch's reach.
 */
const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const s3 = createS3(config);
let tw: TestWorker;

const PARTITIONS = 3;
const SENT = 250;

async function produceEvents(topic: string, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const at = new Date(Date.UTC(2026, 1, 24, 12)).toISOString();
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: count }, (_, i) => ({
      partition: i % PARTITIONS,
      // Every fifth one a reject: it counts towards the limit like any message.
      value: i % 5 === 4 ? 'not json' : JSON.stringify({ at, site: '1', val: i % 5 }),
    })),
  });
  await producer.disconnect();
}

/** Events stored for the topic (rows and rejects), and the checkpoints' sum. */
async function storedAndCheckpointed(topic: string): Promise<{ stored: number; checkpointed: number }> {
  const like = `kafka:${topic}:%`;
  const { rows } = await db.query<{ stored: string; checkpointed: string }>(
    `select (select count(*) from rating_interaction where source_id in (select source_id from position_source where prefix like $1))
          + (select count(*) from request_interaction where source_id in (select source_id from position_source where prefix like $1))
          + (select count(*) from rejected_event where source_id in (select source_id from position_source where prefix like $1)) as stored,
            (select coalesce(sum(next_offset), 0) from ingest_checkpoint where topic = $2) as checkpointed`,
    [like, topic],
  );
  return { stored: Number(rows[0]!.stored), checkpointed: Number(rows[0]!.checkpointed) };
}

function runWithLimit(topic: string, limit: number) {
  return tw.client.workflow.start(liveIngestWorkflow, {
    taskQueue: tw.taskQueue,
    workflowId: `ingest-${topic}`,
    args: [{ topic, limit, limits: { maxMessages: 40, maxWaitMs: 1_000, lingerMs: 50 } }],
  });
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

describe('ingest with a limit', () => {
  it('loads exactly the limit from the checkpoints, completes, and the next run takes the rest', async () => {
    const topic = await createTestTopic(kafka, 'limit', PARTITIONS);
    await produceEvents(topic, SENT);

    const first = await runWithLimit(topic, 101);
    const done = await first.result();
    expect(done.state).toBe('completed');
    expect(done.consumed).toBe(101);
    expect(done.limit).toBe(101);
    expect(await storedAndCheckpointed(topic)).toEqual({ stored: 101, checkpointed: 101 });
    // `ingest status` reads the query, which still answers once the run has completed.
    const queried = await first.query(liveIngestStatsQuery);
    expect({ state: queried.state, consumed: queried.consumed }).toEqual({
      state: 'completed',
      consumed: 101,
    });

    const rest = await (await runWithLimit(topic, SENT - 101)).result();
    expect(rest.consumed).toBe(SENT - 101);
    expect(await storedAndCheckpointed(topic)).toEqual({ stored: SENT, checkpointed: SENT });
  });

  it('waits for messages until the limit is reached, then completes', async () => {
    const topic = await createTestTopic(kafka, 'limit', PARTITIONS);
    await produceEvents(topic, 7);
    const handle = await runWithLimit(topic, 10);
    // The positive signal first: the 7 waiting messages have committed; the run must still be open.
    await expect
      .poll(async () => (await storedAndCheckpointed(topic)).checkpointed, { timeout: 60_000, interval: 250 })
      .toBe(7);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await produceEvents(topic, 5);
    const done = await handle.result();
    expect(done.consumed).toBe(10);
    expect(await storedAndCheckpointed(topic)).toEqual({ stored: 10, checkpointed: 10 });
  });
});
