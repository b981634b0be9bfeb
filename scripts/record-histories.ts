/**
 * Records real workflow histories from the local dev server into test/fixtures/histories, for the
 * replay test that makes a non-deterministic workflow change fail CI. Run after a deliberate,
 * versioned workflow change: `npm run build && node dist/scripts/record-histories.js`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import { repoPath } from '../config/paths';
import { createKafka, createPgPool, createS3 } from '../worker/connections';
import { seedReferenceCatalogue, waitFor } from '../test/support/catalogue';
import { stackConfig, uniqueName } from '../test/support/env';
import { startTestWorker } from '../test/support/worker';
import type { LiveIngestStatus } from '../workflows/ingest';

const OUT = repoPath('test', 'fixtures', 'histories');

// The Temporal CLI writes the canonical proto3 JSON that historyFromJSON reads back.
const TEMPORAL_CLI = repoPath('.stack', 'venv', 'bin', 'temporal');

async function save(name: string, handle: WorkflowHandle, address: string): Promise<void> {
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
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  fs.writeFileSync(path.join(OUT, `${name}.json`), json);
  console.log(`recorded ${name} (${JSON.parse(json).events.length} events)`);
}

async function main(): Promise<void> {
  const config = stackConfig({ PGDATABASE: process.env.PGDATABASE ?? 'museum' });
  const db = createPgPool(config);
  const kafka = createKafka(config);
  const s3 = createS3(config);
  const tw = await startTestWorker({ config, db, kafka, s3 });
  try {
    await seedReferenceCatalogue(tw, s3);
    const seeds = await tw.client.workflow.list({
      query: `WorkflowType = 'seedWorkflow' AND TaskQueue = '${tw.taskQueue}'`,
    });
    for await (const w of seeds) {
      await save('seed', tw.client.workflow.getHandle(w.workflowId, w.runId), config.temporal.address);
      break;
    }

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

    const parent = await tw.client.workflow.start('liveIngestWorkflow', {
      taskQueue: tw.taskQueue,
      workflowId: `ingest-${topic}`,
      args: [{ topic, limits: { maxWaitMs: 200 }, partitionCheckMs: 1000 }],
    });
    const status = await waitFor(
      () => parent.query<LiveIngestStatus>('stats'),
      (s) => s.partitions.length === 2,
    );
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
    await parent.signal('pause');
    await new Promise((r) => setTimeout(r, 1500));
    await parent.signal('resume');
    await new Promise((r) => setTimeout(r, 1500));
    await parent.signal('drain');
    await parent.result();
    const child = tw.client.workflow.getHandle(status.childWorkflowIds[0]!);
    await child.result();
    await save('live-ingest', parent, config.temporal.address);
    await save('ingest-partition', child, config.temporal.address);
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
