import type { Pool, PoolClient } from 'pg';

/**
 * The one transaction helper: `fn` runs between begin and commit on one pooled connection, and any
 * throw rolls back.
 */
export async function inTransaction<T>(db: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    try {
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch((e: Error) => (broken = e));
      throw err;
    }
  } finally {
    // A connection that could not even roll back is not given to the next caller.
    client.release(broken);
  }
}
