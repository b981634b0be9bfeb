import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CopyTextBuffer } from './copy-text';

/** COPYs rows already encoded in COPY text format: the one bulk path into PostgreSQL. */
export async function copyInto(client: PoolClient, target: string, text: CopyTextBuffer): Promise<void> {
  if (text.rows === 0) return;
  await pipeline(Readable.from([text.bytes()]), client.query(copyFrom(`copy ${target} from stdin`)));
}

const UNIQUE_VIOLATION = '23505';

/**
 * Writes rows straight into a final table, once: a plain COPY, the fastest load PostgreSQL has.
 * A row whose `key` is already stored (written by another path, such as a replay) makes that COPY
 * fail as a whole; then, and only then, the rows go through a temporary table and an insert that
 * skips stored keys. Returns the rows inserted. Runs in the caller's transaction.
 */
export async function copyOnce(
  client: PoolClient,
  table: string,
  columns: readonly string[],
  key: string,
  text: CopyTextBuffer,
): Promise<number> {
  if (text.rows === 0) return 0;
  const list = columns.join(', ');
  await client.query('savepoint copy_once');
  try {
    await copyInto(client, `${table} (${list})`, text);
    await client.query('release savepoint copy_once');
    return text.rows;
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    await client.query('rollback to savepoint copy_once');
  }
  await client.query(
    `create temporary table copy_once_rows on commit drop as select ${list} from ${table} with no data`,
  );
  await copyInto(client, `copy_once_rows (${list})`, text);
  const { rowCount } = await client.query(
    `insert into ${table} (${list}) select ${list} from copy_once_rows on conflict (${key}) do nothing`,
  );
  await client.query('drop table copy_once_rows');
  return rowCount ?? 0;
}
