import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../db/migrate';
import { INSTALLED_DATASETS } from '../../datasets';
import { PINTEREST_TYPES, type PinterestType } from '../../datasets/pinterest/rules';
import {
  expectedTotals,
  pinterestTraffic,
  type PinterestMessage,
} from '../../datasets/pinterest/simulator/traffic';
import { createKafka, createPgPool } from '../../worker/connections';
import { drainSignal, liveIngestWorkflow } from '../../workflows/ingest';
import { waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import {
  committedOffsets,
  expectStoredAsImplied,
  newPinterestTopics,
  producePinterest,
  storedTotals,
  truncatePinterest,
} from '../support/pinterest';
import { spawnWorkerProcess, type WorkerProcess } from '../support/processes';

const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const POSTS = 20_000;
const PARTITIONS = 4;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

const produce = (topics: Record<PinterestType, string>, messages: readonly PinterestMessage[]) =>
  producePinterest(kafka, topics, messages, PARTITIONS);

const outcomes = async () => {
  const totals = await storedTotals(db);
  return PINTEREST_TYPES.reduce((n, t) => n + totals[t].rows + totals[t].duplicates + totals[t].rejects, 0);
};

beforeAll(async () => {
  await migrate(db, readMigrations(INSTALLED_DATASETS.migrationDirs));
  await truncatePinterest(db, 'all');
  connection = await Connection.connect({ address: config.temporal.address });
  client = new Client({ connection, namespace: config.temporal.namespace });
});

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await connection?.close();
  await db.end();
});

describe('Pinterest crash test', () => {
  it('gives every position exactly one outcome when the worker is killed -9 mid-ingest', async () => {
    const { topics, env } = await newPinterestTopics(kafka, PARTITIONS);
    const messages = [...pinterestTraffic({ posts: POSTS, seed: 'pinterest-crash' })];
    const expected = expectedTotals(messages);
    const half = (messages.length / 2) | 0;
    await produce(topics, messages.slice(0, half));

    const taskQueue = uniqueName('pinterest-crash');
    const workerA = spawnWorkerProcess(taskQueue, env);
    workers.push(workerA);
    for (const type of PINTEREST_TYPES) {
      await client.workflow.start(liveIngestWorkflow, {
        taskQueue,
        workflowId: `ingest-${topics[type]}`,
        args: [{ topic: topics[type], dataset: 'pinterest', limits: { maxMessages: 500, maxWaitMs: 500 } }],
      });
    }
    await waitFor(outcomes, (n) => n >= 5000, { what: 'a first part loaded', timeoutMs: 120_000 });
    await workerA.stop('SIGKILL');
    expect(await outcomes()).toBeLessThan(half);

    await produce(topics, messages.slice(half));
    const workerB = spawnWorkerProcess(taskQueue, env);
    workers.push(workerB);
    for (const type of PINTEREST_TYPES) {
      await waitFor(
        () => committedOffsets(db, topics[type]),
        (n) => n === expected[type].consumed,
        { what: `${topics[type]} checkpointed to the end`, timeoutMs: 300_000, intervalMs: 1000 },
      );
    }
    await expectStoredAsImplied(db, expected);
    for (const type of PINTEREST_TYPES) {
      const e = expected[type];
      expect(e.consumed).toBe(e.rows + e.duplicates + e.rejects);
    }

    for (const type of PINTEREST_TYPES) {
      const handle = client.workflow.getHandle(`ingest-${topics[type]}`);
      await handle.signal(drainSignal);
      await handle.result();
    }
    expect(await workerB.stop('SIGTERM')).toBe(0);
  }, 400_000);
});
