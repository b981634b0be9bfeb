/**
 * Backfill benchmark: `npm run bench:backfill [-- --rows N --files F --concurrency C]`.
 * Writes simulator history to a fresh bucket, runs the backfill workflow on a separate worker
 * process, and prints its end-to-end rows/s beside two baselines measured in the same run on the
 * same rows: psql's \copy of the rows the backfill wrote into the same tables, triggers and keys
 * included (the database's own limit for this work), the raw lines' \copy into an unlogged table (the
 * bare limit) and a naive insert per row (what the old seeds did). Also the worker's peak RSS and the rules'
 * single-core ceiling, which is what bounds the backfill on a small machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import type { Pool } from 'pg';
import { LineSplitter } from '../pipeline/line-splitter';
import { CsvLineJudge } from '../datasets/kiosk/history-csv';
import { CatalogueCache } from '../datasets/kiosk/catalogue-cache';
import type { Config } from '../config';
import { writeHistory, type WriteHistoryResult } from '../datasets/kiosk/simulator/history-writer';
import { ensureNamespace } from '../infra/local/temporal-namespace';
import { backfillWorkflow } from '../workflows/backfill';
import { healthCheckWorkflow } from '../workflows/health-check';
import { BENCH_NAMESPACE, deleteBucket, psqlSeconds, rssMb, sleep, startBenchWorker } from './harness';
import { fmt, freshDatabase, peakRssMb, peakRssVerdict } from './setup';
import { actionsSpent, temporalActions } from './temporal-actions';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const DATABASE = 'museum_bench_backfill';
const NAMESPACE = BENCH_NAMESPACE;

async function objectText(
  config: Config,
  s3: Awaited<ReturnType<typeof freshDatabase>>['s3'],
  bucket: string,
  key: string,
) {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { text: await r.Body!.transformToString(), etag: (r.ETag ?? '').replace(/^"|"$/g, '') };
}

/** The history files as they are in S3, in local files: what the bare-limit \copy loads. */
async function writeRawFiles(
  ctx: { config: Config; s3: Awaited<ReturnType<typeof freshDatabase>>['s3'] },
  bucket: string,
  history: WriteHistoryResult,
  dir: string,
): Promise<string[]> {
  const files: string[] = [];
  for (const f of history.files) {
    const { text } = await objectText(ctx.config, ctx.s3, bucket, f.key);
    const file = path.join(dir, `${f.key}.raw`);
    fs.writeFileSync(file, text);
    files.push(file);
  }
  return files;
}

/** The tables the backfill writes and the columns it fills (ids and defaults are the database's). */
const LOADED_TABLES: ReadonlyArray<readonly [string, string]> = [
  ['rating_interaction', 'exhibition_id, rating_id, event_at, source_id, source_seq'],
  ['request_interaction', 'exhibition_id, request_id, event_at, source_id, source_seq'],
  ['rejected_event', 'source_id, source_seq, raw, reason, detail'],
];

/**
 * The same-work limit: the very rows the backfill wrote, dumped, the tables emptied, then written
 * again by psql's \copy into the same tables, with their indexes, foreign keys, checks and the
 * dashboard's rollup triggers; everything the backfill does but reading, judging and its bookkeeping.
 * Returns the dumped rating file (its rows feed the naive baseline) and the \copy's seconds.
 */
function sameWorkCopy(config: Config, dir: string): { ratings: string; seconds: number } {
  const file = (table: string) => path.join(dir, `${table}.copy`);
  psqlSeconds(
    config,
    LOADED_TABLES.map(([t, columns]) => `\\copy (select ${columns} from ${t}) to '${file(t)}'`),
  );
  psqlSeconds(config, [`truncate ${LOADED_TABLES.map(([t]) => t).join(', ')}`]);
  const seconds = psqlSeconds(
    config,
    LOADED_TABLES.map(([t, columns]) => `\\copy ${t} (${columns}) from '${file(t)}'`),
  );
  return { ratings: file('rating_interaction'), seconds };
}

/** Rows judged per second by the rules alone on one core, from the same files. */
async function rulesCeiling(
  ctx: Awaited<ReturnType<typeof freshDatabase>>,
  bucket: string,
  key: string,
): Promise<number> {
  const { text } = await objectText(ctx.config, ctx.s3, bucket, key);
  const snapshot = await new CatalogueCache(ctx.db).get();
  const judge = new CsvLineJudge({
    catalogue: snapshot.catalogue,
    now: Date.now(),
    timeZone: ctx.config.museum.timeZone,
  });
  const lines = new LineSplitter().push(Buffer.from(text));
  const started = process.hrtime.bigint();
  for (const l of lines) judge.judge(l);
  return lines.length / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function naiveInserts(db: Pool, ratingsFile: string, sample: number): Promise<number> {
  await db.query(
    'create table bench_naive (like rating_interaction including defaults including identity including indexes)',
  );
  const rows = fs.readFileSync(ratingsFile, 'utf8').split('\n').filter(Boolean).slice(0, sample);
  const client = await db.connect();
  try {
    await client.query(`set timezone = 'Europe/London'`);
    const started = process.hrtime.bigint();
    for (const r of rows) {
      await client.query(
        'insert into bench_naive (exhibition_id, rating_id, event_at, source_id, source_seq) values ($1, $2, $3, $4, $5)',
        r.split('\t'),
      );
    }
    return rows.length / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    client.release();
  }
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--rows <n>', 'history rows in total', (v) => Number(v), 1_000_000)
    .option('--files <n>', 'history files', (v) => Number(v), 10)
    .option('--concurrency <n>', 'files loaded at once by the workflow', (v) => Number(v), 2)
    .parse(process.argv)
    .opts<{ rows: number; files: number; concurrency: number }>();

  const ctx = await freshDatabase(DATABASE);
  const { config, db, s3 } = ctx;
  const bucket = `bench-backfill-${Date.now().toString(36)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  let t = Date.now();
  const history = await writeHistory({ s3, bucket, rows: opts.rows, files: opts.files, seed: 'bench' });
  console.log(
    `wrote ${fmt(opts.rows)} rows in ${opts.files} files to s3://${bucket} in ${fmt((Date.now() - t) / 1000, 1)} s`,
  );

  const taskQueue = `bench-backfill-${Date.now().toString(36)}`;
  const worker = startBenchWorker(taskQueue, DATABASE);

  await ensureNamespace(config.temporal.address, NAMESPACE, 'museum-etl benchmarks');
  const connection = await Connection.connect(config.temporal.connect.connectionOptions);
  const client = new Client({ connection, namespace: NAMESPACE });
  try {
    // The first workflow also proves the worker is polling, so its start-up is not timed.
    await client.workflow
      .execute(healthCheckWorkflow, { taskQueue, workflowId: `${taskQueue}-warmup` })
      .catch(() => undefined);
    const startupRss = worker.pid ? peakRssMb(worker.pid) : undefined;
    let loadRss = 0;
    const sampler = setInterval(() => (loadRss = Math.max(loadRss, worker.pid ? rssMb(worker.pid) : 0)), 250);
    const actionsBefore = await temporalActions(NAMESPACE);
    t = Date.now();
    const summary = await client.workflow.execute(backfillWorkflow, {
      taskQueue,
      workflowId: `${taskQueue}-run`,
      args: [{ bucket, concurrency: opts.concurrency }],
    });
    const seconds = (Date.now() - t) / 1000;
    const actions = actionsSpent(actionsBefore, await temporalActions(NAMESPACE));
    clearInterval(sampler);
    const rss = worker.pid ? peakRssMb(worker.pid) : undefined;
    const loaded = summary.ratings + summary.requests + summary.rejects;
    const exact =
      summary.ratings === history.totals.ratings &&
      summary.requests === history.totals.requests &&
      summary.rejects === history.totals.beforeOpening;
    console.log(
      `backfill: ${fmt(loaded)} rows (${summary.failed.length} files failed), counts ${exact ? 'exact' : 'WRONG'}`,
    );

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-backfill-'));
    try {
      // The bare limit: the CSV files' lines, as they are, into an unlogged table with no index.
      const rawFiles = await writeRawFiles(ctx, bucket, history, dir);
      psqlSeconds(config, ['create unlogged table bench_raw (line text)']);
      const rawSeconds = psqlSeconds(
        config,
        rawFiles.map((f) => `\\copy bench_raw (line) from '${f}'`),
      );
      // The issue's bare limit: the same CSV files parsed into typed columns (unlogged, no index);
      // a row whose field does not parse is skipped (PostgreSQL 17's on_error ignore), not judged.
      psqlSeconds(config, [
        'create unlogged table bench_typed (at timestamptz, site numeric, val numeric, type numeric)',
      ]);
      const typedSeconds = psqlSeconds(
        config,
        rawFiles.map((f) => `\\copy bench_typed from '${f}' with (format csv, header true, on_error ignore)`),
      );
      const sameWork = sameWorkCopy(config, dir);
      const copySeconds = sameWork.seconds;
      const naive = await naiveInserts(db, sameWork.ratings, 20_000);
      const ceiling = await rulesCeiling(ctx, bucket, history.files[0]!.key);
      const ours = loaded / seconds;
      const copy = opts.rows / copySeconds;
      console.log('');
      console.log(
        `backfill workflow end to end  ${fmt(ours).padStart(10)} rows/s  (${fmt(seconds, 1)} s, concurrency ${opts.concurrency})`,
      );
      console.log(
        `psql \\copy baseline           ${fmt(copy).padStart(10)} rows/s  (the same rows into the same tables, triggers and keys included; ${fmt(copySeconds, 1)} s)`,
      );
      console.log(
        `ratio backfill / \\copy        ${fmt(ours / copy, 3).padStart(10)}  (the same-work limit)`,
      );
      console.log(
        `bare limit: raw CSV \\copy      ${fmt(opts.rows / rawSeconds).padStart(10)} rows/s  (unlogged, no index, ${fmt(rawSeconds, 1)} s)`,
      );
      console.log(`ratio backfill / bare limit   ${fmt(ours / (opts.rows / rawSeconds), 3).padStart(10)}`);
      console.log(
        `bare limit: typed CSV \\copy    ${fmt(opts.rows / typedSeconds).padStart(10)} rows/s  (the files' columns typed, unlogged, no index, ${fmt(typedSeconds, 1)} s)`,
      );
      console.log(`ratio backfill / typed bare    ${fmt(ours / (opts.rows / typedSeconds), 3).padStart(10)}`);
      console.log(
        `Temporal actions              ${fmt(actions.total).padStart(10)}  = ${fmt((actions.total / loaded) * 1000, 2)} per 1,000 rows (${actions.byType})`,
      );
      console.log(`naive insert per row          ${fmt(naive).padStart(10)} rows/s  (20,000-row sample)`);
      console.log(`ratio backfill / naive        ${fmt(ours / naive, 1).padStart(10)}`);
      console.log(
        `rules alone, one core         ${fmt(ceiling).padStart(10)} rows/s  (split + decode + validateCsvRow)`,
      );
      console.log(`worker peak RSS               ${peakRssVerdict(rss)}`);
      console.log(
        `  of which start-up (bundling)  ${startupRss === undefined ? 'unknown' : `${fmt(startupRss)} MB`.padStart(10)}  (peak before the run)`,
      );
      console.log(
        `  highest RSS while loading     ${`${fmt(loadRss)} MB`.padStart(10)}  (sampled every 250 ms)`,
      );
      console.log(`cpus                          ${String(os.cpus().length).padStart(10)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    worker.kill('SIGTERM');
    await Promise.race([new Promise((r) => worker.once('exit', r)), sleep(30_000)]);
    await connection.close();
    await deleteBucket(s3, bucket).catch((err: unknown) =>
      console.error(`could not delete ${bucket}: ${err}`),
    );
    await db.end();
    s3.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
