/**
 * A small fixed Pinterest data set that exercises every rule of the analysis views (ties in
 * code-point order, year windows, age-group edges 17/18/50/51, posts lacking a record, NULL poster
 * names and follower counts), and the answers to each view worked out by hand. The views test, the
 * `report pinterest` test and the dashboard's Pinterest tests all read this one copy.
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { ensureLoginRole } from '../../activities/seed';
import type { Config } from '../../config';
import { migrate, readMigrations } from '../../db/migrate';
import { INSTALLED_DATASETS } from '../../datasets';
import type { PinterestViewName } from '../../datasets/pinterest/views';
import { createPgPool } from '../../worker/connections';
import { stackConfig } from './env';

// ind, category, poster_name, follower_count
const pins: Array<[number, string, string | null, number | null]> = [
  [1, 'art', 'Ann', 100],
  [2, 'art', 'Bob', 300],
  [3, 'travel', 'Cy', 300],
  [4, 'Travel', 'Dee', 50], // 'T' (0x54) sorts before 'a' (0x61) and 't' in code-point order
  [5, 'travel', null, 900],
  [6, 'food', 'Eve', null],
  [7, 'food', 'Fay', 20],
  [8, 'art', 'Gus', 10], // no geo: in no pin ⋈ geo view
];
// ind, country, timestamp
const geos: Array<[number, string, string]> = [
  [1, 'France', '2018-03-01 00:00:00'],
  [2, 'France', '2019-01-01 00:00:00'],
  [3, 'France', '2019-06-01 00:00:00'],
  [4, 'Chad', '2022-12-31 23:59:59'],
  [5, 'Chad', '2017-12-31 23:59:59'], // before 2018: not in the per-year view
  [6, 'Peru', '2023-01-01 00:00:00'], // after 2022
  [7, 'Peru', '2020-05-05 00:00:00'],
  [9, 'Peru', '2020-05-05 00:00:00'], // no pin
];
// ind, age, date_joined
const users: Array<[number, number, string]> = [
  [1, 17, '2015-01-01 00:00:00'], // under 18: in no age group
  [2, 18, '2016-02-02 00:00:00'],
  [3, 24, '2016-03-03 00:00:00'],
  [4, 50, '2020-12-31 23:59:59'],
  [5, 51, '2014-12-31 23:59:59'], // joined before 2015
  [6, 36, '2021-01-01 00:00:00'], // joined after 2020; follower_count NULL
  [7, 99, '2015-07-07 00:00:00'],
  [10, 30, '2015-07-07 00:00:00'], // no pin: counts in users_joined only
];

/** Replaces whatever the Pinterest tables hold with the fixed data set (as the writer). */
export async function loadPinterestFixture(db: Pool): Promise<void> {
  await clearPinterestTables(db);
  await db.query(
    `insert into pinterest.pin (ind, unique_id, category, poster_name, follower_count)
     select i, gen_random_uuid(), c, n, f from unnest($1::int[], $2::text[], $3::text[], $4::int[]) as t(i, c, n, f)`,
    [pins.map((p) => p[0]), pins.map((p) => p[1]), pins.map((p) => p[2]), pins.map((p) => p[3])],
  );
  await db.query(
    `insert into pinterest.geo (ind, country, latitude, longitude, timestamp)
     select i, c, 0, 0, t from unnest($1::int[], $2::text[], $3::timestamp[]) as x(i, c, t)`,
    [geos.map((g) => g[0]), geos.map((g) => g[1]), geos.map((g) => g[2])],
  );
  await db.query(
    `insert into pinterest."user" (ind, user_name, age, date_joined)
     select i, 'U ' || i, a, d from unnest($1::int[], $2::smallint[], $3::timestamp[]) as x(i, a, d)`,
    [users.map((u) => u[0]), users.map((u) => u[1]), users.map((u) => u[2])],
  );
}

/**
 * The test database holding the fixed data set for one test file (vitest hooks): migrated, with the
 * local reporting login, and emptied again afterwards. `db` is the writer's pool.
 */
export function pinterestDatabase(): { config: Config; db: Pool } {
  const config = stackConfig();
  const db = createPgPool(config);
  beforeAll(async () => {
    await migrate(db, readMigrations(INSTALLED_DATASETS.migrationDirs));
    if (config.pg.readerPassword !== undefined) {
      await ensureLoginRole(db, config.pg.readerUser, config.pg.readerPassword, 'museum_reporting');
    }
    await loadPinterestFixture(db);
  });
  afterAll(async () => {
    await clearPinterestTables(db);
    await db.end();
  });
  return { config, db };
}

export async function clearPinterestTables(db: Pool): Promise<void> {
  await db.query('truncate pinterest.pin, pinterest.geo, pinterest."user"');
}

/** Each view's rows for the fixed data set, in the order readPinterestView gives them. */
export const EXPECTED_PINTEREST_VIEWS: Record<PinterestViewName, Array<Record<string, unknown>>> = {
  // Chad: Travel 1, travel 1 -> 'Travel' (T < t). France: art 2, travel 1. Peru: food 2.
  top_category_by_country: [
    { country: 'Chad', category: 'Travel', category_count: 1 },
    { country: 'France', category: 'art', category_count: 2 },
    { country: 'Peru', category: 'food', category_count: 2 },
  ],
  // 2018: art(1). 2019: art(2), travel(3) tie -> art. 2020: food(7). 2022: Travel(4).
  top_category_by_year: [
    { post_year: 2018, category: 'art', category_count: 1 },
    { post_year: 2019, category: 'art', category_count: 1 },
    { post_year: 2020, category: 'food', category_count: 1 },
    { post_year: 2022, category: 'Travel', category_count: 1 },
  ],
  // Chad: Dee 50 (ind 5 has no name). France: Bob 300 = Cy 300 -> Bob. Peru: Fay 20 (Eve has no count).
  top_user_by_country: [
    { country: 'Chad', poster_name: 'Dee', follower_count: 50 },
    { country: 'France', poster_name: 'Bob', follower_count: 300 },
    { country: 'Peru', poster_name: 'Fay', follower_count: 20 },
  ],
  top_country_by_followers: [{ country: 'France', poster_name: 'Bob', follower_count: 300 }],
  // 18-24: ind 2 art, ind 3 travel -> art. 36-50: ind 4 Travel, ind 6 food -> Travel. 50+: 5 travel, 7 food -> food.
  top_category_by_age_group: [
    { age_group: '18-24', category: 'art', category_count: 1 },
    { age_group: '36-50', category: 'Travel', category_count: 1 },
    { age_group: '50+', category: 'food', category_count: 1 },
  ],
  // 18-24: 300, 300 -> 300. 36-50: 50 (ind 6 NULL). 50+: 900, 20 -> 460.
  median_followers_by_age_group: [
    { age_group: '18-24', median_follower_count: 300 },
    { age_group: '36-50', median_follower_count: 50 },
    { age_group: '50+', median_follower_count: 460 },
  ],
  // 2015..2020 only, with or without a pin.
  users_joined_by_year: [
    { post_year: 2015, number_users_joined: 3 },
    { post_year: 2016, number_users_joined: 2 },
    { post_year: 2020, number_users_joined: 1 },
  ],
  // 2015: ind 1 (100), ind 7 (20) -> 60. 2016: 300, 300 -> 300. 2020: 50.
  median_followers_by_join_year: [
    { post_year: 2015, median_follower_count: 60 },
    { post_year: 2016, median_follower_count: 300 },
    { post_year: 2020, median_follower_count: 50 },
  ],
  // ind 1 is 17: in no group. 50+ 2015: ind 7 (20). 18-24 2016: 300. 36-50 2020: 50.
  median_followers_by_join_year_and_age_group: [
    { age_group: '18-24', post_year: 2016, median_follower_count: 300 },
    { age_group: '36-50', post_year: 2020, median_follower_count: 50 },
    { age_group: '50+', post_year: 2015, median_follower_count: 20 },
  ],
};
