import type { PoolClient } from 'pg';
import { PINTEREST_TYPES, type PinterestType, type RowOf } from './rules';

/** The target table of each record type (USER is reserved, hence the quotes). */
export const TABLE_OF: Readonly<Record<PinterestType, string>> = {
  pin: 'pinterest.pin',
  geo: 'pinterest.geo',
  user: 'pinterest."user"',
};

/**
 * The stored rows in the domain's shape, so the domain's comparison sees what it produced: uuid
 * and timestamps as PostgreSQL prints them (ISO DateStyle, set for this transaction).
 */
const SELECT_STORED: Readonly<Record<PinterestType, string>> = {
  pin: `select ind, unique_id::text as unique_id, title, description, follower_count, poster_name, tag_list,
          is_image_or_video, image_src, save_location, category, downloaded
        from pinterest.pin where ind = any($1::int[])`,
  geo: `select ind, country, latitude, longitude, timestamp::text as timestamp
        from pinterest.geo where ind = any($1::int[])`,
  user: `select ind, user_name, age, date_joined::text as date_joined
         from pinterest."user" where ind = any($1::int[])`,
};

// Any constant works; it only has to be the same for every process that loads Pinterest rows.
const PINTEREST_LOAD_LOCK = 0x70696e73;

/** Serialises loads of one record type until commit: identity checks need a stable view. */
export async function lockPinterestType(client: PoolClient, type: PinterestType): Promise<void> {
  await client.query('select pg_advisory_xact_lock($1, $2)', [
    PINTEREST_LOAD_LOCK,
    PINTEREST_TYPES.indexOf(type),
  ]);
}

/** The stored rows of `type` with these inds, by ind: one query. */
export async function readStoredRows<T extends PinterestType>(
  client: PoolClient,
  type: T,
  inds: readonly number[],
): Promise<Map<number, RowOf[T]>> {
  if (inds.length === 0) return new Map();
  await client.query(`set local datestyle to 'ISO, YMD'`);
  const { rows } = await client.query<RowOf[T]>(SELECT_STORED[type], [[...new Set(inds)]]);
  return new Map(rows.map((r) => [r.ind, r]));
}
