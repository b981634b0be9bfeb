/**
 * Records real workflow histories from the local dev server into test/fixtures/histories, for the
 * replay test that makes a non-deterministic workflow change fail CI. Run after a deliberate,
 * versioned workflow change: `npm run build && node dist/scripts/record-histories.js`
 * (`… record-histories.js archive` records only the archive's history; `… live <name>` only the live
 * ingest's, under that name; `… backfill <suffix>` only the backfills', their names suffixed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { WorkflowHandle } from '@temporalio/client';
import { repoPath } from '../config/paths';
import { venvBin } from '../infra/local/python-tools';
import { LocalStack } from '../infra/local/stack';
import { createKafka, createPgPool, createS3 } from '../worker/connections';
import { seedReferenceCatalogue, waitFor } from '../test/support/catalogue';
import { stackConfig, uniqueName } from '../test/support/env';
import { deleteBucket } from '../test/support/backfill';
import { startTestWorker, type TestWorker } from '../test/support/worker';
import { writeHistory } from '../datasets/kiosk/simulator/history-writer';
import { backfillWorkflow, type BackfillInput } from '../workflows/backfill';
import { archiveStopSignal, archiveTopicWorkflow } from '../workflows/archive';
import { drainSignal, liveIngestWorkflow, pauseSignal, resumeSignal } from '../workflows/ingest';
import { migrate, readMigrations } from '../db/migrate';
import { INSTALLED_DATASETS } from '../datasets';

const OUT = repoPath('test', 'fixtures', 'histories');

// The Temporal CLI writes the canonical proto3 JSON that historyFromJSON reads back.
const TEMPORAL_CLI = venvBin(new LocalStack().settings, 'temporal');

async function save(name: string, handle: WorkflowHandle, address: string, namespace: string): Promise<void> {
  const { runId } = await handle.describe();
  const json = execFileSync(
    TEMPORAL_CLI,
    [
      'workflow',
      'show',
      '--workflow-id',
      handle.workflowId,
      '--run-id',
      runId,
      '--output',
      'json',
      '--address',
      address,
      '--namespace',
      namespace,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  fs.writeFileSync(path.join(OUT, `${name}.json`), json);
  console.log(`recorded ${name} (${JSON.parse(json).events.length} events)`);
}

/**
 * Two backfills over one bucket: a row-limited run (one file loaded, one cut short, one not
 * reached), then a full run (one file skipped, the cut one finished, one loaded, one that is not a
 * history file failed by transform) — the paths of the per-file extract, transform and load.
 */
async function recordBackfill(
  tw: TestWorker,
  s3: S3Client,
  save: (name: string, handle: WorkflowHandle) => Promise<void>,
  suffix = '',
): Promise<void> {
  const bucket = uniqueName('record').toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await writeHistory({ s3, bucket, rows: 3000, files: 3, seed: 'record-backfill' });
  await tw.client.workflow.execute('seedWorkflow', {
    taskQueue: tw.taskQueue,
    workflowId: uniqueName('seed'),
    args: [{ bucket }],
  });
  const run = async (name: string, input: BackfillInput) => {
    const handle = await tw.client.workflow.start(backfillWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: uniqueName(name),
      args: [input],
    });
    await handle.result();
    await save(name, handle);
  };
  await run(`backfill-row-limit${suffix}`, { bucket, rowLimit: 1500 });
  // Not valid UTF-8 on line 1: no header, so not a history file.
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'lmnh_hist_data_9.csv',
      Body: Buffer.from([0xff, 0xfe, 0x0a, 0x31, 0x0a]),
    }),
  );
  await run(`backfill${suffix}`, { bucket });
  await deleteBucket(s3, bucket);
}

/** An archive of a two-partition topic: full and aged ranges, an empty long poll, then a stop. */
async function recordArchive(
  tw: TestWorker,
  deps: { db: ReturnType<typeof createPgPool>; kafka: ReturnType<typeof createKafka>; s3: S3Client },
  save: (name: string, handle: WorkflowHandle) => Promise<void>,
): Promise<void> {
  await migrate(deps.db, readMigrations(INSTALLED_DATASETS.migrationDirs));
  const topic = uniqueName('replay-archive');
  const admin = deps.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = deps.kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [
      ...Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `{"i":${i}}` })),
      { partition: 1, value: null },
      { partition: 1, value: '{"i":"one"}' },
    ],
  });
  await producer.disconnect();
  const bucket = uniqueName('record-archive').toLowerCase();
  await deps.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const handle = await tw.client.workflow.start(archiveTopicWorkflow, {
    taskQueue: tw.taskQueue,
    workflowId: `archive-${topic}`,
    args: [
      {
        topic,
        bucket,
        prefix: 'topics/',
        flushMessages: 2,
        flushSeconds: 1,
        limits: { maxWaitMs: 1000, lingerMs: 200 },
      },
    ],
  });
  await waitFor(
    async () =>
      (
        await deps.db.query(
          'select coalesce(sum(next_offset), 0)::int as n from archive_checkpoint where topic = $1',
          [topic],
        )
      ).rows[0].n,
    (n) => n === 7,
  );
  await new Promise((r) => setTimeout(r, 1500));
  await handle.signal(archiveStopSignal);
  await handle.result();
  await save('archive', handle);
  await deleteBucket(deps.s3, bucket);
}

/** A live ingest of two messages over two partitions: an empty long poll, a pause, a resume, a drain. */
async function recordLive(
  tw: TestWorker,
  deps: { db: ReturnType<typeof createPgPool>; kafka: ReturnType<typeof createKafka> },
  save: (name: string, handle: WorkflowHandle) => Promise<void>,
  name: string,
): Promise<void> {
  const { db, kafka } = deps;
  const topic = uniqueName('replay');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [
      { partition: 0, value: '{"at": "2026-02-24T10:18:22.968819+00:00", "site": "4", "val": 0}' },
      { partition: 1, value: 'not json' },
    ],
  });
  await producer.disconnect();

  const live = await tw.client.workflow.start(liveIngestWorkflow, {
    taskQueue: tw.taskQueue,
    workflowId: `ingest-${topic}`,
    args: [{ topic, limits: { maxWaitMs: 1000, lingerMs: 200 } }],
  });
  await waitFor(
    async () =>
      (
        await db.query(
          'select coalesce(sum(next_offset), 0)::int as n from ingest_checkpoint where topic = $1',
          [topic],
        )
      ).rows[0].n,
    (n) => n === 2,
  );
  // An empty long poll, a pause during one, a resume, then a drain: every path of the loop.
  await new Promise((r) => setTimeout(r, 1500));
  await live.signal(pauseSignal);
  await new Promise((r) => setTimeout(r, 1000));
  await live.signal(resumeSignal);
  await new Promise((r) => setTimeout(r, 1000));
  await live.signal(drainSignal);
  await live.result();
  await save(name, live);
}

async function main(): Promise<void> {
  const config = stackConfig({ PGDATABASE: process.env.PGDATABASE ?? 'museum' });
  const db = createPgPool(config);
  const kafka = createKafka(config);
  const s3 = createS3(config);
  const tw = await startTestWorker({ config, db, kafka, s3 });
  const saveHere = (name: string, handle: WorkflowHandle) =>
    save(name, handle, config.temporal.address, config.temporal.namespace);
  const [only, name] = process.argv.slice(2);
  // One recording alone: `live <name>`, `backfill <suffix>` or `archive`, so the histories of
  // earlier branches stay as recorded; without an argument, all of them under their usual names.
  const one: Record<string, () => Promise<void>> = {
    live: async () => {
      await seedReferenceCatalogue(tw, s3);
      await recordLive(tw, { db, kafka }, saveHere, name ?? 'live-ingest');
    },
    backfill: () => recordBackfill(tw, s3, saveHere, name ?? ''),
    archive: () => recordArchive(tw, { db, kafka, s3 }, saveHere),
  };
  try {
    if (only !== undefined) {
      const record = one[only];
      if (!record) throw new Error(`unknown recording ${only}: one of ${Object.keys(one).join(', ')}`);
      await record();
      return;
    }
    await seedReferenceCatalogue(tw, s3);
    const seeds = await tw.client.workflow.list({
      query: `WorkflowType = 'seedWorkflow' AND TaskQueue = '${tw.taskQueue}'`,
    });
    for await (const w of seeds) {
      await save(
        'seed',
        tw.client.workflow.getHandle(w.workflowId, w.runId),
        config.temporal.address,
        config.temporal.namespace,
      );
      break;
    }

    await recordLive(tw, { db, kafka }, saveHere, 'live-ingest');

    await recordBackfill(tw, s3, saveHere);
    await recordArchive(tw, { db, kafka, s3 }, saveHere);
  } finally {
    await tw.close();
    await db.end();
    s3.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
