import type { PoolClient } from 'pg';
import { FailureType, permanentFailure } from '../../common/failures';

/** The catalogue keys a load's rows refer to. */
export interface CatalogueKeys {
  exhibitions: ReadonlySet<number>;
  ratings: ReadonlySet<number>;
  requests: ReadonlySet<number>;
}

const TABLES = [
  ['exhibitions', 'exhibition', 'exhibition_id'],
  ['ratings', 'rating', 'rating_id'],
  ['requests', 'request', 'request_id'],
] as const;

/**
 * Referential integrity for a whole load in three statements instead of a foreign-key check per row
 * (sql: datasets/kiosk/migrations/0014_cheap_loads.sql): locks the referred catalogue rows FOR KEY
 * SHARE until commit, so none can be deleted under the load. A key that is gone (deleted after the
 * batch was judged) fails the load: the batch is judged again against the catalogue as it now is.
 */
export async function lockCatalogueKeys(client: PoolClient, keys: CatalogueKeys): Promise<void> {
  for (const [field, table, column] of TABLES) {
    const wanted = [...keys[field]];
    if (wanted.length === 0) continue;
    const { rows } = await client.query<{ id: number }>(
      `select ${column} as id from ${table} where ${column} = any($1::int[]) for key share`,
      [wanted],
    );
    if (rows.length < wanted.length) {
      const found = new Set(rows.map((r) => r.id));
      const gone = wanted.filter((id) => !found.has(id));
      throw permanentFailure(
        FailureType.StagedBatchMissing,
        `${table} ${gone.join(', ')} left the catalogue after the batch was judged; judging it again`,
      );
    }
  }
}
