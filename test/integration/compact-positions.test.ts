import { Client as PgClient, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALLED_DATASETS } from '../../datasets';
import { migrate, readMigrations } from '../../db/migrate';
import { kafkaPosition, PositionSources, s3Position } from '../../pipeline/position';
import { stackConfig, uniqueName } from '../support/env';

/*
 * Migration 0015 and each dataset's conversion (kiosk 0016, pinterest 0017) turn positions stored
 * as text into (source_id, source_seq) losslessly; the readable form reads back the same, the
 * worker's split agrees with the migration's, and the unique index shrinks.
 */
const config = stackConfig();
const name = uniqueName('compact').replace(/-/g, '_');
let db: Pool;

/** S3 positions as the kiosk history stores them: ~80 bytes of text each. */
const HISTORY_POSITIONS = 100_000;
const historyPosition = (i: number) =>
  s3Position(
    'museum-history-exports',
    `lmnh_hist_data_${i % 10}.csv`,
    '9b2cf535f27731c974343645a3985328',
    i + 1,
  );

const kafkaRows = [kafkaPosition('lmnh', 0, 0), kafkaPosition('lmnh', 3, '9223372036854775807')];
const oddKey = s3Position('b', 'exports/a@b#c:d.csv', 'e1', 7);
const rejects = [kafkaPosition('lmnh.v2', 1, 42), oddKey];
const pinterest = {
  origin: kafkaPosition('pin', 0, 5),
  duplicate: kafkaPosition('pin', 0, 6),
  rejected: s3Position('sink', 'topics/pin/partition=0/pin+0+0000000000.json', 'abc', 3),
};

async function admin(sql: (c: PgClient) => string): Promise<void> {
  const c = new PgClient({ ...config.pg, database: 'postgres' });
  await c.connect();
  try {
    await c.query(sql(c));
  } finally {
    await c.end();
  }
}

async function indexBytes(index: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>('select pg_relation_size($1::regclass) as n', [index]);
  return Number(rows[0]!.n);
}

async function uniqueIndexOn(table: string): Promise<string> {
  const { rows } = await db.query<{ index: string }>(
    `select indexrelid::regclass::text as index from pg_index where indrelid = $1::regclass and indisunique
       and not indisprimary`,
    [table],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!.index;
}

const sizes = { old: 0, compact: 0 };

beforeAll(async () => {
  await admin((c) => `create database ${c.escapeIdentifier(name)}`);
  db = new Pool({ ...config.pg, database: name, max: 2 });
  const all = readMigrations(INSTALLED_DATASETS.migrationDirs);
  await migrate(
    db,
    all.filter((m) => m.version < 15),
  );

  // Rows as the previous schema stored them, text positions.
  await db.query(
    `insert into rating_interaction (exhibition_id, rating_id, event_at, source_position)
     select 1, 0, now(), p from unnest($1::text[]) as p`,
    [[...kafkaRows, ...Array.from({ length: HISTORY_POSITIONS }, (_, i) => historyPosition(i))]],
  );
  await db.query(
    `insert into rejected_event (source_position, raw, reason) select p, 'x', 'malformed' from unnest($1::text[]) p`,
    [rejects],
  );
  await db.query(
    `insert into pinterest.row_origin (record_type, ind, source_position) values ('pin', 1, $1)`,
    [pinterest.origin],
  );
  await db.query(
    `insert into pinterest.duplicate_record (record_type, ind, source_position) values ('pin', 1, $1)`,
    [pinterest.duplicate],
  );
  await db.query(
    `insert into pinterest.rejected_record (record_type, source_position, raw, reason) values ('pin', $1, 'x', 'malformed')`,
    [pinterest.rejected],
  );
  // Measured freshly built, as the conversion builds the new one.
  const old = await uniqueIndexOn('rating_interaction');
  await db.query(`reindex index ${old}`);
  sizes.old = await indexBytes(old);

  await migrate(db, all);
  // Fresh too: built in the migration's transaction, the new index also holds the old row versions
  // the conversion's update left, until a vacuum.
  const compact = await uniqueIndexOn('rating_interaction');
  const asMigrated = await indexBytes(compact);
  await db.query(`reindex index ${compact}`);
  sizes.compact = await indexBytes(compact);
  console.log(
    `unique position index of ${HISTORY_POSITIONS + kafkaRows.length} ratings (mostly S3 positions): ` +
      `text ${sizes.old} bytes, compact ${sizes.compact} bytes (${asMigrated} as the migration left it)`,
  );
}, 300_000);

afterAll(async () => {
  await db?.end();
  await admin((c) => `drop database if exists ${c.escapeIdentifier(name)} with (force)`);
});

async function readable(table: string): Promise<string[]> {
  const { rows } = await db.query<{ p: string }>(
    `select source_position(source_id, source_seq) as p from ${table}`,
  );
  return rows.map((r) => r.p);
}

describe('compact source positions', () => {
  it('converts every stored position losslessly, and reads back the same text', async () => {
    expect((await readable('rating_interaction')).sort()).toEqual(
      [...kafkaRows, ...Array.from({ length: HISTORY_POSITIONS }, (_, i) => historyPosition(i))].sort(),
    );
    expect((await readable('rejected_event')).sort()).toEqual([...rejects].sort());
    expect(await readable('pinterest.row_origin')).toEqual([pinterest.origin]);
    expect(await readable('pinterest.duplicate_record')).toEqual([pinterest.duplicate]);
    expect(await readable('pinterest.rejected_record')).toEqual([pinterest.rejected]);
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from position_source');
    // lmnh:0, lmnh:3, ten history files, lmnh.v2:1, the odd key, pin:0, the sink object.
    expect(rows[0]!.n).toBe(2 + 10 + 2 + 2);
  });

  it('gives the worker the ids the migration gave, so new rows meet old ones on the same key', async () => {
    const sources = new PositionSources(db);
    const positions = [kafkaRows[1]!, oddKey, historyPosition(41)];
    const { ids, seqs } = await sources.compactAll(positions);
    const { rows } = await db.query<{ p: string }>(
      'select source_position(id, seq) as p from unnest($1::int[], $2::bigint[]) as u(id, seq)',
      [ids, seqs],
    );
    expect(rows.map((r) => r.p)).toEqual(positions);
    await expect(
      db.query(
        `insert into rating_interaction (exhibition_id, rating_id, event_at, source_id, source_seq)
         values (1, 0, now(), $1, $2)`,
        [ids[2], seqs[2]],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('keeps the unique index smaller than the text one', () => {
    expect(sizes.compact).toBeGreaterThan(0);
    expect(sizes.compact).toBeLessThan(sizes.old);
  });
});
