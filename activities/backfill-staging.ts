import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { s3Position, type Verdict } from '../domain';

/**
 * The database side of a history load. Chunks are COPYed into an unlogged staging table, each in a
 * transaction with the load's progress row, so an attempt that dies resumes after the last
 * committed chunk. Only `finalizeLoad` touches the interaction tables: it moves the staged rows,
 * deletes any earlier version of the object and records the manifest entry in one transaction.
 */

export interface LoadStats {
  ratings: number;
  requests: number;
  rejects: number;
  rejectsByReason: Record<string, number>;
  /** Header lines repeated inside the file (skipped). */
  headerLines: number;
  blankLines: number;
}

export const emptyStats = (): LoadStats => ({
  ratings: 0,
  requests: 0,
  rejects: 0,
  rejectsByReason: {},
  headerLines: 0,
  blankLines: 0,
});

export interface FileRef {
  bucket: string;
  key: string;
  etag: string;
}

/** What is durably staged for one object version. */
export interface LoadState {
  loadId: string;
  lineReached: number;
  byteOffset: number;
  header: { columns: string[] } | { problem: string } | null;
  stats: LoadStats;
}

export interface ManifestEntry {
  etag: string;
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
  db: Pool,
  bucket: string,
  key: string,
): Promise<ManifestEntry | undefined> {
  const { rows } = await db.query<ManifestEntry>(
    'select etag, complete from backfill_manifest where bucket = $1 and key = $2',
    [bucket, key],
  );
  return rows[0];
}

/** The staged progress of this object version, creating an empty one the first time. */
export async function beginLoad(db: Pool, f: FileRef): Promise<LoadState> {
  await db.query(
    'insert into backfill_load (bucket, key, etag) values ($1, $2, $3) on conflict (bucket, key, etag) do nothing',
    [f.bucket, f.key, f.etag],
  );
  const { rows } = await db.query<{
    load_id: string;
    line_reached: number;
    byte_offset: string;
    header: LoadState['header'];
    stats: Partial<LoadStats>;
  }>(
    'select load_id, line_reached, byte_offset, header, stats from backfill_load where bucket = $1 and key = $2 and etag = $3',
    [f.bucket, f.key, f.etag],
  );
  const r = rows[0];
  if (!r) throw new Error(`backfill_load row for ${f.key}@${f.etag} vanished; retrying`);
  return {
    loadId: r.load_id,
    lineReached: r.line_reached,
    byteOffset: Number(r.byte_offset),
    header: r.header,
    stats: { ...emptyStats(), ...r.stats },
  };
}

/**
 * Rows of one chunk, written straight into COPY text bytes. Each row's string dies young; keeping
 * strings for a whole chunk got them promoted to the old generation and let the heap balloon
 * between full collections.
 */
export class StagingChunk {
  private buf = Buffer.allocUnsafe(2 << 20);
  private length = 0;
  rows = 0;

  constructor(
    private readonly loadId: string,
    private readonly exhibitionIds: ReadonlyMap<string, number>,
  ) {}

  add(line: number, verdict: Verdict, raw: Buffer): void {
    const head = `${this.loadId}\t${line}\t`;
    if (verdict.kind === 'rejected') {
      this.write(
        `${head}2\t\\N\t\\N\t\\N\t\\\\x${raw.toString('hex')}\t${verdict.reason}\t${copyText(verdict.detail)}\n`,
      );
    } else {
      const id = this.exhibitionIds.get(verdict.exhibitionPublicId);
      // The rules accepted the site against this same snapshot, so a miss is a bug, never data to drop.
      if (id === undefined) throw new Error(`exhibition ${verdict.exhibitionPublicId} not in the snapshot`);
      const [kind, value] = verdict.kind === 'rating' ? [0, verdict.rating] : [1, verdict.request];
      this.write(`${head}${kind}\t${id}\t${value}\t${verdict.eventAt.iso}\t\\N\t\\N\t\\N\n`);
    }
    this.rows++;
  }

  private write(text: string): void {
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
    if (this.length + text.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + text.length * 3));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  text(): string {
    return this.bytes().toString('utf8');
  }
}

/** PostgreSQL text cannot hold NUL; COPY text format needs backslash, tab and newlines escaped. */
function copyText(s: string): string {
  const clean = s.slice(0, 1000).split('\u0000').join('\\0');
  return /[\\\t\n\r]/.test(clean)
    ? clean.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : clean;
}

export class SupersededError extends Error {
  constructor(f: FileRef) {
    super(`another attempt advanced the load of ${f.key}@${f.etag} meanwhile; this attempt stops`);
    this.name = 'SupersededError';
  }
}

/**
 * Stages one chunk and advances the progress row in one transaction. The progress update only
 * matches if nobody moved it since `from` (a zombie attempt after a worker crash), so two attempts
 * can never stage the same lines.
 */
export async function commitChunk(
  client: PoolClient,
  f: FileRef,
  from: LoadState,
  chunk: StagingChunk,
  next: Omit<LoadState, 'loadId'>,
): Promise<void> {
  await client.query('begin');
  try {
    if (chunk.rows > 0) {
      const copy = client.query(
        copyFrom(
          'copy backfill_staging (load_id, line, kind, exhibition_id, value, event_at, raw, reason, detail) from stdin',
        ),
      );
      await pipeline(Readable.from([chunk.bytes()]), copy);
    }
    const { rowCount } = await client.query(
      `update backfill_load set line_reached = $2, byte_offset = $3, header = $4, stats = $5, updated_at = now()
       where load_id = $1 and line_reached = $6`,
      [from.loadId, next.lineReached, next.byteOffset, next.header, next.stats, from.lineReached],
    );
    if (rowCount !== 1) throw new SupersededError(f);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

export interface FinalizeResult {
  outcome: 'loaded' | 'unchanged';
  /** ETags of earlier versions whose rows this load replaced. */
  replaced: string[];
  /** Rows actually inserted (fewer than staged only if some positions were already stored). */
  inserted: { ratings: number; requests: number; rejects: number };
  /** Rows of earlier versions deleted. */
  deleted: number;
}

const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The swap: staged rows into the interaction tables, earlier versions of the object out, the
 * manifest entry in, staging cleared, all in one transaction. Readers see the old version or the
 * new one, never both and never half.
 */
export async function finalizeLoad(
  client: PoolClient,
  f: FileRef,
  state: LoadState,
  complete: boolean,
): Promise<FinalizeResult> {
  try {
    return await swap(client, f, state, complete, false);
  } catch (err) {
    // The manifest said no row of this version could exist, yet one does (loaded by other means):
    // do it again the slower way, skipping positions already stored.
    if ((err as { code?: string }).code !== '23505') throw err;
    return swap(client, f, state, complete, true);
  }
}

async function swap(
  client: PoolClient,
  f: FileRef,
  state: LoadState,
  complete: boolean,
  forceDedupe: boolean,
): Promise<FinalizeResult> {
  // Derived from the one position function, so these rows are found by the same identity as any other.
  const prefix = s3Position(f.bucket, f.key, f.etag, 1).slice(0, -1);
  const keyPrefix = `s3:${f.bucket}/${f.key}@`;
  await client.query('begin');
  try {
    // The rejects replay takes the same lock (activities/rejects.ts), so a row it loads cannot
    // outlive the version it belongs to.
    await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`backfill:${keyPrefix}`]);
    const manifest = await client.query<{ etag: string; complete: boolean }>(
      'select etag, complete from backfill_manifest where bucket = $1 and key = $2 for update',
      [f.bucket, f.key],
    );
    const before = manifest.rows[0];
    if (before && before.etag === f.etag && before.complete) {
      // Another attempt finished this version while we were staging it.
      await clearStaging(client, { bucket: f.bucket, key: f.key });
      await client.query('commit');
      return {
        outcome: 'unchanged',
        replaced: [],
        inserted: { ratings: 0, requests: 0, rejects: 0 },
        deleted: 0,
      };
    }
    // Rows of this version exist only after a row-limited load of it (manifest: same ETag,
    // incomplete). Otherwise a plain insert is enough, and cheaper than ON CONFLICT; the unique
    // positions still make a mistake fail loudly instead of doubling rows.
    const onConflict =
      forceDedupe || before?.etag === f.etag ? 'on conflict (source_position) do nothing' : '';
    const move = async (sql: string) => (await client.query(sql, [state.loadId, prefix])).rowCount ?? 0;
    const ratings = await move(
      `insert into rating_interaction (exhibition_id, rating_id, event_at, source_position)
       select exhibition_id, value, event_at, $2::text || line from backfill_staging where load_id = $1 and kind = 0
       ${onConflict}`,
    );
    const requests = await move(
      `insert into request_interaction (exhibition_id, request_id, event_at, source_position)
       select exhibition_id, value, event_at, $2::text || line from backfill_staging where load_id = $1 and kind = 1
       ${onConflict}`,
    );
    const rejects = await move(
      `insert into rejected_event (source_position, raw, reason, detail)
       select $2::text || line, raw, reason, detail from backfill_staging where load_id = $1 and kind = 2
       ${onConflict}`,
    );
    let deleted = 0;
    const replaced = before && before.etag !== f.etag ? [before.etag] : [];
    // Every other version of this key, not only the one in the manifest: the key's rows end up
    // being exactly this version's.
    for (const table of ['rating_interaction', 'request_interaction', 'rejected_event']) {
      const r = await client.query(
        `delete from ${table} where source_position like $1 and source_position not like $2`,
        [likePrefix(keyPrefix), likePrefix(prefix)],
      );
      deleted += r.rowCount ?? 0;
    }
    await client.query(
      `insert into backfill_manifest (bucket, key, etag, rows, rejects, complete, lines)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (bucket, key) do update set etag = excluded.etag, rows = excluded.rows,
         rejects = excluded.rejects, complete = excluded.complete, lines = excluded.lines, loaded_at = now()`,
      [
        f.bucket,
        f.key,
        f.etag,
        state.stats.ratings + state.stats.requests,
        state.stats.rejects,
        complete,
        state.lineReached,
      ],
    );
    await clearStaging(client, { bucket: f.bucket, key: f.key });
    await client.query('commit');
    return { outcome: 'loaded', replaced, inserted: { ratings, requests, rejects }, deleted };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

/** Drops what is staged for this key: every version after a swap, or one version that became unreadable. */
export async function clearStaging(
  db: Pool | PoolClient,
  f: Pick<FileRef, 'bucket' | 'key'> & { etag?: string },
): Promise<void> {
  await db.query(
    `with gone as (delete from backfill_load where bucket = $1 and key = $2 and ($3::text is null or etag = $3)
                   returning load_id)
     delete from backfill_staging where load_id in (select load_id from gone)`,
    [f.bucket, f.key, f.etag ?? null],
  );
}
