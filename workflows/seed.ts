import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { applyMigrations, seedReferenceData, listExhibitionFiles, seedExhibitionFiles } =
  proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 10,
    },
  });

export interface SeedInput {
  /** Bucket holding lmnh_exhibition_*.json; defaults to the worker's S3_BUCKET. */
  bucket?: string;
}

export interface SeedResult {
  migrationsApplied: string[];
  bucket: string;
  exhibitionsSeeded: Array<{ key: string; publicId: string; changed: boolean }>;
  filesFailed: Array<{ key: string; error: string }>;
  objectsIgnored: string[];
}

/** Schema, reference data and the exhibition catalogue from the bucket. Idempotent. */
export async function seedWorkflow(input: SeedInput = {}): Promise<SeedResult> {
  const { applied } = await applyMigrations();
  await seedReferenceData();
  const listing = await listExhibitionFiles({ bucket: input.bucket });
  const seeded = await seedExhibitionFiles({ bucket: listing.bucket, keys: listing.exhibitionKeys });
  return {
    migrationsApplied: applied,
    bucket: listing.bucket,
    exhibitionsSeeded: seeded.seeded,
    filesFailed: seeded.failed,
    objectsIgnored: listing.ignoredKeys,
  };
}
