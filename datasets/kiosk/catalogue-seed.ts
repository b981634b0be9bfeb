import type { S3Client } from '@aws-sdk/client-s3';
import type { Pool } from 'pg';
import { inTransaction } from '../../db/transaction';
import type { ReferenceData, ReferenceSeedResult } from '../../pipeline/dataset-plugin';
import { readSmallObject } from '../../pipeline/s3-objects';
import { isExhibitionError, isExhibitionKey, parseExhibitionJson, type Exhibition } from './rules';

/**
 * The kiosk's reference data: ratings 0..4 and request types 0..1, and the exhibition catalogue
 * from the bucket's lmnh_exhibition_*.json files (docs/spec/kiosk-events.md). Run by the seed.
 */
export const kioskCatalogueSeed: ReferenceData = {
  isReferenceFile: isExhibitionKey,

  async seedFixed(db: Pool): Promise<void> {
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
  },

  /** Each file is parsed and upserted on its own: one bad file is reported by key and the rest still load. */
  async seedFiles(deps: { db: Pool; s3: S3Client }, bucket: string, keys: readonly string[]) {
    const { db, s3 } = deps;
    const result: ReferenceSeedResult = { seeded: [], failed: [] };
    const byId = new Map<string, { key: string; exhibition: Exhibition }>();
    for (const key of [...keys].sort()) {
      const parsed = await readExhibition(s3, bucket, key);
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

async function readExhibition(s3: S3Client, bucket: string, key: string) {
  try {
    return parseExhibitionJson(await readSmallObject(s3, bucket, key));
  } catch (err) {
    const name = (err as { name?: string }).name;
    // A vanished or forbidden object is reported; network trouble is thrown so Temporal retries.
    if (name === 'NoSuchKey' || name === 'AccessDenied') return { error: `cannot read: ${name}` };
    throw err;
  }
}

function upsertExhibition(db: Pool, e: Exhibition): Promise<boolean> {
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
