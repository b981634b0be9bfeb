import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardFixture } from '../support/dashboard-fixture';
import { clearPinterestTables, loadPinterestFixture } from '../support/pinterest-insights';

/**
 * The Pinterest insights endpoints on the fixed data set of test/support/pinterest-insights.ts; the
 * answers below are that file's hand-computed view rows, reshaped as each endpoint promises.
 */
const TOKEN = 'dash-pinterest-test-token-0123456789';
const dash = dashboardFixture({ name: 'dash-pinterest', token: TOKEN, events: [] });
const { db, api, ok } = dash;

beforeAll(async () => {
  await loadPinterestFixture(db);
});

afterAll(async () => {
  await clearPinterestTables(db);
});

describe('Pinterest insights API on the fixed data set', () => {
  it('ranks each country by the posts of its top category, ties by country', async () => {
    expect(await ok('/api/pinterest/top-category-by-country')).toEqual({
      countryCount: 3,
      countries: [
        { country: 'France', category: 'art', posts: 2 },
        { country: 'Peru', category: 'food', posts: 2 },
        { country: 'Chad', category: 'Travel', posts: 1 },
      ],
    });
    expect(await ok('/api/pinterest/top-category-by-country?limit=1')).toEqual({
      countryCount: 3,
      countries: [{ country: 'France', category: 'art', posts: 2 }],
    });
  });

  it('gives the top category of each year, 2018 to 2022', async () => {
    expect(await ok('/api/pinterest/top-category-by-year')).toEqual({
      years: [
        { year: 2018, category: 'art', posts: 1 },
        { year: 2019, category: 'art', posts: 1 },
        { year: 2020, category: 'food', posts: 1 },
        { year: 2022, category: 'Travel', posts: 1 },
      ],
    });
  });

  it('gives the median followers and top category of each age group', async () => {
    expect(await ok('/api/pinterest/followers-by-age-group')).toEqual({
      ageGroups: [
        { ageGroup: '18-24', medianFollowers: 300, topCategory: 'art', topCategoryPosts: 1 },
        { ageGroup: '36-50', medianFollowers: 50, topCategory: 'Travel', topCategoryPosts: 1 },
        { ageGroup: '50+', medianFollowers: 460, topCategory: 'food', topCategoryPosts: 1 },
      ],
    });
  });

  it('gives the median followers per joining year, overall and per age group', async () => {
    expect(await ok('/api/pinterest/followers-by-join-year')).toEqual({
      years: [2015, 2016, 2020],
      medianFollowers: [60, 300, 50],
      ageGroups: [
        { ageGroup: '18-24', medianFollowers: [null, 300, null] },
        { ageGroup: '36-50', medianFollowers: [null, null, 50] },
        { ageGroup: '50+', medianFollowers: [20, null, null] },
      ],
    });
  });

  it('counts users joined per year, 2015 to 2020', async () => {
    expect(await ok('/api/pinterest/users-joined-by-year')).toEqual({
      total: 6,
      years: [
        { year: 2015, users: 3 },
        { year: 2016, users: 2 },
        { year: 2020, users: 1 },
      ],
    });
  });

  it('ranks the top poster of each country by followers and names the top country', async () => {
    expect(await ok('/api/pinterest/top-posters?limit=2')).toEqual({
      top: { country: 'France', posterName: 'Bob', followers: 300 },
      countries: [
        { country: 'France', posterName: 'Bob', followers: 300 },
        { country: 'Chad', posterName: 'Dee', followers: 50 },
      ],
    });
  });

  const bad: Array<[string, RegExp]> = [
    ['/api/pinterest/top-category-by-year?limit=5', /unknown parameter "limit"; this endpoint takes no/],
    [
      '/api/pinterest/top-posters?from=2020-01-01',
      /unknown parameter "from"; this endpoint takes only limit/,
    ],
    ['/api/pinterest/top-category-by-country?limit=0', /limit must be/],
    ['/api/pinterest/top-category-by-country?limit=2&limit=3', /given 2 times/],
    [`/api/pinterest/top-posters?limit=${'9'.repeat(200)}`, /too long/],
  ];
  it.each(bad)('%s is a 400 with a reason', async (path, reason) => {
    const { status, body } = await api(path);
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'bad_request', reason: expect.stringMatching(reason) });
  });

  it('serves the page and its script', async () => {
    for (const path of ['/pinterest', '/pinterest.js']) {
      const res = await fetch(new URL(path, dash.server.url), {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
  });

  it('answers with empty lists, not errors, before any post is loaded', async () => {
    await clearPinterestTables(db);
    try {
      expect(await ok('/api/pinterest/top-category-by-country')).toEqual({ countryCount: 0, countries: [] });
      expect(await ok('/api/pinterest/top-posters')).toEqual({ top: null, countries: [] });
      expect(await ok('/api/pinterest/followers-by-join-year')).toEqual({
        years: [],
        medianFollowers: [],
        ageGroups: [],
      });
      expect(await ok('/api/pinterest/users-joined-by-year')).toEqual({ total: 0, years: [] });
    } finally {
      await loadPinterestFixture(db);
    }
  });
});
