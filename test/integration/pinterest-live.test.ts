import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../../db/migrate';
import { INSTALLED_DATASETS } from '../../datasets';
import { kafkaPosition } from '../../pipeline/position';
import { PINTEREST_TYPES, type PinterestType } from '../../datasets/pinterest/rules';
import { expectedTotals, pinterestTraffic } from '../../datasets/pinterest/simulator/traffic';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { drainSignal, liveIngestStatsQuery, liveIngestWorkflow } from '../../workflows/ingest';
import { waitFor } from '../support/catalogue';
import { stackConfig } from '../support/env';
import {
  committedOffsets,
  expectStoredAsImplied,
  newPinterestTopics,
  outcomesOf,
  type Outcome,
  storedTotals,
  truncatePinterest,
} from '../support/pinterest';
import { expectVectorOutcome, readPinterestVectors, vectorRounds } from '../support/pinterest-vectors';
import { startTestWorker, type TestWorker } from '../support/worker';

const vectors = readPinterestVectors();

const PARTITIONS = 3;
const bootstrap = stackConfig();
const kafka: Kafka = createKafka(bootstrap);
const db = createPgPool(bootstrap);
const s3 = createS3(bootstrap);
let topics: Record<PinterestType, string>;
let tw: TestWorker;
/** Next offset of partition 0 of each topic: vectors go there, one at a time, so offsets are known. */
const next: Record<PinterestType, number> = { pin: 0, geo: 0, user: 0 };
/** The pin topic's checkpoints where the generated traffic starts, to read it again from there. */
let pinCheckpointsBefore: { partition: number; next_offset: string }[] = [];

async function produce(type: PinterestType, values: string[], partition?: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < values.length; i += 1000) {
    await producer.send({
      topic: topics[type],
      acks: -1,
      messages: values
        .slice(i, i + 1000)
        .map((value, j) => ({ value, partition: partition ?? (i + j) % PARTITIONS })),
    });
  }
  await producer.disconnect();
}

/** Produces to partition 0 and returns the positions the values got. */
async function produceInOrder(type: PinterestType, values: string[]): Promise<string[]> {
  await produce(type, values, 0);
  return values.map(() => kafkaPosition(topics[type], 0, next[type]++));
}

async function untilCommitted(expected: Record<PinterestType, number>): Promise<void> {
  for (const type of PINTEREST_TYPES) {
    await waitFor(
      () => committedOffsets(db, topics[type]),
      (n) => n === expected[type],
      { what: `${topics[type]} to commit ${expected[type]} messages` },
    );
  }
}

const stats = (type: PinterestType) =>
  tw.client.workflow.getHandle(`ingest-${topics[type]}`).query(liveIngestStatsQuery);

beforeAll(async () => {
  await migrate(db, readMigrations(INSTALLED_DATASETS.migrationDirs));
  // Files share this run's database: start from no Pinterest rows at all.
  await truncatePinterest(db, 'all');
  const fresh = await newPinterestTopics(kafka, PARTITIONS);
  topics = fresh.topics;
  tw = await startTestWorker({ config: stackConfig(fresh.env), db, kafka, s3 });
  for (const type of PINTEREST_TYPES) {
    await tw.client.workflow.start(liveIngestWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: `ingest-${topics[type]}`,
      args: [{ topic: topics[type], dataset: 'pinterest', limits: { maxWaitMs: 300 } }],
    });
  }
});

afterAll(async () => {
  for (const type of PINTEREST_TYPES) {
    const handle = tw?.client.workflow.getHandle(`ingest-${topics[type]}`);
    await handle?.signal(drainSignal).catch(() => undefined);
    await handle?.result().catch(() => undefined);
  }
  await tw?.close();
  await db.end();
  s3.destroy();
});

describe('Pinterest live ingest', () => {
  it('lands every test vector sent through Kafka as the contract says', async () => {
    for (const round of vectorRounds(vectors)) {
      for (const v of round.filter((v) => v.stored)) await produceInOrder(v.type, v.stored!);
      await untilCommitted(next);
      const positions: string[] = [];
      for (const v of round) positions.push(...(await produceInOrder(v.type, [v.raw])));
      await untilCommitted(next);

      const outcomes = new Map<string, Outcome>();
      for (const type of PINTEREST_TYPES)
        for (const [p, o] of await outcomesOf(db, topics[type])) outcomes.set(p, o);
      for (const [i, v] of round.entries()) await expectVectorOutcome(db, v, outcomes.get(positions[i]!));
      await truncatePinterest(db, 'rows');
    }
    const reject = (await stats('pin')).rejectsByReason.conflicting_record ?? 0;
    expect(reject).toBe(vectors.filter((v) => v.type === 'pin' && v.reason === 'conflicting_record').length);
  });

  it('leaves exactly the rows, duplicates and rejects 10,000 generated posts imply', async () => {
    await truncatePinterest(db, 'all');
    const before = Object.fromEntries(
      await Promise.all(PINTEREST_TYPES.map(async (t) => [t, await stats(t)] as const)),
    ) as Record<PinterestType, Awaited<ReturnType<typeof stats>>>;
    const committedBefore = { ...next };
    for (const t of PINTEREST_TYPES) committedBefore[t] = await committedOffsets(db, topics[t]);

    pinCheckpointsBefore = (
      await db.query<{ partition: number; next_offset: string }>(
        'select partition, next_offset from ingest_checkpoint where topic = $1',
        [topics.pin],
      )
    ).rows;
    const messages = [...pinterestTraffic({ posts: 10_000, seed: 'pinterest-live-test' })];
    const expected = expectedTotals(messages);
    for (const type of PINTEREST_TYPES) {
      await produce(
        type,
        messages.filter((m) => m.type === type).map((m) => m.value),
      );
    }
    const target = { ...committedBefore };
    for (const t of PINTEREST_TYPES) target[t] += expected[t].consumed;
    await untilCommitted(target);

    await expectStoredAsImplied(db, expected);
    const stored = await storedTotals(db);
    for (const type of PINTEREST_TYPES) {
      const e = expected[type];
      // Per type, consumed = rows + duplicates + rejects, from the database alone.
      const consumed = (await committedOffsets(db, topics[type])) - committedBefore[type];
      expect(consumed).toBe(stored[type].rows + stored[type].duplicates + stored[type].rejects);

      const after = await stats(type);
      const delta = (k: string) => (after.inserted[k] ?? 0) - (before[type].inserted[k] ?? 0);
      expect({
        type,
        consumed: after.consumed - before[type].consumed,
        row: delta('row'),
        duplicate: delta('duplicate'),
        reject: delta('reject'),
      }).toEqual({
        type,
        consumed: e.consumed,
        row: e.rows,
        duplicate: e.duplicates,
        reject: e.rejects,
      });
      for (const [reason, n] of Object.entries(e.rejectsByReason)) {
        expect(after.rejectsByReason[reason]! - (before[type].rejectsByReason[reason] ?? 0)).toBe(n);
      }
    }
  });

  it('changes nothing when the generated traffic is read again', async () => {
    const handle = tw.client.workflow.getHandle(`ingest-${topics.pin}`);
    await handle.signal(drainSignal);
    await handle.result();
    const totals = await storedTotals(db);
    const committed = await committedOffsets(db, topics.pin);
    const rewound = pinCheckpointsBefore.reduce((n, c) => n + Number(c.next_offset), 0);
    await db.query(
      `update ingest_checkpoint c set next_offset = coalesce(b.next_offset, 0)
       from ingest_checkpoint c2 left join unnest($2::int[], $3::bigint[]) as b(partition, next_offset)
         on b.partition = c2.partition
       where c.topic = $1 and c2.topic = c.topic and c2.partition = c.partition`,
      [
        topics.pin,
        pinCheckpointsBefore.map((c) => c.partition),
        pinCheckpointsBefore.map((c) => c.next_offset),
      ],
    );
    await tw.client.workflow.start(liveIngestWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: `ingest-${topics.pin}`,
      args: [{ topic: topics.pin, dataset: 'pinterest', limits: { maxWaitMs: 300 } }],
    });
    await waitFor(
      () => committedOffsets(db, topics.pin),
      (n) => n === committed,
      { what: 'the pin topic to be read again' },
    );
    expect(await storedTotals(db)).toEqual(totals);
    const again = await stats('pin');
    expect(again.alreadyLoaded).toBe(committed - rewound);
    expect(again.inserted).toEqual({ row: 0, duplicate: 0, reject: 0 });
  });
});
