import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALLED_DATASETS } from '../../datasets';
import { migrate, readMigrations } from '../../db/migrate';
import { DatasetRegistry } from '../../pipeline/dataset-plugin';
import { kafkaPosition } from '../../pipeline/position';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { backfillWorkflow } from '../../workflows/backfill';
import { liveIngestWorkflow } from '../../workflows/ingest';
import { replayRejectsWorkflow } from '../../workflows/replay-rejects';
import { createBucket, deleteCreatedBuckets, putObject } from '../support/backfill';
import { CLIMATE, climatePlugin } from '../support/climate';
import { stackConfig, uniqueName } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * The dataset seam is real: a dataset written in test code alone (test/support/climate: its own
 * tables, rules, topic, files and rejects) is installed beside the product's and runs live, from
 * S3 files, and through a rejects replay, on the product's workflows and activities unchanged.
 */
const config = stackConfig();
const kafka: Kafka = createKafka(config);
const db = createPgPool(config);
const s3 = createS3(config);
let topic: string;
let bucket: string;
let tw: TestWorker;

const reading = (sensor: string, celsius: unknown) => JSON.stringify({ sensor, celsius });

beforeAll(async () => {
  topic = await createTestTopic(kafka, 'climate', 1);
  bucket = await createBucket(s3, 'climate');
  const registry = new DatasetRegistry([...INSTALLED_DATASETS.plugins, climatePlugin(topic)]);
  await migrate(db, readMigrations(registry.migrationDirs));
  await db.query("insert into climate_sensor values ('G1') on conflict do nothing");
  tw = await startTestWorker({ config, db, kafka, s3, registry });
});

afterAll(async () => {
  await tw?.close();
  await deleteCreatedBuckets(s3).catch(() => undefined);
  await db.end();
  s3.destroy();
});

async function readings(): Promise<Map<string, string>> {
  const { rows } = await db.query<{ source_position: string; sensor: string }>(
    'select source_position(source_id, source_seq), sensor from climate_reading',
  );
  return new Map(rows.map((r) => [r.source_position, r.sensor]));
}

describe('a third dataset defined in test code alone', () => {
  it('runs live, from files and through a replay, each event stored once', async () => {
    const live = [
      reading('G1', 20.5),
      reading('G1', 21),
      reading('G2', 19), // unknown_sensor until G2 is installed
      reading('G1', 99), // bad_celsius
      '{not json',
    ];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: live.map((value) => ({ value, partition: 0 })) });
    await producer.disconnect();

    const stats = await tw.client.workflow.execute(liveIngestWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: uniqueName('climate-ingest'),
      args: [{ topic, dataset: CLIMATE, limit: live.length, limits: { maxWaitMs: 300 } }],
    });
    expect(stats).toMatchObject({ consumed: 5, inserted: { reading: 2, reject: 3 } });
    expect(stats.rejectsByReason).toEqual({ unknown_sensor: 1, bad_celsius: 1, malformed: 1 });

    const lines = [reading('G1', 18), '', reading('G3', 17), reading('G1', 16.25)].join('\n');
    await putObject(s3, bucket, 'climate/day-1.jsonl', lines);
    await putObject(s3, bucket, 'notes.txt', 'not a climate file');
    const backfill = () =>
      tw.client.workflow.execute(backfillWorkflow, {
        taskQueue: tw.taskQueue,
        workflowId: uniqueName('climate-backfill'),
        args: [{ bucket, dataset: CLIMATE }],
      });
    const files = await backfill();
    expect(files.failed).toEqual([]);
    expect(files.loaded.map((f) => f.key)).toEqual(['climate/day-1.jsonl']);
    expect(files.insertedByKind).toEqual({ reading: 2, reject: 1 });
    expect(files.blankLines).toBe(1);

    await db.query("insert into climate_sensor values ('G2'), ('G3')");
    const replay = () =>
      tw.client.workflow.execute(replayRejectsWorkflow, {
        taskQueue: tw.taskQueue,
        workflowId: uniqueName('climate-replay'),
        args: [{ dataset: CLIMATE }],
      });
    const replayed = await replay();
    expect(replayed).toMatchObject({ examined: 4, loaded: 2, stillRejected: 2 });
    expect(replayed.stillRejectedByReason).toEqual({ bad_celsius: 1, malformed: 1 });

    const stored = await readings();
    expect(stored.size).toBe(6);
    expect(stored.get(kafkaPosition(topic, 0, 2))).toBe('G2');
    expect([...stored.values()].filter((s) => s === 'G3')).toHaveLength(1);

    // Again: the file is loaded at this ETag, the replayed rejects stay loaded; nothing doubles.
    expect((await backfill()).skipped).toEqual(['climate/day-1.jsonl']);
    expect(await replay()).toMatchObject({ examined: 2, loaded: 0, stillRejected: 2 });
    expect((await readings()).size).toBe(6);
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from staged_climate_verdict');
    expect(rows[0]!.n).toBe(0);
  });
});
