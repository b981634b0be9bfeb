import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/paths';
import { PINTEREST_VIEWS } from '../../datasets/pinterest/views';
import { TEST_DATABASE } from '../support/env';
import { EXPECTED_PINTEREST_VIEWS, pinterestDatabase } from '../support/pinterest-insights';

/** `museum-etl report pinterest`, the built CLI, reading the fixed data set as the reporting login. */
pinterestDatabase();

function report(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'museum-etl.js'), 'report', ...args], {
    env: { ...process.env, MUSEUM_ENV: 'local', PGDATABASE: TEST_DATABASE, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('museum-etl report pinterest', () => {
  it('prints each view as JSON, equal to the hand-computed answers', () => {
    for (const { name } of PINTEREST_VIEWS) {
      const out = report('pinterest', name, '--json');
      expect(out.code, out.stderr).toBe(0);
      expect(JSON.parse(out.stdout), name).toEqual(EXPECTED_PINTEREST_VIEWS[name]);
    }
  });

  it('accepts the full view name and prints all nine by name without one', () => {
    const full = report('pinterest', 'reporting.pinterest_top_category_by_year', '--json');
    expect(JSON.parse(full.stdout)).toEqual(EXPECTED_PINTEREST_VIEWS.top_category_by_year);
    const all = report('pinterest', '--json');
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual(EXPECTED_PINTEREST_VIEWS);
  });

  it('prints tables headed by each view and its description', () => {
    const out = report('pinterest');
    expect(out.code, out.stderr).toBe(0);
    for (const v of PINTEREST_VIEWS) expect(out.stdout).toContain(`${v.name}: ${v.description}`);
    const one = report('pinterest', 'top_user_by_country');
    expect(one.stdout.split('\n').slice(0, 2)).toEqual([
      'COUNTRY  POSTER_NAME  FOLLOWER_COUNT',
      'Chad     Dee          50',
    ]);
  });

  it('refuses an unknown view with exit 2, listing the valid ones', () => {
    const out = report('pinterest', 'top_category_by_planet');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/unknown view "top_category_by_planet"/);
    for (const v of PINTEREST_VIEWS) expect(out.stderr).toContain(v.name);
  });

  it('shows the views and examples under --help', () => {
    const out = report('pinterest', '--help');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Examples:/);
    expect(out.stdout).toContain('median_followers_by_join_year_and_age_group');
  });
});
