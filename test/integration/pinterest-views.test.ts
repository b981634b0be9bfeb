import { Client as PgClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { PINTEREST_VIEWS, readPinterestView } from '../../datasets/pinterest/views';
import { pgPoolConfig } from '../../worker/connections';
import { EXPECTED_PINTEREST_VIEWS, pinterestDatabase } from '../support/pinterest-insights';

/**
 * The nine analysis views of docs/spec/pinterest-posts.md against answers worked out by hand on the
 * small fixed data set of test/support/pinterest-insights.ts.
 */
const { config, db } = pinterestDatabase();

describe('reporting.pinterest_* views', () => {
  it.each(PINTEREST_VIEWS.map((v) => v.name))('%s answers as worked out by hand', async (name) => {
    expect(await readPinterestView(db, name)).toEqual(EXPECTED_PINTEREST_VIEWS[name]);
  });

  it.each(PINTEREST_VIEWS.map((v) => v.name))('%s has exactly the columns read', async (name) => {
    const { fields } = await db.query(`select * from reporting.pinterest_${name} limit 0`);
    expect(fields.map((f) => f.name)).toEqual(Object.keys(EXPECTED_PINTEREST_VIEWS[name][0]!));
  });

  it('the reporting role reads the views and nothing of the pinterest schema', async () => {
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
