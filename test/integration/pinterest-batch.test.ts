import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../db/migrate';
import { INSTALLED_DATASETS } from '../../datasets';
import { s3Position } from '../../pipeline/position';
import { PINTEREST_TYPES, type PinterestType } from '../../datasets/pinterest/rules';
import { sinkObjectKey } from '../../pipeline/sink-layout';
import { sinkObjects } from '../../datasets/pinterest/simulator/sink-objects';
import { expectedTotals, pinterestTraffic } from '../../datasets/pinterest/simulator/traffic';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { backfillWorkflow, type BackfillInput } from '../../workflows/backfill';
import { drainSignal, liveIngestWorkflow } from '../../workflows/ingest';
import { createBucket, deleteCreatedBuckets, putObject } from '../support/backfill';
import { waitFor } from '../support/catalogue';
import { stackConfig, uniqueName } from '../support/env';
import {
  committedOffsets,
  newPinterestTopics,
  outcomesUnder,
  producePinterest,
  storedTotals,
  truncatePinterest,
} from '../support/pinterest';
import { expectVectorOutcome, readPinterestVectors, vectorRounds } from '../support/pinterest-vectors';
import { startTestWorker, type TestWorker } from '../support/worker';

const bootstrap = stackConfig();
const kafka: Kafka = createKafka(bootstrap);
const db = createPgPool(bootstrap);
const s3 = createS3(bootstrap);
let topics: Record<PinterestType, string>;
let tw: TestWorker;
let bucket: string;

const backfill = async (input: BackfillInput) =>
  tw.client.workflow.execute(backfillWorkflow, {
    taskQueue: tw.taskQueue,
    workflowId: uniqueName('pinterest-backfill'),
    args: [{ bucket, dataset: 'pinterest', ...input }],
  });

/** Next start offset of each type's partition-0 sink objects written by the vector test. */
const nextOffset: Record<PinterestType, number> = { pin: 0, geo: 0, user: 0 };

/** One sink object of `lines` for `type`; returns the positions of its lines. */
async function putSinkObject(type: PinterestType, lines: string[], prefix = 'topics/'): Promise<string[]> {
  const topic = topics[type];
  const key = sinkObjectKey(prefix, topic, 0, nextOffset[type]);
  nextOffset[type] += lines.length;
  const etag = await putObject(s3, bucket, key, lines.map((l) => `${l}\n`).join(''));
  return lines.map((_, i) => s3Position(bucket, key, etag, i + 1));
}

beforeAll(async () => {
  await migrate(db, readMigrations(INSTALLED_DATASETS.migrationDirs));
  await truncatePinterest(db, 'all');
  const fresh = await newPinterestTopics(kafka, 3);
  topics = fresh.topics;
  bucket = await createBucket(s3, 'pinterest-batch');
  tw = await startTestWorker({ config: stackConfig(fresh.env), db, kafka, s3 });
});

afterAll(async () => {
  await tw?.close();
  await deleteCreatedBuckets(s3);
  await db.end();
  s3.destroy();
});

describe('Pinterest batch path (S3 sink objects)', () => {
  it('lands every test vector sent as a sink object line as the contract says', async () => {
    const vectors = readPinterestVectors();
    for (const round of vectorRounds(vectors)) {
      for (const type of PINTEREST_TYPES) {
        const stored = round.filter((v) => v.type === type).flatMap((v) => v.stored ?? []);
        if (stored.length) await putSinkObject(type, stored);
      }
      await backfill({});
      const positions = new Map<(typeof round)[number], string>();
      let objects = 0;
      for (const type of PINTEREST_TYPES) {
        const mine = round.filter((v) => v.type === type);
        if (mine.length === 0) continue;
        const at = await putSinkObject(
          type,
          mine.map((v) => v.raw),
        );
        mine.forEach((v, i) => positions.set(v, at[i]!));
        objects++;
      }
      const summary = await backfill({});
      expect(summary.failed).toEqual([]);
      // Only the new objects: those of earlier rounds are loaded at their ETag already.
      expect(summary.loaded).toHaveLength(objects);
      const outcomes = await outcomesUnder(db, `s3:${bucket}/`);
      for (const v of round) await expectVectorOutcome(db, v, outcomes.get(positions.get(v)!));
      await truncatePinterest(db, 'rows');
    }
  });

  it('adds only duplicates and its own rejects when 10,000 posts already ingested live arrive as sink objects', async () => {
    await truncatePinterest(db, 'all');
    const messages = [...pinterestTraffic({ posts: 10_000, seed: 'pinterest-batch-test' })];
    const expected = expectedTotals(messages);
    for (const type of PINTEREST_TYPES) {
      await tw.client.workflow.start(liveIngestWorkflow, {
        taskQueue: tw.taskQueue,
        workflowId: `ingest-${topics[type]}`,
        args: [{ topic: topics[type], dataset: 'pinterest', limits: { maxWaitMs: 300 } }],
      });
    }
    await producePinterest(kafka, topics, messages, 3);
    for (const type of PINTEREST_TYPES) {
      await waitFor(
        () => committedOffsets(db, topics[type]),
        (n) => n === expected[type].consumed,
        { what: `${topics[type]} to commit` },
      );
      const handle = tw.client.workflow.getHandle(`ingest-${topics[type]}`);
      await handle.signal(drainSignal);
      await handle.result();
    }
    const live = await storedTotals(db);
    for (const type of PINTEREST_TYPES) {
      expect(live[type]).toEqual({
        rows: expected[type].rows,
        duplicates: expected[type].duplicates,
        rejects: expected[type].rejects,
      });
    }

    const prefix = `${uniqueName('archive')}/`;
    let objects = 0;
    for (const o of sinkObjects(messages, { topics, prefix, partitions: 3, flushSize: 2_000 })) {
      await putObject(s3, bucket, o.key, o.body);
      objects++;
    }
    const summary = await backfill({ prefix });
    expect(summary.failed).toEqual([]);
    expect(summary.loaded).toHaveLength(objects);
    const after = await storedTotals(db);
    for (const type of PINTEREST_TYPES) {
      const e = expected[type];
      // The batch's records that pass the checks are all stored already: duplicates, never rows.
      expect({ type, ...after[type] }).toEqual({
        type,
        rows: e.rows,
        duplicates: e.duplicates + e.rows + e.duplicates,
        rejects: e.rejects * 2,
      });
    }
    const consumed = PINTEREST_TYPES.reduce((n, t) => n + expected[t].consumed, 0);
    expect(summary.insertedByKind).toEqual({
      row: 0,
      duplicate: consumed - PINTEREST_TYPES.reduce((n, t) => n + expected[t].rejects, 0),
      reject: PINTEREST_TYPES.reduce((n, t) => n + expected[t].rejects, 0),
    });

    // The same objects at the same ETags: skipped, nothing written.
    const again = await backfill({ prefix });
    expect({ loaded: again.loaded.length, skipped: again.skipped.length }).toEqual({
      loaded: 0,
      skipped: objects,
    });
    expect(await storedTotals(db)).toEqual(after);

    // A rewritten object (new ETag) is new positions: duplicates (and its rejects), rows untouched.
    const first = sinkObjects(messages, { topics, prefix, partitions: 3, flushSize: 2_000 }).next().value!;
    await putObject(s3, bucket, first.key, `${first.body}${first.body.split('\n')[0]}\n`);
    const rewritten = await backfill({ prefix });
    expect(rewritten.loaded.map((l) => l.key)).toEqual([first.key]);
    const final = await storedTotals(db);
    const added = (t: PinterestType) =>
      final[t].duplicates + final[t].rejects - after[t].duplicates - after[t].rejects;
    expect(PINTEREST_TYPES.map((t) => final[t].rows)).toEqual(PINTEREST_TYPES.map((t) => after[t].rows));
    expect(PINTEREST_TYPES.reduce((n, t) => n + added(t), 0)).toBe(first.records + 1);
  });
});
