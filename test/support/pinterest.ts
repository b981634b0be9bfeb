import type { Kafka } from 'kafkajs';
import { expect } from 'vitest';
import type { Pool } from 'pg';
import { PINTEREST_TYPES, type PinterestType } from '../../datasets/pinterest/rules';
import { TABLE_OF } from '../../datasets/pinterest/stored-rows';
import type { PinterestMessage, PinterestTally } from '../../datasets/pinterest/simulator/traffic';
import { uniqueName } from './env';
import { createTopics } from './kafka';

/** Fresh topics for the three record types, and the config overrides that name them. */
export async function newPinterestTopics(
  kafka: Kafka,
  partitions: number,
): Promise<{ topics: Record<PinterestType, string>; env: Record<string, string> }> {
  const base = uniqueName('pinterest');
  const topics = { pin: `${base}.pin`, geo: `${base}.geo`, user: `${base}.user` };
  await createTopics(
    kafka,
    PINTEREST_TYPES.map((t) => topics[t]),
    partitions,
  );
  const env = {
    PINTEREST_TOPIC_PIN: topics.pin,
    PINTEREST_TOPIC_GEO: topics.geo,
    PINTEREST_TOPIC_USER: topics.user,
  };
  return { topics, env };
}

export type Outcome = { kind: 'row' | 'duplicate' | 'rejected'; reason: string | null };

/** Every recorded outcome of a topic's positions, by position; a position recorded twice throws. */
export function outcomesOf(db: Pool, topic: string): Promise<Map<string, Outcome>> {
  return outcomesUnder(db, `kafka:${topic}:`);
}

/** The outcome of every position starting with `prefix` (e.g. `s3:<bucket>/`); two is an error. */
export async function outcomesUnder(db: Pool, prefix: string): Promise<Map<string, Outcome>> {
  const { rows } = await db.query<Outcome & { source_position: string }>(
    `select source_position(source_id, source_seq), 'row' as kind, null as reason from pinterest.row_origin where source_id in (select source_id from position_source where prefix like $1)
     union all select source_position(source_id, source_seq), 'duplicate', null from pinterest.duplicate_record where source_id in (select source_id from position_source where prefix like $1)
     union all select source_position(source_id, source_seq), 'rejected', reason from pinterest.rejected_record where source_id in (select source_id from position_source where prefix like $1)`,
    [`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
  );
  const outcomes = new Map<string, Outcome>();
  for (const r of rows) {
    if (outcomes.has(r.source_position)) throw new Error(`${r.source_position} has two outcomes`);
    outcomes.set(r.source_position, { kind: r.kind, reason: r.reason });
  }
  return outcomes;
}

/** Sum of the topic's checkpoints: how many messages the live ingest has committed. */
export async function committedOffsets(db: Pool, topic: string): Promise<number> {
  const { rows } = await db.query<{ n: string | null }>(
    'select sum(next_offset) as n from ingest_checkpoint where topic = $1',
    [topic],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Per type, what the database holds: rows, duplicates, rejects (all positions, all sources). */
export async function storedTotals(
  db: Pool,
): Promise<Record<PinterestType, { rows: number; duplicates: number; rejects: number }>> {
  const { rows } = await db.query<{ type: PinterestType; rows: number; duplicates: number; rejects: number }>(
    `select t.type,
       (select count(*)::int from pinterest.row_origin o where o.record_type = t.type) as rows,
       (select count(*)::int from pinterest.duplicate_record d where d.record_type = t.type) as duplicates,
       (select count(*)::int from pinterest.rejected_record r where r.record_type = t.type) as rejects
     from unnest($1::text[]) as t(type)`,
    [PINTEREST_TYPES],
  );
  return Object.fromEntries(
    rows.map((r) => [r.type, { rows: r.rows, duplicates: r.duplicates, rejects: r.rejects }]),
  ) as Record<PinterestType, { rows: number; duplicates: number; rejects: number }>;
}

/** Empties the Pinterest tables (the test database is this run's own). */
export async function truncatePinterest(db: Pool, what: 'rows' | 'all'): Promise<void> {
  const rows = 'pinterest.pin, pinterest.geo, pinterest."user", pinterest.row_origin';
  await db.query(
    `truncate ${what === 'rows' ? rows : `${rows}, pinterest.duplicate_record, pinterest.rejected_record`}`,
  );
}

/**
 * Per type, the database holds exactly the rows, duplicates and rejects the traffic implies, and
 * the row table as many rows as row_origin says.
 */
export async function expectStoredAsImplied(db: Pool, expected: PinterestTally): Promise<void> {
  const stored = await storedTotals(db);
  for (const type of PINTEREST_TYPES) {
    const e = expected[type];
    expect({ type, ...stored[type] }).toEqual({
      type,
      rows: e.rows,
      duplicates: e.duplicates,
      rejects: e.rejects,
    });
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from ${TABLE_OF[type]}`);
    expect(rows[0]!.n).toBe(e.rows);
  }
}

/** Produces each type's messages to its topic, round robin over `partitions`, acks=all. */
export async function producePinterest(
  kafka: Kafka,
  topics: Record<PinterestType, string>,
  messages: readonly PinterestMessage[],
  partitions: number,
): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (const type of PINTEREST_TYPES) {
      const values = messages.filter((m) => m.type === type).map((m) => m.value);
      for (let i = 0; i < values.length; i += 2000) {
        await producer.send({
          topic: topics[type],
          acks: -1,
          messages: values.slice(i, i + 2000).map((value, j) => ({ value, partition: (i + j) % partitions })),
        });
      }
    }
  } finally {
    await producer.disconnect();
  }
}
