import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaPosition, positionSources } from '../../pipeline/position';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { liveIngestWorkflow } from '../../workflows/ingest';
import { seedReferenceCatalogue } from '../support/catalogue';
import { stackConfig } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { startTestWorker, type TestWorker } from '../support/worker';

/*
 * The live path COPYs each batch straight into the final tables, which keep no foreign keys
 * (datasets/kiosk/migrations/0014_cheap_loads.sql): a position another path stored first is
 * skipped, never doubled, and the catalogue refuses to lose what interactions refer to.
 */
const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const s3 = createS3(config);
let tw: TestWorker;

// Within opening hours (the spec's vectors use this day).
const rating = (site: string, val: number) => JSON.stringify({ at: '2026-02-24T10:18:22+00:00', site, val });

beforeAll(async () => {
  tw = await startTestWorker({ config, db, kafka, s3 });
  await seedReferenceCatalogue(tw, s3);
});

afterAll(async () => {
  await tw?.close();
  await db.end();
  s3.destroy();
});

describe('final tables', () => {
  it('skips positions another path stored first, and stores the rest of the batch once', async () => {
    const topic = await createTestTopic(kafka, 'final-tables');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [rating('1', 3), rating('2', 4), '{not json', rating('3', 0)].map((value) => ({
        value,
        partition: 0,
      })),
    });
    await producer.disconnect();
    // As a replay would have: offset 0 already a rating, offset 2 already a reject.
    const [first, , third] = [0, 1, 2].map((o) => kafkaPosition(topic, 0, String(o)));
    const { rows } = await db.query<{ id: number }>(`select exhibition_id as id from exhibition limit 1`);
    const at = await positionSources(db).compactAll([first!, third!]);
    await db.query(
      `insert into rating_interaction (exhibition_id, rating_id, event_at, source_id, source_seq)
       values ($1, 1, now(), $2, $3)`,
      [rows[0]!.id, at.ids[0], at.seqs[0]],
    );
    await db.query(
      `insert into rejected_event (source_id, source_seq, raw, reason) values ($1, $2, 'x', 'malformed')`,
      [at.ids[1], at.seqs[1]],
    );

    const stats = await tw.client.workflow.execute(liveIngestWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: `ingest-${topic}`,
      args: [{ topic, dataset: 'kiosk', limit: 4, limits: { maxWaitMs: 300 } }],
    });
    expect(stats.consumed).toBe(4);
    expect(stats.alreadyLoaded).toBe(2);
    const { rows: stored } = await db.query<{ position: string; n: number }>(
      `select s.source_position as position, count(*)::int as n from (
         select source_position(source_id, source_seq) from rating_interaction
         union all select source_position(source_id, source_seq) from rejected_event
       ) s where s.source_position like $1 group by 1 order by 1`,
      [`kafka:${topic}:%`],
    );
    expect(stored.map((r) => r.n)).toEqual([1, 1, 1, 1]);
    const { rows: kept } = await db.query<{ rating_id: number }>(
      'select rating_id from rating_interaction where (source_id, source_seq) = (select * from position_key($1))',
      [first],
    );
    expect(kept).toEqual([{ rating_id: 1 }]);
  });

  it('refuses to delete an exhibition, rating or request type that interactions refer to', async () => {
    const { rows } = await db.query<{ exhibition_id: number; rating_id: number }>(
      'select exhibition_id, rating_id from rating_interaction limit 1',
    );
    const used = rows[0]!;
    const client = await db.connect();
    try {
      for (const [sql, params] of [
        ['delete from exhibition where exhibition_id = $1', [used.exhibition_id]],
        ['delete from rating where rating_id = $1', [used.rating_id]],
        ['update rating set rating_id = 9 where rating_id = $1', [used.rating_id]],
      ] as const) {
        await client.query('begin');
        await expect(client.query(sql, [...params])).rejects.toMatchObject({ code: '23503' });
        await client.query('rollback');
      }
      // One nothing refers to goes.
      await client.query('begin');
      const { rows: added } = await client.query<{ id: number }>(
        `insert into exhibition (exhibition_name, department_id, floor_id, exhibition_start_date, public_id)
         select 'Unused', department_id, floor_id, current_date, 'EXH_99' from exhibition limit 1
         returning exhibition_id as id`,
      );
      const deleted = await client.query('delete from exhibition where exhibition_id = $1', [added[0]!.id]);
      expect(deleted.rowCount).toBe(1);
      await client.query('rollback');
    } finally {
      client.release();
    }
  });
});
