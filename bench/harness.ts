/** Pieces every benchmark that runs a real worker shares: its process, its progress, its buckets. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { repoPath } from '../config/paths';
import { fmt } from './setup';
import { actionsSpent, temporalActions } from './temporal-actions';

export const BENCH_NAMESPACE = 'museum-etl-bench';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The worker's process settings, as infra/systemd/museum-etl-worker.service sets them (a unit test
 * keeps the two equal). Measured with the benchmarks (issue 21): glibc's default of a malloc arena
 * per thread (Node's, V8's and the Temporal core's threads) left ~50 MB of RSS nobody used; two
 * arenas cost no throughput. An 8 MB semi-space (V8's default is 16) trims the young generation.
 */
export const WORKER_PROCESS_ENV = {
  NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=8',
  MALLOC_ARENA_MAX: '2',
} as const;

/** A `museum-etl worker` process as the systemd unit runs it (infra/systemd): a bounded heap. */
export function startBenchWorker(
  taskQueue: string,
  database: string,
  env: Record<string, string> = {},
): ChildProcess {
  // WORKER_NODE_ARGS: flags NODE_OPTIONS refuses, such as `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the worker.
  const nodeArgs = (process.env.WORKER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(
    process.execPath,
    [...nodeArgs, repoPath('bin', 'museum-etl.js'), 'worker', '--no-schedule'],
    {
      env: {
        ...process.env,
        ...WORKER_PROCESS_ENV,
        ...(process.env.WORKER_NODE_OPTIONS !== undefined && {
          NODE_OPTIONS: process.env.WORKER_NODE_OPTIONS,
        }),
        // As deployed (infra/systemd): the bundle the benchmark's `npm run build` made.
        NODE_ENV: 'production',
        PGDATABASE: database,
        TEMPORAL_NAMESPACE: BENCH_NAMESPACE,
        TEMPORAL_TASK_QUEUE: taskQueue,
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
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

/** Runs psql's commands (\\copy among them) against the config's database; returns the seconds taken. */
export function psqlSeconds(config: Config, commands: string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...commands.flatMap((c) => ['-c', c])], {
    env: {
      ...process.env,
      PGHOST: config.pg.host,
      PGPORT: String(config.pg.port),
      PGUSER: config.pg.user,
      PGPASSWORD: config.pg.password ?? '',
      PGDATABASE: config.pg.database,
      PGTZ: config.museum.timeZone,
    },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr || r.error?.message}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * The Temporal actions a long-running workflow spends on an idle topic over `seconds`, once it has
 * started (its first two seconds are not idle); `stop` ends it afterwards.
 */
export async function idleActions(namespace: string, seconds: number, stop: () => Promise<unknown>) {
  await sleep(2000);
  const before = await temporalActions(namespace);
  for (let s = 0; s < seconds; s += 10) {
    process.stderr.write(`\r  idle topic: ${s} / ${seconds} s   `);
    await sleep(10_000);
  }
  const after = await temporalActions(namespace);
  process.stderr.write('\n');
  await stop();
  return actionsSpent(before, after);
}
