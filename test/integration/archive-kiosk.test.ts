import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../db/migrate';
import { INSTALLED_DATASETS } from '../../datasets';
import { createLiveEventGenerator } from '../../datasets/kiosk/simulator';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { archiveStopSignal, archiveTopicWorkflow, archiveWorkflowId } from '../../workflows/archive';
import { backfillWorkflow } from '../../workflows/backfill';
import { drainSignal, liveIngestWorkflow } from '../../workflows/ingest';
import { createBucket, deleteCreatedBuckets } from '../support/backfill';
import { seedReferenceCatalogue, waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { startTestWorker, type TestWorker } from '../support/worker';

/*
 * A kiosk topic's S3 archive replayed into the pipeline (`backfill run --dataset kiosk-archive`):
 * line n of an object is the message at start+n-1, judged at its own Kafka position, so a replay
 * over a loaded database writes nothing and one over a database that lost rows brings exactly
 * those back.
 */
const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const s3 = createS3(config);
const PARTITIONS = 2;
const EVENTS = 4_000;
let tw: TestWorker;

beforeAll(async () => {
  await migrate(db, readMigrations(INSTALLED_DATASETS.migrationDirs));
  tw = await startTestWorker({ config, db, kafka, s3 });
  await seedReferenceCatalogue(tw, s3);
});

afterAll(async () => {
  await tw?.close();
  await deleteCreatedBuckets(s3);
  await db.end();
  s3.destroy();
});

const checkpointSum = async (table: 'ingest_checkpoint' | 'archive_checkpoint', topic: string) =>
  Number(
    (
      await db.query<{ n: string }>(
        `select coalesce(sum(next_offset), 0) as n from ${table} where topic = $1`,
        [topic],
      )
    ).rows[0]!.n,
  );

describe('kiosk archive replay', () => {
  it('writes nothing over a loaded database, brings back exactly what was lost, refuses an object whose lines are not its messages', async () => {
    const topic = await createTestTopic(kafka, 'kiosk-replay', PARTITIONS);
    const bucket = await createBucket(s3, 'kiosk-replay');
    // Simulated kiosk traffic (15% faults), without the faults that hold LF bytes, and then one
    // such value on partition 1: its object cannot be replayed, the others can.
    const generator = createLiveEventGenerator({ seed: 'kiosk-replay', faultFraction: 0.15 });
    const values: Buffer[] = [];
    while (values.length < EVENTS) {
      const v = Buffer.from(generator.next().value);
      if (!v.includes(0x0a)) values.push(v);
    }
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((value, i) => ({ value, partition: i % PARTITIONS })),
    });
    await producer.send({ topic, acks: -1, messages: [{ value: '{"at":\n"x"}', partition: 1 }] });
    await producer.disconnect();
    const total = EVENTS + 1;

    const live = await tw.client.workflow.start(liveIngestWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: `ingest-${topic}`,
      args: [{ topic, limits: { maxMessages: 1000, maxWaitMs: 500 } }],
    });
    const archive = await tw.client.workflow.start(archiveTopicWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: archiveWorkflowId(topic),
      args: [
        {
          topic,
          bucket,
          prefix: 'topics/',
          flushMessages: 500,
          flushSeconds: 1,
          limits: { maxWaitMs: 1_000, lingerMs: 200 },
        },
      ],
    });
    await waitFor(
      async () => [
        await checkpointSum('ingest_checkpoint', topic),
        await checkpointSum('archive_checkpoint', topic),
      ],
      ([ingested, archived]) => ingested! >= total && archived! >= total,
      { what: 'live ingest and archive caught up', timeoutMs: 120_000 },
    );
    await live.signal(drainSignal);
    await archive.signal(archiveStopSignal);
    await Promise.all([live.result(), archive.result()]);

    const replay = () =>
      tw.client.workflow.execute(backfillWorkflow, {
        taskQueue: tw.taskQueue,
        workflowId: uniqueName('kiosk-archive-replay'),
        args: [{ bucket, dataset: 'kiosk-archive' }],
      });
    const stored = async () =>
      (
        await db.query<{ position: string; what: string }>(
          `select source_position(source_id, source_seq) as position, 'rating ' || exhibition_id || ' ' || rating_id || ' ' || event_at as what
             from rating_interaction where source_id in (select source_id from position_source where prefix like $1)
           union all select source_position(source_id, source_seq), 'request ' || exhibition_id || ' ' || request_id || ' ' || event_at
             from request_interaction where source_id in (select source_id from position_source where prefix like $1)
           union all select source_position(source_id, source_seq), 'reject ' || reason || ' ' || encode(raw, 'hex')
             from rejected_event where source_id in (select source_id from position_source where prefix like $1)
           order by 1`,
          [`kafka:${topic}:%`],
        )
      ).rows;
    const before = await stored();
    expect(before).toHaveLength(total);

    const first = await replay();
    // The last object of partition 1 holds the LF value: refused by name, never misread.
    expect(first.failed).toHaveLength(1);
    expect(first.failed[0]!.key).toContain(`/partition=1/`);
    expect(first.failed[0]!.error).toMatch(/lines are not messages/);
    // 2,000 messages a partition in objects of 500, and the LF value alone in a ninth.
    expect(first.loaded).toHaveLength(8);
    expect(first.insertedByKind).toEqual({ rating: 0, request: 0, reject: 0 });
    expect(await stored()).toEqual(before);

    // A database restored without partition 0's rows and without the replay's manifest.
    let lost = 0;
    for (const table of ['rating_interaction', 'request_interaction', 'rejected_event']) {
      const r = await db.query(
        `delete from ${table} where source_id in (select source_id from position_source where prefix like $1)`,
        [`kafka:${topic}:0:%`],
      );
      lost += r.rowCount ?? 0;
    }
    await db.query('delete from backfill_manifest where bucket = $1', [bucket]);
    expect(lost).toBe(EVENTS / PARTITIONS);
    const second = await replay();
    const written = Object.values(second.insertedByKind ?? {}).reduce((a, b) => a + b, 0);
    expect(written).toBe(lost);
    expect(await stored()).toEqual(before);
  }, 300_000);
});
