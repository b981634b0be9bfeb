import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHistory, type WriteHistoryResult } from '../../datasets/kiosk/simulator/history-writer';
import { createPgPool, createS3 } from '../../worker/connections';
import type { BackfillSummary } from '../../workflows/backfill';
import type { Activities } from '../../activities';
import { LocalStack } from '../../infra/local/stack';
import { createKafka } from '../../worker/connections';
import { backfillProgressQuery } from '../../workflows/backfill';
import {
  countsOf,
  createBucket,
  deleteCreatedBuckets,
  startBackfillWorker,
  type BackfillTestWorker,
} from '../support/backfill';
import { killPostmaster, startPostgres } from '../support/postgres-crash';
import { waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import { spawnWorkerProcess, type WorkerProcess } from '../support/processes';

const config = stackConfig();
const db = createPgPool(config);
const s3 = createS3(config);
const ROWS = 1_000_000;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

const staged = async (bucket: string) =>
  (
    await db.query<{ line: number }>(
      'select coalesce(max(line_reached), 0)::int as line from staged_file where bucket = $1',
      [bucket],
    )
  ).rows[0]!.line;

/** Every row of the history in the summary and the database, none twice, and no staging left. */
async function expectLoadedOnce(bucket: string, summary: BackfillSummary, history: WriteHistoryResult) {
  const t = history.totals;
  expect(summary).toMatchObject({ ratings: t.ratings, requests: t.requests, rejects: t.beforeOpening });
  expect(await countsOf(db, bucket)).toEqual({
    ratings: t.ratings,
    requests: t.requests,
    rejects: t.beforeOpening,
  });
  expect(await staged(bucket)).toBe(0);
}

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  client = new Client({ connection, namespace: config.temporal.namespace });
});

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await connection?.close();
  await deleteCreatedBuckets(s3);
  await db.end();
  s3.destroy();
});

describe('backfill crash test', () => {
  it('loads a 1,000,000-row file exactly once when the worker is killed -9 in the middle', async () => {
    const bucket = await createBucket(s3, 'crash');
    const history = await writeHistory({ s3, bucket, rows: ROWS, files: 1, seed: 'backfill-crash' });
    const taskQueue = uniqueName('backfill-crash');
    const workerA = spawnWorkerProcess(taskQueue);
    workers.push(workerA);
    // writeHistory put the exhibition files beside the history: the catalogue comes from the same bucket.
    await client.workflow.execute('seedWorkflow', {
      taskQueue,
      workflowId: uniqueName('seed'),
      args: [{ bucket }],
    });

    const handle = await client.workflow.start('backfillWorkflow', {
      taskQueue,
      workflowId: uniqueName('backfill-crash'),
      args: [{ bucket }],
    });
    await waitFor(
      () => staged(bucket),
      (line) => line >= ROWS / 4,
      { what: 'a quarter of the file staged', timeoutMs: 240_000, intervalMs: 100 },
    );
    await workerA.stop('SIGKILL');
    const atKill = await staged(bucket);
    expect(atKill).toBeLessThan(ROWS);
    // Nothing of the file is visible until its last line is staged and swapped in.
    expect(await countsOf(db, bucket)).toEqual({ ratings: 0, requests: 0, rejects: 0 });

    const workerB = spawnWorkerProcess(taskQueue);
    workers.push(workerB);
    const summary = (await handle.result()) as BackfillSummary;
    expect(summary.failed).toEqual([]);
    expect(summary.loaded).toHaveLength(1);
    // The retry continued from the staged progress instead of starting over. What was sampled after
    // the kill is a lower bound: a chunk whose commit was already on its way may still have landed.
    expect(summary.loaded[0]!.resumedFromLine).toBeGreaterThanOrEqual(atKill);
    expect(summary.loaded[0]!.resumedFromLine).toBeLessThan(ROWS);
    await expectLoadedOnce(bucket, summary, history);
  }, 900_000);
});

describe('PostgreSQL killed -9 between the stages', () => {
  const stack = new LocalStack();
  let tw: BackfillTestWorker;
  beforeAll(async () => {
    tw = await startBackfillWorker({ config, db, s3, kafka: createKafka(config) });
  });
  afterAll(async () => {
    await tw?.close();
  });

  for (const stage of ['transformFile', 'loadFile'] as const) {
    it(`extracts the file again and loads it exactly once when PostgreSQL dies before ${stage}`, async () => {
      const bucket = await createBucket(s3, 'pg-crash');
      const history = await writeHistory({ s3, bucket, rows: 50_000, files: 1, seed: `pg-crash-${stage}` });
      await tw.client.workflow.execute('seedWorkflow', {
        taskQueue: tw.taskQueue,
        workflowId: uniqueName('seed'),
        args: [{ bucket }],
      });
      const extracts: Array<Parameters<Activities['extractFile']>[0]> = [];
      let restart: Promise<void> | undefined;
      tw.overrides.extractFile = (input) => {
        extracts.push(input);
        return tw.real.extractFile(input);
      };
      const crashFirst = async <T>(call: () => Promise<T>): Promise<T> => {
        if (!restart) {
          await killPostmaster(stack);
          // Not awaited: the stage runs into the outage and Temporal retries it until the database is back.
          restart = startPostgres(stack);
        }
        return call();
      };
      if (stage === 'transformFile') {
        tw.overrides.transformFile = (input) => crashFirst(() => tw.real.transformFile(input));
      } else {
        tw.overrides.loadFile = (input) => crashFirst(() => tw.real.loadFile(input));
      }
      try {
        const handle = await tw.client.workflow.start('backfillWorkflow', {
          taskQueue: tw.taskQueue,
          workflowId: uniqueName('backfill-pg-crash'),
          args: [{ bucket }],
        });
        const summary = (await handle.result()) as BackfillSummary;
        await restart;
        expect(summary.failed).toEqual([]);
        expect(summary.loaded).toHaveLength(1);
        // The staging died with the database: the file was read again, from line 1.
        expect(extracts.map((e) => e.restage ?? false)).toEqual([false, true]);
        expect(summary.loaded[0]!.resumedFromLine).toBe(0);
        expect((await handle.query(backfillProgressQuery)).restaged).toBe(1);
        await expectLoadedOnce(bucket, summary, history);
      } finally {
        await restart;
        delete tw.overrides.extractFile;
        delete tw.overrides[stage];
      }
    }, 300_000);
  }
});
