import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { createLiveEventGenerator, runLiveSimulator } from '../../datasets/kiosk/simulator';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { drainSignal, liveIngestStatsQuery, liveIngestWorkflow } from '../../workflows/ingest';
import { seedReferenceCatalogue, waitFor } from '../support/catalogue';
import { stackConfig } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { crashPostgres } from '../support/postgres-crash';
import { storedFromTopic } from '../support/kiosk-outcomes';
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

const outcomes = (topic: string) => storedFromTopic(db, topic);

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
  it('keeps each batch in the worker through a crash between its stages, and loads every event exactly once', async () => {
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
    // The batches wait in the worker's memory, not in PostgreSQL: a crash loses none of them, so
    // nothing is extracted again; the loads retry until PostgreSQL is back.
    expect(stats.restaged).toBe(0);
    expect(stats.consumed).toBe(TOTAL);
    await handle.signal(drainSignal);
    await handle.result();
  }, 300_000);
});
