import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentName } from '../../infra/local/component';
import { LocalStack } from '../../infra/local/stack';
import {
  createLiveEventGenerator,
  runLiveSimulator,
  type LiveSimulatorResult,
} from '../../datasets/kiosk/simulator';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import {
  drainSignal,
  liveIngestStatsQuery,
  liveIngestWorkflow,
  pauseSignal,
  resumeSignal,
} from '../../workflows/ingest';
import { seedReferenceCatalogue, waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { spawnWorkerProcess, type WorkerProcess } from '../support/processes';

const config = stackConfig();
const db = createPgPool(config);
const stack = new LocalStack();
const PARTITIONS = 2;
const PHASE = 5_000;
let connection: Connection;
let client: Client;
let worker: WorkerProcess | undefined;

async function offsetsLoaded(topic: string): Promise<number> {
  try {
    const { rows } = await db.query<{ n: string }>(
      'select coalesce(sum(next_offset), 0) as n from ingest_checkpoint where topic = $1',
      [topic],
    );
    return Number(rows[0]!.n);
  } catch {
    return -1; // the database is restarting
  }
}

async function restart(component: ComponentName): Promise<void> {
  await stack.down(() => undefined, [component]);
  await new Promise((r) => setTimeout(r, 2000));
  await stack.up(() => undefined, [component]);
}

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  client = new Client({ connection, namespace: config.temporal.namespace });
});

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await connection?.close();
  await db.end();
});

describe('restarts during ingest', () => {
  it('recovers by itself from PostgreSQL, Kafka and Temporal restarts, losing and doubling nothing', async () => {
    const kafka = createKafka(config);
    const topic = await createTestTopic(kafka, 'restarts', PARTITIONS);
    const generator = createLiveEventGenerator({ seed: 'restarts', faultFraction: 0.15 });
    const produced: LiveSimulatorResult[] = [];
    const producePhase = async () => {
      // Idempotent: a send retried across the Kafka restart must not write its messages twice, or
      // the topic would hold more events than the simulator counted. And one send at a time: with
      // concurrent sends kafkajs's idempotent producer once wrote a different 20,000 messages than the
      // simulator counted across the restart (the topic, judged by the rules, matched the tables;
      // the simulator's tally did not).
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      produced.push(
        await runLiveSimulator({
          producer,
          topic,
          generator,
          maxRate: true,
          count: PHASE,
          partitions: PARTITIONS,
          inFlight: 1,
        }),
      );
      await producer.disconnect();
    };

    const taskQueue = uniqueName('restarts');
    worker = spawnWorkerProcess(taskQueue);
    const s3 = createS3(config);
    await seedReferenceCatalogue({ client, taskQueue }, s3);
    s3.destroy();
    await client.workflow.start(liveIngestWorkflow, {
      taskQueue,
      workflowId: `ingest-${topic}`,
      args: [{ topic, limits: { maxMessages: 100, maxWaitMs: 500 } }],
    });
    const handle = client.workflow.getHandle(`ingest-${topic}`);

    for (const component of ['postgres', 'kafka', 'temporal'] as const) {
      // Paused while a phase is produced, so the backlog is there whatever the machine's speed.
      await handle.signal(pauseSignal);
      await waitFor(
        () => handle.query(liveIngestStatsQuery),
        (s) => s.state === 'paused' && !s.batchInFlight,
        { what: 'the ingest to pause' },
      );
      await producePhase();
      const before = await offsetsLoaded(topic);
      await handle.signal(resumeSignal);
      // Restart mid-ingest: the phase's first batch has committed and most of the phase still waits.
      const at = await waitFor(
        () => offsetsLoaded(topic),
        (n) => n > before,
        { what: `the first batch after resuming (${component})`, intervalMs: 10 },
      );
      expect(at, `a backlog is left when ${component} restarts`).toBeLessThan(PHASE * produced.length);
      await restart(component);
    }
    await producePhase();
    const total = PHASE * produced.length;
    await waitFor(
      () => offsetsLoaded(topic),
      (n) => n >= total,
      {
        what: 'every offset after the restarts',
        timeoutMs: 240_000,
        intervalMs: 1000,
      },
    );

    const sum = (k: 'rating' | 'request' | 'fault') => produced.reduce((a, p) => a + p.byIntended[k], 0);
    const { rows } = await db.query<{ ratings: string; requests: string; rejects: string }>(
      `select (select count(*) from rating_interaction where source_id in (select source_id from position_source where prefix like $1)) as ratings,
              (select count(*) from request_interaction where source_id in (select source_id from position_source where prefix like $1)) as requests,
              (select count(*) from rejected_event where source_id in (select source_id from position_source where prefix like $1)) as rejects`,
      [`kafka:${topic}:%`],
    );
    expect({
      ratings: Number(rows[0]!.ratings),
      requests: Number(rows[0]!.requests),
      rejects: Number(rows[0]!.rejects),
    }).toEqual({ ratings: sum('rating'), requests: sum('request'), rejects: sum('fault') });

    await handle.signal(drainSignal);
    await handle.result();
  }, 400_000);
});
