/**
 * The Pinterest insights page's endpoints: each answers from the nine `reporting.pinterest_*` views
 * (read by views.ts, the same reader as `museum-etl report pinterest`), reshaped for
 * the charts. The views are small (a row per country, year or age group), so each is read whole.
 */
import type { Pool } from 'pg';
import { readPinterestView, type PinterestViewName } from './views';
import type { ApiRoute } from '../../dashboard/api-routes';
import { parseLimitOnly } from '../../dashboard/filters';

type PinterestRoute = Extract<ApiRoute, `/api/pinterest/${string}`>;
type Handler = (params: URLSearchParams) => Promise<unknown>;

interface Row {
  country: string;
  category: string;
  category_count: number;
  post_year: number;
  age_group: string;
  poster_name: string;
  follower_count: number;
  median_follower_count: number;
  number_users_joined: number;
}

const read = async (db: Pool, view: PinterestViewName) =>
  (await readPinterestView(db, view)) as unknown as Row[];

/** Most posts first, then country in code-point order, as the views break ties. */
const byPostsThenCountry = (a: Row, b: Row) =>
  b.category_count - a.category_count || (a.country < b.country ? -1 : a.country > b.country ? 1 : 0);

const poster = (r: Row) => ({ country: r.country, posterName: r.poster_name, followers: r.follower_count });

export function pinterestRoutes(db: Pool): Record<PinterestRoute, Handler> {
  return {
    // Countries with the most posts of their top category first; `limit` keeps a chart readable.
    '/api/pinterest/top-category-by-country': async (params) => {
      const limit = parseLimitOnly(params, true);
      const rows = (await read(db, 'top_category_by_country')).sort(byPostsThenCountry);
      return {
        countryCount: rows.length,
        countries: rows
          .slice(0, limit)
          .map((r) => ({ country: r.country, category: r.category, posts: r.category_count })),
      };
    },

    '/api/pinterest/top-category-by-year': async (params) => {
      parseLimitOnly(params, false);
      const rows = await read(db, 'top_category_by_year');
      return {
        years: rows.map((r) => ({ year: r.post_year, category: r.category, posts: r.category_count })),
      };
    },

    '/api/pinterest/followers-by-age-group': async (params) => {
      parseLimitOnly(params, false);
      const [medians, top] = await Promise.all([
        read(db, 'median_followers_by_age_group'),
        read(db, 'top_category_by_age_group'),
      ]);
      const median = new Map(medians.map((r) => [r.age_group, r.median_follower_count]));
      const topOf = new Map(top.map((r) => [r.age_group, r]));
      const groups = [...new Set([...median.keys(), ...topOf.keys()])].sort();
      return {
        ageGroups: groups.map((g) => ({
          ageGroup: g,
          medianFollowers: median.get(g) ?? null,
          topCategory: topOf.get(g)?.category ?? null,
          topCategoryPosts: topOf.get(g)?.category_count ?? 0,
        })),
      };
    },

    // Overall and per age group, on one axis of joining years (null where a group has no one).
    '/api/pinterest/followers-by-join-year': async (params) => {
      parseLimitOnly(params, false);
      const [overall, perGroup] = await Promise.all([
        read(db, 'median_followers_by_join_year'),
        read(db, 'median_followers_by_join_year_and_age_group'),
      ]);
      const years = [...new Set([...overall, ...perGroup].map((r) => r.post_year))].sort((a, b) => a - b);
      const series = (rows: Row[]) =>
        years.map((y) => rows.find((r) => r.post_year === y)?.median_follower_count ?? null);
      const groups = [...new Set(perGroup.map((r) => r.age_group))].sort();
      return {
        years,
        medianFollowers: series(overall),
        ageGroups: groups.map((g) => ({
          ageGroup: g,
          medianFollowers: series(perGroup.filter((r) => r.age_group === g)),
        })),
      };
    },

    '/api/pinterest/users-joined-by-year': async (params) => {
      parseLimitOnly(params, false);
      const rows = await read(db, 'users_joined_by_year');
      return {
        total: rows.reduce((s, r) => s + r.number_users_joined, 0),
        years: rows.map((r) => ({ year: r.post_year, users: r.number_users_joined })),
      };
    },

    '/api/pinterest/top-posters': async (params) => {
      const limit = parseLimitOnly(params, true);
      const [perCountry, top] = await Promise.all([
        read(db, 'top_user_by_country'),
        read(db, 'top_country_by_followers'),
      ]);
      const ranked = perCountry.sort(
        (a, b) => b.follower_count - a.follower_count || (a.country < b.country ? -1 : 1),
      );
      return {
        top: top[0] ? poster(top[0]) : null,
        countries: ranked.slice(0, limit).map(poster),
      };
    },
  };
}
