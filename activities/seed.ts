import { migrate, readMigrations } from '../db/migrate';
import type { ReferenceSeedResult } from '../pipeline/dataset-plugin';
import type { ActivityDeps } from './index';
import { listAllObjects } from '../pipeline/s3-objects';

export interface ExhibitionListing {
  bucket: string;
  /** Reference files of the installed datasets (the kiosk's exhibitions). */
  exhibitionKeys: string[];
  /** Objects that are no dataset's reference or data files (notes, stray files): never read. */
  ignoredKeys: string[];
}

export type ExhibitionSeedResult = ReferenceSeedResult;

/**
 * The seed: the schema, then each installed dataset's reference data (`DatasetPlugin.reference`).
 * The activity names keep the kiosk's words (exhibitions) so that recorded seeds replay.
 */
export function createSeedActivities({ config, db, s3, registry, datasets }: ActivityDeps) {
  const references = registry.references;
  const isDataFile = (key: string) =>
    Object.values(datasets).some((d) => d.files?.sortKey(key, undefined) !== undefined);
  return {
    async applyMigrations(): Promise<{ applied: string[] }> {
      return migrate(db, readMigrations(registry.migrationDirs));
    },

    /** Every dataset's fixed reference rows, plus the local reporting login the dashboard uses. */
    async seedReferenceData(): Promise<void> {
      for (const r of references) await r.seedFixed(db);
      if (config.env === 'local' && config.pg.readerPassword !== undefined) {
        await ensureLoginRole(db, config.pg.readerUser, config.pg.readerPassword, 'museum_reporting');
      }
    },

    async listExhibitionFiles(input: { bucket?: string }): Promise<ExhibitionListing> {
      const bucket = input.bucket ?? config.s3.bucket;
      const objects = await listAllObjects(s3, bucket);
      const isReference = (key: string) => references.some((r) => r.isReferenceFile(key));
      const exhibitionKeys = objects.filter((o) => isReference(o.key)).map((o) => o.key);
      const ignoredKeys = objects.filter((o) => !isReference(o.key) && !isDataFile(o.key)).map((o) => o.key);
      return { bucket, exhibitionKeys, ignoredKeys };
    },

    /** Each file is parsed and upserted on its own: one bad file is reported by key and the rest still load. */
    async seedExhibitionFiles(input: { bucket: string; keys: string[] }): Promise<ExhibitionSeedResult> {
      const result: ExhibitionSeedResult = { seeded: [], failed: [] };
      for (const r of references) {
        const keys = input.keys.filter((k) => r.isReferenceFile(k));
        const one = await r.seedFiles({ db, s3 }, input.bucket, keys);
        result.seeded.push(...one.seeded);
        result.failed.push(...one.failed);
      }
      return result;
    },
  };
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
