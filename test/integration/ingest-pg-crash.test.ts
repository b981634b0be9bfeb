import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { createLiveEventGenerator, runLiveSimulator } from '../../datasets/kiosk/simulator';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { drainSignal, liveIngestStatsQuery, liveIngestWorkflow } from '../../workflows/ingest';
import { seedReferenceCatalogue, waitFor } from '../support/catalogue';
import { stackConfig } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { crashPostgres } from '../support/postgres-crash';
import { startTestWorker, type TestWorker } from '../support/worker';

const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const s3 = createS3(config);
const TOTAL = 5_000;
const PARTITIONS = 2;
let tw: TestWorker;
const crashes: string[] = [];

/** The real activities, with PostgreSQL crashed once after an extract and once after a transform. */
function crashingBetweenStages(real: Activities): Activities {
  let extracts = 0;
  let transforms = 0;
  return {
    ...real,
    async extractTopicBatch(input) {
      const batch = await real.extractTopicBatch(input);
      if (batch.messages > 0 && ++extracts === 2) {
        await crashPostgres();
        crashes.push(`after extract of ${batch.batchKey}`);
      }
      return batch;
    },
    async transformTopicBatch(input) {
      const result = await real.transformTopicBatch(input);
      if (++transforms === 4) {
        await crashPostgres();
        crashes.push(`after transform of ${input.batch.batchKey}`);
      }
      return result;
    },
  };
}

async function outcomes(topic: string) {
  const { rows } = await db.query<{ positions: string; stored: string; offsets: string }>(
    `with stored as (
       select source_position from rating_interaction where source_position like $1
       union all select source_position from request_interaction where source_position like $1
       union all select source_position from rejected_event where source_position like $1)
     select (select count(distinct source_position) from stored) as positions,
            (select count(*) from stored) as stored,
            (select coalesce(sum(next_offset), 0) from ingest_checkpoint where topic = $2) as offsets`,
    [`kafka:${topic}:%`, topic],
  );
  return {
    positions: Number(rows[0]!.positions),
    stored: Number(rows[0]!.stored),
    offsets: Number(rows[0]!.offsets),
  };
}

beforeAll(async () => {
  tw = await startTestWorker({ config, db, kafka, s3, wrap: crashingBetweenStages });
  await seedReferenceCatalogue(tw, s3);
});

afterAll(async () => {
  await tw?.close();
  await db.end();
  s3.destroy();
});

describe('PostgreSQL crash between stages', () => {
  it('extracts a batch again when a crash emptied its staging, and loads every event exactly once', async () => {
    const topic = await createTestTopic(kafka, 'pgcrash', PARTITIONS);
    const producer = kafka.producer();
    await producer.connect();
    const generator = createLiveEventGenerator({ seed: 'pg-crash', faultFraction: 0.15 });
    await runLiveSimulator({
      producer,
      topic,
      generator,
      maxRate: true,
      count: TOTAL,
      partitions: PARTITIONS,
    });
    await producer.disconnect();

    const handle = await tw.client.workflow.start(liveIngestWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: `ingest-${topic}`,
      // Small batches, so the crashes fall between the stages of batches in the middle of the run.
      args: [{ topic, limits: { maxMessages: 500, targetMessages: 500, lingerMs: 100, maxWaitMs: 1000 } }],
    });
    const final = await waitFor(
      async () => outcomes(topic).catch(() => ({ positions: -1, stored: -1, offsets: -1 })),
      (o) => o.offsets >= TOTAL,
      { what: 'every offset committed after two crashes', timeoutMs: 240_000, intervalMs: 500 },
    );
    expect(crashes).toHaveLength(2);
    expect(final).toEqual({ positions: TOTAL, stored: TOTAL, offsets: TOTAL });
    const stats = await handle.query(liveIngestStatsQuery);
    expect(stats.restaged).toBeGreaterThanOrEqual(2);
    expect(stats.consumed).toBe(TOTAL);
    await handle.signal(drainSignal);
    await handle.result();
  }, 300_000);
});
