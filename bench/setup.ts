import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { Client, type Pool } from 'pg';
import { createSeedActivities } from '../activities/seed';
import { buildActivityDeps } from '../activities';
import { INSTALLED_DATASETS } from '../datasets';
import type { Config } from '../config';
import { writeExhibitionFiles } from '../datasets/kiosk/simulator/history-writer';
import { createKafka, createPgPool, createS3 } from '../worker/connections';
import { loadConfig } from '../config';

/** Benchmarks run against databases of their own, created empty, migrated and seeded here. */
export async function freshDatabase(name: string): Promise<{ config: Config; db: Pool; s3: S3Client }> {
  const base = loadConfig({ ...process.env, LOG_LEVEL: 'warn', METRICS_PORT: '0' });
  const admin = new Client({
    host: base.pg.host,
    port: base.pg.port,
    user: base.pg.user,
    password: base.pg.password,
    database: 'postgres',
  });
  await admin.connect();
  await admin.query(`drop database if exists ${admin.escapeIdentifier(name)} with (force)`);
  await admin.query(`create database ${admin.escapeIdentifier(name)}`);
  await admin.end();
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', METRICS_PORT: '0', PGDATABASE: name });
  const db = createPgPool(config, { max: 20 });
  const s3 = createS3(config);
  const bucket = 'bench-reference-catalogue';
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
    if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
  });
  await writeExhibitionFiles(s3, bucket);
  // Activities are plain functions: the benchmark seeds without going through Temporal.
  const seed = createSeedActivities(
    buildActivityDeps({ config, db, kafka: createKafka(config), s3 }, INSTALLED_DATASETS),
  );
  await seed.applyMigrations();
  await seed.seedReferenceData();
  const listing = await seed.listExhibitionFiles({ bucket });
  await seed.seedExhibitionFiles({ bucket, keys: listing.exhibitionKeys });
  return { config, db, s3 };
}

export function peakRssMb(pid: number): number | undefined {
  try {
    const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Issue 21's memory target for a worker, on every benchmark. */
const WORKER_RSS_TARGET_MB = 256;

/** `314 MB (VmHWM, target <= 256 MB)`: a worker's peak RSS against the target. */
export function peakRssVerdict(rss: number | undefined): string {
  return `${rss === undefined ? 'unknown' : `${fmt(rss)} MB`} (VmHWM, target <= ${WORKER_RSS_TARGET_MB} MB)`;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
