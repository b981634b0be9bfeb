import fs from 'node:fs';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINTEREST_TOPIC_VARIABLES } from '../../datasets/pinterest/config';
import { PINTEREST_TYPES } from '../../datasets/pinterest/rules';
import { connectTemporalClient, createKafka, createPgPool, createS3 } from '../../worker/connections';
import { NIGHTLY_SCHEDULE_ID } from '../../datasets/kiosk';
import { PINTEREST_SCHEDULE_ID } from '../../datasets/pinterest';
import { archiveWorkflowId } from '../../workflows/archive';
import { listAllObjects } from '../../pipeline/s3-objects';
import { deleteBucket } from '../support/backfill';
import { waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import { createTopics, deleteAfterFile } from '../support/kafka';
import { spawnCli, type WorkerProcess } from '../support/processes';

/*
 * The Quickstart's first command, `museum-etl up`, as a real process on the test stack: in a
 * database, bucket, topics, task queue and namespace of its own, so it touches no other test's data.
 */
const name = uniqueName('up').replace(/-/g, '_');
const bucket = uniqueName('up');
const topic = uniqueName('up-lmnh');
const pinterest = Object.fromEntries(PINTEREST_TYPES.map((t) => [t, `${topic}.pinterest.${t}`]));
const env: Record<string, string> = {
  PGDATABASE: name,
  S3_BUCKET: bucket,
  KAFKA_TOPIC: topic,
  TEMPORAL_TASK_QUEUE: name,
  REST_PROXY_PORT: '0',
  // Objects within seconds, not the default five minutes, so the archive shows in the test.
  ARCHIVE_FLUSH_SECONDS: '2',
  ...Object.fromEntries(PINTEREST_TYPES.map((t) => [PINTEREST_TOPIC_VARIABLES[t].name, pinterest[t]!])),
};
const config = stackConfig(env);
const s3 = createS3(config);
let up: WorkerProcess;

async function admin<T>(fn: (c: PgClient) => Promise<T>): Promise<T> {
  const c = new PgClient({ ...config.pg, database: 'postgres' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await admin((c) => c.query(`create database ${c.escapeIdentifier(name)}`));
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createTopics(createKafka(config), [topic], 2);
  // `up` creates the Pinterest topics; the file's cleanup deletes them with the kiosk one.
  deleteAfterFile(...Object.values(pinterest));
});

afterAll(async () => {
  await up?.stop('SIGKILL');
  const client = await connectTemporalClient(config);
  try {
    // What `up` left running or scheduled in the shared test namespace.
    const topics = [topic, ...Object.values(pinterest)];
    for (const id of topics.flatMap((t) => [`ingest-${t}`, archiveWorkflowId(t)])) {
      await client.workflow
        .getHandle(id)
        .terminate('test over')
        .catch(() => undefined);
    }
    for (const id of [NIGHTLY_SCHEDULE_ID, PINTEREST_SCHEDULE_ID]) {
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    }
  } finally {
    await client.connection.close();
  }
  await deleteBucket(s3, bucket).catch(() => undefined);
  s3.destroy();
  await admin((c) => c.query(`drop database if exists ${c.escapeIdentifier(name)} with (force)`));
});

describe('museum-etl up (the main job)', () => {
  it('runs the kiosk and Pinterest pipelines end to end, says where to look, and stops cleanly on Ctrl-C', async () => {
    up = spawnCli(['up', '--keep-stack', '--rate', '20', '--dashboard-port', '0'], name, env);
    const log = () => fs.readFileSync(up.logFile, 'utf8');
    await waitFor(
      async () => log(),
      (text) => text.includes('museum-etl is running') || up.child.exitCode !== null,
      { what: 'the main job to start', timeoutMs: 240_000 },
    );
    expect(log()).toContain('museum-etl is running');
    for (const where of [
      'Temporal UI',
      'Dashboards',
      'REST proxy',
      'Live ingest',
      'Pinterest',
      'Schedules',
    ]) {
      expect(log()).toContain(where);
    }

    const db = createPgPool(config);
    try {
      const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);
      // The first backfill of the demo history, live kiosk events, and emulated Pinterest posts all land.
      await waitFor(
        async () => ({
          history: await count(
            `select count(*) as n from rating_interaction where source_id in (select source_id from position_source where prefix like 's3:%')`,
          ),
          live: await count(
            `select count(*) as n from rating_interaction where source_id in (select source_id from position_source where prefix like 'kafka:%')`,
          ),
          pins: await count('select count(*) as n from pinterest.row_origin'),
        }),
        (n) => n.history > 0 && n.live > 0 && n.pins > 0,
        { what: 'history, live kiosk rows and Pinterest rows', timeoutMs: 180_000 },
      );
    } finally {
      await db.end();
    }
    // The topics are archived in the sink connector's layout, the kiosk and the Pinterest ones.
    await waitFor(
      async () => (await listAllObjects(s3, bucket, 'topics/')).map((o) => o.key),
      (keys) =>
        [topic, pinterest.pin!].every((t) => keys.some((k) => k.startsWith(`topics/${t}/partition=`))),
      { what: 'archive objects of the kiosk and Pinterest topics', timeoutMs: 120_000 },
    );
    expect(await up.stop('SIGINT')).toBe(0);
  }, 480_000);
});
