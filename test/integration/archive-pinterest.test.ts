import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../db/migrate';
import { INSTALLED_DATASETS } from '../../datasets';
import { PINTEREST_TYPES, type PinterestType } from '../../datasets/pinterest/rules';
import { expectedTotals, pinterestTraffic } from '../../datasets/pinterest/simulator/traffic';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { archiveStopSignal, archiveTopicWorkflow, archiveWorkflowId } from '../../workflows/archive';
import { backfillWorkflow } from '../../workflows/backfill';
import { drainSignal, liveIngestWorkflow } from '../../workflows/ingest';
import { createBucket, deleteCreatedBuckets } from '../support/backfill';
import { waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import {
  committedOffsets,
  newPinterestTopics,
  producePinterest,
  storedTotals,
  truncatePinterest,
} from '../support/pinterest';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * The archive is the S3 sink connector's layout for real: the Pinterest batch source reads the
 * archive of the Pinterest topics, and finds every record it holds already stored by the live
 * ingest (duplicates and the same rejects, never a new row).
 */
const bootstrap = stackConfig();
const kafka = createKafka(bootstrap);
const db = createPgPool(bootstrap);
const s3 = createS3(bootstrap);
let topics: Record<PinterestType, string>;
let tw: TestWorker;

beforeAll(async () => {
  await migrate(db, readMigrations(INSTALLED_DATASETS.migrationDirs));
  await truncatePinterest(db, 'all');
  const fresh = await newPinterestTopics(kafka, 3);
  topics = fresh.topics;
  tw = await startTestWorker({ config: stackConfig(fresh.env), db, kafka, s3 });
});

afterAll(async () => {
  await tw?.close();
  await deleteCreatedBuckets(s3);
  await db.end();
  s3.destroy();
});

const archived = async (topic: string) => {
  const { rows } = await db.query<{ n: string }>(
    'select coalesce(sum(next_offset), 0) as n from archive_checkpoint where topic = $1',
    [topic],
  );
  return Number(rows[0]!.n);
};

describe('archive of the Pinterest topics', () => {
  it('is read by the Pinterest batch source as the connector output it mimics', async () => {
    const bucket = await createBucket(s3, 'archive-pinterest');
    const messages = [...pinterestTraffic({ posts: 5_000, seed: 'archive-pinterest' })];
    const expected = expectedTotals(messages);
    for (const type of PINTEREST_TYPES) {
      await tw.client.workflow.start(liveIngestWorkflow, {
        taskQueue: tw.taskQueue,
        workflowId: `ingest-${topics[type]}`,
        args: [{ topic: topics[type], dataset: 'pinterest', limits: { maxWaitMs: 300 } }],
      });
      await tw.client.workflow.start(archiveTopicWorkflow, {
        taskQueue: tw.taskQueue,
        workflowId: archiveWorkflowId(topics[type]),
        args: [
          {
            topic: topics[type],
            bucket,
            prefix: 'topics/',
            flushMessages: 1_000,
            flushSeconds: 1,
            limits: { maxWaitMs: 2_000, lingerMs: 200 },
          },
        ],
      });
    }
    await producePinterest(kafka, topics, messages, 3);
    for (const type of PINTEREST_TYPES) {
      const consumed = expected[type].consumed;
      await waitFor(
        () => committedOffsets(db, topics[type]),
        (n) => n === consumed,
        {
          what: `${topics[type]} ingested`,
        },
      );
      await waitFor(
        () => archived(topics[type]),
        (n) => n === consumed,
        {
          what: `${topics[type]} archived`,
          timeoutMs: 120_000,
        },
      );
      const live = tw.client.workflow.getHandle(`ingest-${topics[type]}`);
      await live.signal(drainSignal);
      await live.result();
      const archive = tw.client.workflow.getHandle(archiveWorkflowId(topics[type]));
      await archive.signal(archiveStopSignal);
      await archive.result();
    }
    const live = await storedTotals(db);

    const summary = await tw.client.workflow.execute(backfillWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: uniqueName('archive-backfill'),
      args: [{ bucket, dataset: 'pinterest', prefix: 'topics/' }],
    });
    expect(summary.failed).toEqual([]);
    const { rows } = await db.query<{ n: string }>(
      'select count(*) as n from archive_object where destination = $1',
      [`s3://${bucket}/topics/`],
    );
    expect(summary.loaded).toHaveLength(Number(rows[0]!.n));
    const after = await storedTotals(db);
    for (const type of PINTEREST_TYPES) {
      const e = expected[type];
      expect({ type, ...after[type] }).toEqual({
        type,
        rows: live[type].rows,
        duplicates: live[type].duplicates + e.rows + e.duplicates,
        rejects: live[type].rejects * 2,
      });
    }
  }, 300_000);
});
