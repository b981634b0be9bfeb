import type { Pool, PoolClient } from 'pg';
import { s3KeyLock } from './position';
import type { FileRef } from './dataset';

/** backfill_manifest: which version of each history object is loaded, and whether all of it. */
export interface ManifestEntry {
  etag: string;
  /** False after a row-limited load: the next run loads the file again instead of skipping it. */
  complete: boolean;
}

export async function manifestEntries(db: Pool, bucket: string): Promise<Map<string, ManifestEntry>> {
  const { rows } = await db.query<{ key: string; etag: string; complete: boolean }>(
    'select key, etag, complete from backfill_manifest where bucket = $1',
    [bucket],
  );
  return new Map(rows.map((r) => [r.key, { etag: r.etag, complete: r.complete }]));
}

export async function manifestEntry(
  db: Pool | PoolClient,
  bucket: string,
  key: string,
  lock = false,
): Promise<ManifestEntry | undefined> {
  const { rows } = await db.query<ManifestEntry>(
    `select etag, complete from backfill_manifest where bucket = $1 and key = $2${lock ? ' for update' : ''}`,
    [bucket, key],
  );
  return rows[0];
}

/**
 * Serialises every change of one key's rows: the rejects replay takes the same lock
 * (activities/rejects.ts), so a row it loads cannot outlive the version it belongs to.
 */
export async function lockKey(client: PoolClient, f: Pick<FileRef, 'bucket' | 'key'>): Promise<void> {
  await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [s3KeyLock(f.bucket, f.key)]);
}

export async function writeManifest(
  client: PoolClient,
  f: FileRef,
  entry: { rows: number; rejects: number; complete: boolean; lines: number },
): Promise<void> {
  await client.query(
    `insert into backfill_manifest (bucket, key, etag, rows, rejects, complete, lines)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (bucket, key) do update set etag = excluded.etag, rows = excluded.rows,
       rejects = excluded.rejects, complete = excluded.complete, lines = excluded.lines, loaded_at = now()`,
    [f.bucket, f.key, f.etag, entry.rows, entry.rejects, entry.complete, entry.lines],
  );
}
