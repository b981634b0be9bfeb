import fs from 'node:fs';
import { Client as PgClient } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { FailureType, failureTypeOf } from '../../common/failures';
import { historyKey } from '../../datasets/kiosk/simulator/history-writer';
import { connectTemporalClient, createKafka, createPgPool, createS3 } from '../../worker/connections';
import { archiveTopicWorkflow, archiveWorkflowId } from '../../workflows/archive';
import { backfillWorkflow } from '../../workflows/backfill';
import { ingestWorkflowId, liveIngestWorkflow } from '../../workflows/ingest';
import { createBucket, deleteCreatedBuckets, putObject } from '../support/backfill';
import { waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { spawnCli, spawnWorkerProcess, type WorkerProcess } from '../support/processes';
import { startTestWorker } from '../support/worker';

/*
 * Commands on a database that no `seed` has migrated: a worker brings the schema up to date when
 * it starts, and a worker whose database lost its schema fails each activity at once with a
 * typed SchemaBehind that names the fix, instead of retrying a missing table forever.
 */
const base = stackConfig();
const s3 = createS3(base);
const kafka = createKafka(base);
const databases: string[] = [];
const HISTORY = 'at,site,val,type\n2026-02-24 12:00:00,1,3,\n2026-02-24 12:00:01,1,-1,0\n';

async function admin(sql: (c: PgClient) => string): Promise<void> {
  const c = new PgClient({ ...base.pg, database: 'postgres' });
  await c.connect();
  try {
    await c.query(sql(c));
  } finally {
    await c.end();
  }
}

async function emptyDatabase(): Promise<string> {
  const name = uniqueName('empty').replace(/-/g, '_');
  await admin((c) => `create database ${c.escapeIdentifier(name)}`);
  databases.push(name);
  return name;
}

async function produce(topic: string, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: count }, (_, i) => ({ value: `{"n":${i}}` })),
  });
  await producer.disconnect();
}

/** Runs a CLI command to its end; its exit code and output. */
async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  const p = spawnCli(args, uniqueName('cli'), env);
  const code = await new Promise<number | null>((resolve) => p.child.once('exit', resolve));
  return { code, out: fs.readFileSync(p.logFile, 'utf8') };
}

let worker: WorkerProcess | undefined;

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await deleteCreatedBuckets(s3);
  s3.destroy();
  for (const name of databases) {
    await admin((c) => `drop database if exists ${c.escapeIdentifier(name)} with (force)`);
  }
});

describe('an empty database', () => {
  it('is migrated by the worker at start; ingest start --limit, archive start and backfill run then work', async () => {
    const database = await emptyDatabase();
    const bucket = await createBucket(s3, 'empty-db');
    await putObject(s3, bucket, historyKey(0), HISTORY);
    const topic = await createTestTopic(kafka, 'empty-db', 2);
    await produce(topic, 30);
    const taskQueue = uniqueName('empty-db');
    const env = {
      PGDATABASE: database,
      S3_BUCKET: bucket,
      KAFKA_TOPIC: topic,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ARCHIVE_FLUSH_SECONDS: '1',
    };
    worker = spawnWorkerProcess(taskQueue, { ...env, LOG_LEVEL: 'info' });
    await waitFor(
      async () => fs.readFileSync(worker!.logFile, 'utf8'),
      (log) => log.includes('database schema migrated') || worker!.child.exitCode !== null,
      { what: 'the worker to migrate the database', timeoutMs: 120_000 },
    );
    expect(fs.readFileSync(worker.logFile, 'utf8')).toContain('database schema migrated');

    const started = await cli(['ingest', 'start', '--topic', topic, '--limit', '20'], env);
    expect(started, started.out).toMatchObject({ code: 0 });
    expect(started.out).toContain('until it has loaded 20 messages');
    const client = await connectTemporalClient(stackConfig(env));
    try {
      const done = await client.workflow
        .getHandle<typeof liveIngestWorkflow>(ingestWorkflowId(topic))
        .result();
      expect({ state: done.state, consumed: done.consumed }).toEqual({ state: 'completed', consumed: 20 });
      const status = await cli(['ingest', 'status', '--topic', topic], env);
      expect(status.out).toContain('limit: 20 of 20 messages loaded (complete)');

      const archive = await cli(['archive', 'start', '--topic', topic], env);
      expect(archive, archive.out).toMatchObject({ code: 0 });
      const db = createPgPool(stackConfig(env));
      try {
        await waitFor(
          async () =>
            (
              await db.query<{ n: string }>(
                'select coalesce(sum(next_offset), 0) as n from archive_checkpoint where topic = $1',
                [topic],
              )
            ).rows[0]!.n,
          (n) => Number(n) === 30,
          { what: 'the archive to pass all 30 messages', timeoutMs: 90_000 },
        );
      } finally {
        await db.end();
        await client.workflow
          .getHandle(archiveWorkflowId(topic))
          .terminate('test over')
          .catch(() => undefined);
      }

      const backfill = await cli(['backfill', 'run', '--wait'], env);
      expect(backfill, backfill.out).toMatchObject({ code: 0 });
      expect(backfill.out).toContain('rows: 2');
    } finally {
      await client.connection.close();
    }
  }, 300_000);

  it('under a worker that did not migrate it, each activity fails at once as SchemaBehind naming the fix', async () => {
    const config = stackConfig({ PGDATABASE: await emptyDatabase() });
    const db = createPgPool(config);
    const tw = await startTestWorker({ config, db, kafka, s3 });
    const topic = await createTestTopic(kafka, 'empty-db', 1);
    const bucket = await createBucket(s3, 'empty-db');
    await putObject(s3, bucket, historyKey(0), HISTORY);
    try {
      const runs = {
        ingest: tw.client.workflow.start(liveIngestWorkflow, {
          taskQueue: tw.taskQueue,
          workflowId: uniqueName('empty-ingest'),
          args: [{ topic, limits: { maxWaitMs: 500 } }],
        }),
        archive: tw.client.workflow.start(archiveTopicWorkflow, {
          taskQueue: tw.taskQueue,
          workflowId: uniqueName('empty-archive'),
          args: [{ topic, bucket, prefix: 'topics/', flushMessages: 10, flushSeconds: 1 }],
        }),
        backfill: tw.client.workflow.start(backfillWorkflow, {
          taskQueue: tw.taskQueue,
          workflowId: uniqueName('empty-backfill'),
          args: [{ bucket }],
        }),
      };
      for (const [name, started] of Object.entries(runs)) {
        const handle = await started;
        const err: unknown = await handle.result().then(
          () => new Error(`${name} completed on an empty database`),
          (e: unknown) => e,
        );
        expect(failureTypeOf(err), `${name}: ${String(err)}`).toBe(FailureType.SchemaBehind);
        expect(rootMessage(err)).toContain('museum-etl seed --wait');
        // One attempt: no retry was scheduled for a table that no retry can create.
        const events = (await handle.fetchHistory()).events ?? [];
        const attempts = events.flatMap((e) => (e.activityTaskStartedEventAttributes ? [e] : []));
        expect(
          attempts.every((e) => e.activityTaskStartedEventAttributes!.attempt === 1),
          name,
        ).toBe(true);
      }
    } finally {
      await tw.close();
      await db.end();
    }
  }, 180_000);
});

function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  const parts: string[] = [];
  while (e) {
    if (e.message) parts.push(e.message);
    e = e.cause as typeof e;
  }
  return parts.join(' <- ');
}
