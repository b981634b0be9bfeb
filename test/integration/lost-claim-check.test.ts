import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveEventGenerator, runLiveSimulator } from '../../datasets/kiosk/simulator';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { drainSignal, liveIngestStatsQuery, liveIngestWorkflow } from '../../workflows/ingest';
import { seedReferenceCatalogue, waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { storedFromTopic } from '../support/kiosk-outcomes';
import { spawnWorkerProcess, type WorkerProcess } from '../support/processes';

/*
 * The live path's claim check is a batch held in the memory of the worker that extracted it, with
 * its transform and load on that worker's own task queue. Here that worker is killed -9 while it
 * holds a batch whose load is under way, and never comes back: the batch must be extracted again
 * by the other worker and stored exactly once, while partitions are added to the topic and the
 * workflow continues as new.
 */
const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const FIRST = 6_000;
const LATER = 6_000;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

const stored = (topic: string) => storedFromTopic(db, topic);

/** The task queues the current run has scheduled `activity` on. */
async function queuesOf(handle: WorkflowHandle, activity: string): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === activity)
    .map((a) => a?.taskQueue?.name ?? '');
}

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  client = new Client({ connection, namespace: config.temporal.namespace });
});

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await connection?.close();
  await db.end();
});

describe('a lost claim check', () => {
  it('is extracted again by the other worker when the one holding it is killed -9, and stored once', async () => {
    const topic = await createTestTopic(kafka, 'lost-claim', 2);
    const producer = kafka.producer();
    await producer.connect();
    const generator = createLiveEventGenerator({ seed: 'lost-claim', faultFraction: 0.1 });
    await runLiveSimulator({ producer, topic, generator, maxRate: true, count: FIRST, partitions: 2 });
    await producer.disconnect();

    const taskQueue = uniqueName('lost-claim');
    const holder = spawnWorkerProcess(taskQueue);
    workers.push(holder);
    const s3 = createS3(config);
    await seedReferenceCatalogue({ client, taskQueue }, s3);
    s3.destroy();
    const handle = await client.workflow.start(liveIngestWorkflow, {
      taskQueue,
      workflowId: `ingest-${topic}`,
      // Small batches and a short history: several runs, each continued as new.
      args: [
        { topic, historyLimit: 120, limits: { maxMessages: 300, targetMessages: 300, maxWaitMs: 1000 } },
      ],
    });
    await waitFor(
      () => stored(topic),
      (s) => s.offsets >= 1_000,
      { what: 'a first part loaded', timeoutMs: 120_000, intervalMs: 100 },
    );

    // Hold the checkpoints, so the next load waits inside the holder with its batch in memory.
    const lock = await db.connect();
    let holderQueue: string;
    let atKill: Awaited<ReturnType<typeof stored>>;
    try {
      await lock.query('begin');
      await lock.query('select * from ingest_checkpoint where topic = $1 for update', [topic]);
      // The only worker running: the host queue of the latest load is the holder's own.
      holderQueue = await waitFor(
        async () =>
          (await queuesOf(client.workflow.getHandle(`ingest-${topic}`), 'loadTopicBatch')).at(-1) ?? '',
        (queue) => queue.startsWith(`${taskQueue}@`),
        { what: "a load scheduled on the holder's own queue", timeoutMs: 60_000, intervalMs: 100 },
      );
      atKill = await stored(topic);
      await holder.stop('SIGKILL');
    } finally {
      await lock.query('rollback');
      lock.release();
    }

    const other = spawnWorkerProcess(taskQueue);
    workers.push(other);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    await admin.disconnect();
    // A new producer, whose metadata knows the new partitions.
    const later = kafka.producer();
    await later.connect();
    await runLiveSimulator({ producer: later, topic, generator, maxRate: true, count: LATER, partitions: 4 });
    await later.disconnect();

    const final = await waitFor(
      () => stored(topic),
      (s) => s.offsets >= FIRST + LATER,
      { what: 'every offset committed by the other worker', timeoutMs: 300_000, intervalMs: 500 },
    );
    expect(atKill.offsets).toBeLessThan(FIRST);
    expect(final).toEqual({ positions: FIRST + LATER, stored: FIRST + LATER, offsets: FIRST + LATER });

    const latest = client.workflow.getHandle(`ingest-${topic}`);
    const stats = await latest.query(liveIngestStatsQuery);
    expect(stats.restaged).toBeGreaterThanOrEqual(1);
    expect(stats.consumed).toBe(FIRST + LATER);
    expect((await latest.describe()).runId).not.toBe(handle.firstExecutionRunId);
    // Every run's loads went to one of the two workers' own queues, both of them in the end.
    const loads = new Set<string>();
    for await (const run of client.workflow.list({ query: `WorkflowId = 'ingest-${topic}'` })) {
      const runHandle = client.workflow.getHandle(run.workflowId, run.runId);
      for (const q of await queuesOf(runHandle, 'loadTopicBatch')) loads.add(q);
    }
    expect(loads.has(holderQueue)).toBe(true);
    expect(loads.size).toBe(2);
    expect([...loads].every((q) => q.startsWith(`${taskQueue}@`))).toBe(true);

    await latest.signal(drainSignal);
    await latest.result();
    expect(await other.stop('SIGTERM')).toBe(0);
  }, 420_000);
});
