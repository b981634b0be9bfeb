import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHistory, historyKey } from '../../datasets/kiosk/simulator/history-writer';
import { s3KeyLock } from '../../pipeline/position';
import { createPgPool, createS3 } from '../../worker/connections';
import { backfillProgressQuery, type BackfillSummary } from '../../workflows/backfill';
import { countsOf, createBucket, deleteCreatedBuckets } from '../support/backfill';
import { waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import { spawnWorkerProcess, type WorkerProcess } from '../support/processes';

/*
 * History files up to HOLD_MAX_BYTES are held whole in the memory of the worker that extracted
 * them, judged there and written once, by the swap. Here the worker holding a file is killed -9
 * while its swap waits, and never comes back: the other worker extracts the file again and it is
 * stored exactly once, with nothing ever staged in PostgreSQL.
 */
const config = stackConfig();
const db = createPgPool(config);
const s3 = createS3(config);
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

/** Files and batches staged in PostgreSQL from the bucket: none, when files are held. */
const staged = async (bucket: string) =>
  (
    await db.query<{ n: number }>(
      `select ((select count(*) from staged_file where bucket = $1)
            + (select count(*) from staged_batch where source like $2))::int as n`,
      [bucket, `s3:${bucket}/%`],
    )
  ).rows[0]!.n;

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  client = new Client({ connection, namespace: config.temporal.namespace });
});

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await deleteCreatedBuckets(s3);
  await connection?.close();
  await db.end();
  s3.destroy();
});

describe('held history files', () => {
  it('are extracted again by the other worker when the one holding a file is killed -9, and stored once', async () => {
    const bucket = await createBucket(s3, 'held-files');
    const history = await writeHistory({ s3, bucket, rows: 40_000, files: 2, seed: 'held-files' });
    const taskQueue = uniqueName('held-files');
    const holder = spawnWorkerProcess(taskQueue);
    workers.push(holder);
    await client.workflow.execute('seedWorkflow', {
      taskQueue,
      workflowId: uniqueName('seed'),
      args: [{ bucket }],
    });

    // Hold the first file's swap lock, so its load waits inside the holder with the file in memory.
    const lock = await db.connect();
    const workflowId = uniqueName('held-files');
    let progressAtKill;
    try {
      await lock.query('begin');
      await lock.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [
        s3KeyLock(bucket, historyKey(0)),
      ]);
      const handle = await client.workflow.start('backfillWorkflow', {
        taskQueue,
        workflowId,
        args: [{ bucket, concurrency: 1 }],
      });
      progressAtKill = await waitFor(
        () => handle.query(backfillProgressQuery),
        (p) => p.runningStage[historyKey(0)] === 'load',
        { what: 'the first file waiting in its load', timeoutMs: 60_000, intervalMs: 100 },
      );
      expect(await staged(bucket)).toBe(0);
      await holder.stop('SIGKILL');
    } finally {
      await lock.query('rollback');
      lock.release();
    }
    expect(progressAtKill.restaged).toBe(0);
    expect(await countsOf(db, bucket)).toEqual({ ratings: 0, requests: 0, rejects: 0 });

    const other = spawnWorkerProcess(taskQueue);
    workers.push(other);
    const handle = client.workflow.getHandle(workflowId);
    const summary = (await handle.result()) as BackfillSummary;
    const t = history.totals;
    expect(summary.failed).toEqual([]);
    expect(summary.loaded.map((f) => f.key).sort()).toEqual([historyKey(0), historyKey(1)]);
    expect(summary).toMatchObject({ ratings: t.ratings, requests: t.requests, rejects: t.beforeOpening });
    expect(await countsOf(db, bucket)).toEqual({
      ratings: t.ratings,
      requests: t.requests,
      rejects: t.beforeOpening,
    });
    // The first file, and the second if the holder had it extracted while the first waited.
    const { restaged } = await handle.query(backfillProgressQuery);
    expect(restaged).toBeGreaterThanOrEqual(1);
    expect(restaged).toBeLessThanOrEqual(2);
    expect(await staged(bucket)).toBe(0);
    expect(await other.stop('SIGTERM')).toBe(0);
  }, 300_000);
});
