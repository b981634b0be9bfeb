import {
  isExhibitionError,
  isExhibitionKey,
  isHistoryKey,
  parseExhibitionJson,
  type Exhibition,
} from '../domain';
import { migrate } from '../db/migrate';
import { inTransaction } from '../db/transaction';
import type { ActivityDeps } from './index';
import { listAllObjects, readSmallObject } from '../pipeline/s3-objects';

export interface ExhibitionListing {
  bucket: string;
  exhibitionKeys: string[];
  /** Objects that match neither data pattern (notes, stray files): never read. */
  ignoredKeys: string[];
}

export interface ExhibitionSeedResult {
  seeded: Array<{ key: string; publicId: string; changed: boolean }>;
  failed: Array<{ key: string; error: string }>;
}

const RATINGS: Array<[number, string]> = [
  [0, 'Terrible'],
  [1, 'Bad'],
  [2, 'Neutral'],
  [3, 'Good'],
  [4, 'Amazing'],
];
const REQUESTS: Array<[number, string]> = [
  [0, 'assistance'],
  [1, 'emergency'],
];

export function createSeedActivities({ config, db, s3 }: ActivityDeps) {
  return {
    async applyMigrations(): Promise<{ applied: string[] }> {
      return migrate(db);
    },

    /** Ratings 0..4 and requests 0..1, plus the local reporting login the dashboard uses. */
    async seedReferenceData(): Promise<void> {
      await db.query(
        `insert into rating (rating_id, rating_value, rating_description)
         select v, v, d from unnest($1::smallint[], $2::text[]) as t(v, d)
         on conflict (rating_id) do update set rating_description = excluded.rating_description`,
        [RATINGS.map((r) => r[0]), RATINGS.map((r) => r[1])],
      );
      await db.query(
        `insert into request (request_id, request_value, request_description)
         select v, v, d from unnest($1::smallint[], $2::text[]) as t(v, d)
         on conflict (request_id) do update set request_description = excluded.request_description`,
        [REQUESTS.map((r) => r[0]), REQUESTS.map((r) => r[1])],
      );
      if (config.env === 'local' && config.pg.readerPassword !== undefined) {
        await ensureLoginRole(db, config.pg.readerUser, config.pg.readerPassword, 'museum_reporting');
      }
    },

    async listExhibitionFiles(input: { bucket?: string }): Promise<ExhibitionListing> {
      const bucket = input.bucket ?? config.s3.bucket;
      const objects = await listAllObjects(s3, bucket);
      const exhibitionKeys = objects.filter((o) => isExhibitionKey(o.key)).map((o) => o.key);
      const ignoredKeys = objects
        .filter((o) => !isExhibitionKey(o.key) && !isHistoryKey(o.key))
        .map((o) => o.key);
      return { bucket, exhibitionKeys, ignoredKeys };
    },

    /** Each file is parsed and upserted on its own: one bad file is reported by key and the rest still load. */
    async seedExhibitionFiles(input: { bucket: string; keys: string[] }): Promise<ExhibitionSeedResult> {
      const result: ExhibitionSeedResult = { seeded: [], failed: [] };
      const byId = new Map<string, { key: string; exhibition: Exhibition }>();
      for (const key of [...input.keys].sort()) {
        const parsed = await readExhibition(s3, input.bucket, key);
        if (isExhibitionError(parsed)) {
          result.failed.push({ key, error: parsed.error });
          continue;
        }
        const first = byId.get(parsed.publicId);
        if (first) {
          result.failed.push({ key, error: `${parsed.publicId} is already defined by ${first.key}` });
          continue;
        }
        byId.set(parsed.publicId, { key, exhibition: parsed });
      }
      for (const { key, exhibition } of byId.values()) {
        try {
          const changed = await upsertExhibition(db, exhibition);
          result.seeded.push({ key, publicId: exhibition.publicId, changed });
        } catch (err) {
          // Constraint violations (class 23) are the file's fault; anything else is the database's: retry.
          if ((err as { code?: string }).code?.startsWith('23'))
            result.failed.push({ key, error: (err as Error).message });
          else throw err;
        }
      }
      return result;
    },
  };
}

async function readExhibition(s3: ActivityDeps['s3'], bucket: string, key: string) {
  try {
    return parseExhibitionJson(await readSmallObject(s3, bucket, key));
  } catch (err) {
    const name = (err as { name?: string }).name;
    // A vanished or forbidden object is reported; network trouble is thrown so Temporal retries.
    if (name === 'NoSuchKey' || name === 'AccessDenied') return { error: `cannot read: ${name}` };
    throw err;
  }
}

function upsertExhibition(db: ActivityDeps['db'], e: Exhibition): Promise<boolean> {
  return inTransaction(db, async (client) => {
    const dept = await client.query<{ id: number }>(
      `with ins as (insert into department (department_name) values ($1) on conflict do nothing returning department_id)
       select department_id as id from ins union all select department_id from department where department_name = $1`,
      [e.department],
    );
    const floor = await client.query<{ id: number }>(
      `with ins as (insert into floor (floor_name) values ($1) on conflict do nothing returning floor_id)
       select floor_id as id from ins union all select floor_id from floor where floor_name = $1`,
      [e.floor],
    );
    const up = await client.query(
      `insert into exhibition (exhibition_name, exhibition_description, department_id, floor_id, exhibition_start_date, public_id)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (public_id) do update set
         exhibition_name = excluded.exhibition_name,
         exhibition_description = excluded.exhibition_description,
         department_id = excluded.department_id,
         floor_id = excluded.floor_id,
         exhibition_start_date = excluded.exhibition_start_date
       where (exhibition.exhibition_name, exhibition.exhibition_description, exhibition.department_id,
              exhibition.floor_id, exhibition.exhibition_start_date)
         is distinct from (excluded.exhibition_name, excluded.exhibition_description, excluded.department_id,
              excluded.floor_id, excluded.exhibition_start_date)`,
      [e.name, e.description, dept.rows[0]?.id, floor.rows[0]?.id, e.startDate, e.publicId],
    );
    return (up.rowCount ?? 0) > 0;
  });
}

export async function ensureLoginRole(
  db: ActivityDeps['db'],
  user: string,
  password: string,
  member: string,
): Promise<void> {
  const client = await db.connect();
  try {
    // Role DDL takes no bind parameters; names are quoted as identifiers and the password as a literal.
    const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [user]);
    const verb = rowCount ? 'alter' : 'create';
    await client.query(
      `${verb} role ${client.escapeIdentifier(user)} login password ${client.escapeLiteral(password)}`,
    );
    await client.query(`grant ${client.escapeIdentifier(member)} to ${client.escapeIdentifier(user)}`);
  } finally {
    client.release();
  }
}
