/**
 * The nine analysis views of docs/spec/pinterest-posts.md (migrations/0007_pinterest.sql), named
 * once for everything that reads them: `museum-etl report pinterest` and the dashboard's Pinterest
 * insights page. Each is read in a fixed order, so the same data always prints the same way.
 */
import type { Pool } from 'pg';

export interface PinterestView {
  /** The name without `reporting.pinterest_`, as typed after `report pinterest`. */
  name: string;
  description: string;
  /** The columns read; counts are bigint in the view and numbers here (JSON has no bigint). */
  select: string;
  orderBy: string;
}

const COUNTRY = 'country collate "C"';
const AGE_GROUP = 'age_group collate "C"';

export const PINTEREST_VIEWS = [
  {
    name: 'top_category_by_country',
    description: 'the most posted category in each country',
    select: 'country, category, category_count::integer as category_count',
    orderBy: COUNTRY,
  },
  {
    name: 'top_category_by_year',
    description: 'the most posted category in each year, 2018-2022',
    select: 'post_year, category, category_count::integer as category_count',
    orderBy: 'post_year',
  },
  {
    name: 'top_user_by_country',
    description: 'the poster with the most followers in each country',
    select: 'country, poster_name, follower_count',
    orderBy: COUNTRY,
  },
  {
    name: 'top_country_by_followers',
    description: 'the country whose top poster has the most followers',
    select: 'country, poster_name, follower_count',
    orderBy: COUNTRY,
  },
  {
    name: 'top_category_by_age_group',
    description: 'the most posted category in each age group',
    select: 'age_group, category, category_count::integer as category_count',
    orderBy: AGE_GROUP,
  },
  {
    name: 'median_followers_by_age_group',
    description: 'the median follower count in each age group',
    select: 'age_group, median_follower_count',
    orderBy: AGE_GROUP,
  },
  {
    name: 'users_joined_by_year',
    description: 'users who joined in each year, 2015-2020',
    select: 'post_year, number_users_joined::integer as number_users_joined',
    orderBy: 'post_year',
  },
  {
    name: 'median_followers_by_join_year',
    description: 'the median follower count of the users who joined in each year, 2015-2020',
    select: 'post_year, median_follower_count',
    orderBy: 'post_year',
  },
  {
    name: 'median_followers_by_join_year_and_age_group',
    description: 'the same median per age group and joining year',
    select: 'age_group, post_year, median_follower_count',
    orderBy: `${AGE_GROUP}, post_year`,
  },
] as const satisfies readonly PinterestView[];

export type PinterestViewName = (typeof PINTEREST_VIEWS)[number]['name'];

/** The view of that short name (or its full `reporting.pinterest_` name), if there is one. */
export function findPinterestView(name: string): PinterestView | undefined {
  const short = name.replace(/^(reporting\.)?pinterest_/, '');
  return PINTEREST_VIEWS.find((v) => v.name === short);
}

/** The view's rows, in its fixed order. Only names from PINTEREST_VIEWS reach the SQL text. */
export async function readPinterestView(
  db: Pool,
  name: PinterestViewName,
): Promise<Array<Record<string, unknown>>> {
  const view = PINTEREST_VIEWS.find((v) => v.name === name)!;
  const { rows } = await db.query<Record<string, unknown>>(
    `select ${view.select} from reporting.pinterest_${view.name} order by ${view.orderBy}`,
  );
  return rows;
}
