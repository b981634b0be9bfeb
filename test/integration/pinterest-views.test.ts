import { Client as PgClient, type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLoginRole } from '../../activities/seed';
import { migrate } from '../../db/migrate';
import { createPgPool, pgPoolConfig } from '../../worker/connections';
import { PINTEREST_VIEWS, readPinterestView } from '../../db/pinterest-views';
import { stackConfig } from '../support/env';
import {
  clearPinterestTables,
  EXPECTED_PINTEREST_VIEWS,
  loadPinterestFixture,
} from '../support/pinterest-insights';

/**
 * The nine analysis views of docs/spec/pinterest-posts.md against answers worked out by hand on the
 * small fixed data set of test/support/pinterest-insights.ts.
 */
const config = stackConfig();
let db: Pool;

beforeAll(async () => {
  db = createPgPool(config);
  await migrate(db);
  await loadPinterestFixture(db);
});

afterAll(async () => {
  await clearPinterestTables(db);
  await db.end();
});

describe('reporting.pinterest_* views', () => {
  it.each(PINTEREST_VIEWS.map((v) => v.name))('%s answers as worked out by hand', async (name) => {
    expect(await readPinterestView(db, name)).toEqual(EXPECTED_PINTEREST_VIEWS[name]);
  });

  it.each(PINTEREST_VIEWS.map((v) => v.name))('%s has exactly the columns read', async (name) => {
    const { fields } = await db.query(`select * from reporting.pinterest_${name} limit 0`);
    expect(fields.map((f) => f.name)).toEqual(Object.keys(EXPECTED_PINTEREST_VIEWS[name][0]!));
  });

  it('the reporting role reads the views and nothing of the pinterest schema', async () => {
    if (config.pg.readerPassword !== undefined) {
      await ensureLoginRole(db, config.pg.readerUser, config.pg.readerPassword, 'museum_reporting');
    }
    const reader = new PgClient({
      ...pgPoolConfig(config),
      user: config.pg.readerUser,
      password: config.pg.readerPassword,
    });
    await reader.connect();
    try {
      const { rows } = await reader.query(
        'select count(*)::int as n from reporting.pinterest_top_category_by_country',
      );
      expect(rows).toEqual([{ n: 3 }]);
      for (const sql of [
        'select * from pinterest.pin limit 1',
        'select * from pinterest.rejected_record limit 1',
      ]) {
        await expect(reader.query(sql), sql).rejects.toThrow(/permission denied/);
      }
    } finally {
      await reader.end();
    }
  });
});
