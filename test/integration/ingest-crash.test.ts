import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveEventGenerator, runLiveSimulator } from '../../datasets/kiosk/simulator';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { drainSignal, liveIngestWorkflow } from '../../workflows/ingest';
import { seedReferenceCatalogue, waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { spawnWorkerProcess, type WorkerProcess } from '../support/processes';

const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const TOTAL = 100_000;
const PARTITIONS = 4;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

async function loadedCounts(topic: string) {
  const { rows } = await db.query<{ ratings: string; requests: string; rejects: string; offsets: string }>(
    `select (select count(*) from rating_interaction where source_id in (select source_id from position_source where prefix like $1)) as ratings,
            (select count(*) from request_interaction where source_id in (select source_id from position_source where prefix like $1)) as requests,
            (select count(*) from rejected_event where source_id in (select source_id from position_source where prefix like $1)) as rejects,
            (select coalesce(sum(next_offset), 0) from ingest_checkpoint where topic = $2) as offsets`,
    [`kafka:${topic}:%`, topic],
  );
  const r = rows[0]!;
  const counts = { ratings: Number(r.ratings), requests: Number(r.requests), rejects: Number(r.rejects) };
  return { ...counts, total: counts.ratings + counts.requests + counts.rejects, offsets: Number(r.offsets) };
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

describe('crash test', () => {
  it('loses and doubles nothing when the worker is killed -9 in the middle of 100,000 events', async () => {
    const topic = await createTestTopic(kafka, 'crash', PARTITIONS);
    const producer = kafka.producer();
    await producer.connect();
    const generator = createLiveEventGenerator({ seed: 'crash-test', faultFraction: 0.15 });
    const produce = (count: number) =>
      runLiveSimulator({ producer, topic, generator, maxRate: true, count, partitions: PARTITIONS });

    const first = await produce(TOTAL / 2);
    const taskQueue = uniqueName('crash');
    const workerA = spawnWorkerProcess(taskQueue);
    workers.push(workerA);
    const s3 = createS3(config);
    await seedReferenceCatalogue({ client, taskQueue }, s3);
    s3.destroy();
    await client.workflow.start(liveIngestWorkflow, {
      taskQueue,
      workflowId: `ingest-${topic}`,
      args: [{ topic, limits: { maxMessages: 1000, maxWaitMs: 500 } }],
    });
    await waitFor(
      () => loadedCounts(topic),
      (c) => c.total >= 10_000,
      { what: 'a first part loaded', timeoutMs: 120_000, intervalMs: 50 },
    );
    await workerA.stop('SIGKILL');
    const atKill = await loadedCounts(topic);
    expect(atKill.total).toBeLessThan(TOTAL / 2);

    const second = await produce(TOTAL / 2);
    await producer.disconnect();
    const workerB = spawnWorkerProcess(taskQueue);
    workers.push(workerB);
    const final = await waitFor(
      () => loadedCounts(topic),
      (c) => c.offsets >= TOTAL,
      {
        what: 'every offset checkpointed',
        timeoutMs: 300_000,
        intervalMs: 1000,
      },
    );
    const expected = {
      ratings: first.byIntended.rating + second.byIntended.rating,
      requests: first.byIntended.request + second.byIntended.request,
      rejects: first.byIntended.fault + second.byIntended.fault,
    };
    expect(expected.ratings + expected.requests + expected.rejects).toBe(TOTAL);
    expect(final).toEqual({ ...expected, total: TOTAL, offsets: TOTAL });

    const handle = client.workflow.getHandle(`ingest-${topic}`);
    await handle.signal(drainSignal);
    await handle.result();
    expect(await workerB.stop('SIGTERM')).toBe(0);
  }, 400_000);
});
