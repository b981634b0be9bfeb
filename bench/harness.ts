/** Pieces every benchmark that runs a real worker shares: its process, its progress, its buckets. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Pool } from 'pg';
import { repoPath } from '../config/paths';
import { fmt } from './setup';

export const BENCH_NAMESPACE = 'museum-etl-bench';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A `museum-etl worker` process as the systemd unit runs it (infra/systemd): a bounded heap. */
export function startBenchWorker(
  taskQueue: string,
  database: string,
  env: Record<string, string> = {},
): ChildProcess {
  const child = spawn(process.execPath, [repoPath('bin', 'museum-etl.js'), 'worker', '--no-schedule'], {
    env: {
      ...process.env,
      NODE_OPTIONS: process.env.WORKER_NODE_OPTIONS ?? '--max-old-space-size=256',
      PGDATABASE: database,
      TEMPORAL_NAMESPACE: BENCH_NAMESPACE,
      TEMPORAL_TASK_QUEUE: taskQueue,
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // A worker that dies before the benchmark stops it would leave the run waiting forever.
  child.once('exit', (code, signal) => {
    if (child.killed) return;
    console.error(
      `the benchmark's worker exited early (code ${code}, signal ${signal}); see its output above`,
    );
    process.exit(1);
  });
  return child;
}

/** Messages the live ingest has committed on a topic: the sum of its checkpoints. */
export async function checkpointed(db: Pool, topic: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'select coalesce(sum(next_offset), 0) as n from ingest_checkpoint where topic = $1',
    [topic],
  );
  return Number(rows[0]!.n);
}

/** Polls `read` every 200 ms until it reaches `total`, with a progress line on stderr. */
export async function waitUntil(read: () => Promise<number>, total: number, label: string): Promise<void> {
  let last = -1;
  for (;;) {
    const n = await read();
    if (n >= total) return;
    if (n !== last) process.stderr.write(`\r  ${label}: ${fmt(n)} / ${fmt(total)}   `);
    last = n;
    await sleep(200);
  }
}

/** Current resident set size, for samples taken while a run goes on. */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The local store has a limited number of volumes and gives each bucket its own: leave none behind. */
export async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
