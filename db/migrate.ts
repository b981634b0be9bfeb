import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { repoPath } from '../config/paths';

export const MIGRATIONS_DIR = repoPath('sql', 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/**
 * The shared migrations and those of the given folders (a dataset's own), in one version order:
 * versions are unique across all folders, so a dataset's tables can follow the shared ones they use.
 */
export function readMigrations(extraDirs: readonly string[] = [], dir = MIGRATIONS_DIR): Migration[] {
  const migrations = [dir, ...extraDirs]
    .flatMap((d) => fs.readdirSync(d).map((file) => ({ d, file })))
    .filter(({ file }) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map(({ d, file }) => {
      const sql = fs.readFileSync(path.join(d, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: crypto.createHash('sha256').update(sql).digest('hex'),
      };
    });
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(
        `two migrations share version ${migrations[i]!.version}: ${migrations[i - 1]!.name}, ${migrations[i]!.name}`,
      );
    }
  }
  return migrations;
}

// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK = 0x6d757365;

/**
 * Applies pending migrations in order, each in its own transaction, under an advisory lock so
 * concurrent workers cannot race. An applied file that changed since is an error, not a silent skip.
 */
export async function migrate(db: Pool, migrations = readMigrations()): Promise<{ applied: string[] }> {
  const client = await db.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`create table if not exists schema_migration (
      version integer primary key, name text not null, checksum text not null,
      applied_at timestamptz not null default now())`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      'select version, name, checksum from schema_migration',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    const applied: string[] = [];
    for (const m of migrations) {
      const previous = done.get(m.version);
      if (previous) {
        if (previous.checksum !== m.checksum) {
          throw new Error(`migration ${m.name} changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into schema_migration (version, name, checksum) values ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('commit');
        applied.push(m.name);
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
    }
    return { applied };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
