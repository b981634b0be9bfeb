/**
 * Pinterest benchmark: `npm run bench:pinterest [-- --posts N --partitions P --flush F]`.
 *
 * N posts (3N records: pin, geo, user; drawn with replacement, 1% faults) wait in three topics, and
 * the same traffic as S3 sink connector objects. Printed, all measured in this run on the same
 * records:
 * - the live path: three live ingest workflows (one a topic) on a separate worker process, from the
 *   first record available to the last committed; records/s, Temporal actions per 1,000 records;
 * - the batch path: the Pinterest backfill over the sink objects, after the live path (the nightly
 *   case: every record that passes the checks is stored already, so it becomes a duplicate);
 * - the bare physical limit: the same lines COPYed into an unlogged table with no index;
 * - the worker's peak RSS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import { PINTEREST_TOPIC_VARIABLES } from '../datasets/pinterest/config';
import { PINTEREST_TYPES, type PinterestType } from '../datasets/pinterest/rules';
import { ensureNamespace } from '../infra/local/temporal-namespace';
import { producePinterestTraffic } from '../datasets/pinterest/simulator/produce';
import { sinkObjects } from '../datasets/pinterest/simulator/sink-objects';
import { expectedTotals, pinterestTraffic } from '../datasets/pinterest/simulator/traffic';
import { createKafka } from '../worker/connections';
import { backfillWorkflow } from '../workflows/backfill';
import { healthCheckWorkflow } from '../workflows/health-check';
import { drainSignal, liveIngestWorkflow } from '../workflows/ingest';
import {
  BENCH_NAMESPACE,
  checkpointed,
  deleteBucket,
  psqlSeconds,
  rssMb,
  sleep,
  startBenchWorker,
  waitUntil,
} from './harness';
import { fmt, freshDatabase, peakRssMb, peakRssVerdict } from './setup';
import { actionsSpent, temporalActions } from './temporal-actions';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DATABASE = 'museum_bench_pinterest';

async function main(): Promise<void> {
  const opts = new Command()
    .option('--posts <n>', 'posts (three records each)', (v) => Number(v), 1_000_000)
    .option('--partitions <n>', 'partitions of each topic', (v) => Number(v), 4)
    .option('--flush <n>', 'records per sink object (the connector flush.size)', (v) => Number(v), 10_000)
    .parse(process.argv)
    .opts<{ posts: number; partitions: number; flush: number }>();
  const stamp = Date.now().toString(36);
  const traffic = () => pinterestTraffic({ posts: opts.posts, seed: 'bench-pinterest' });
  const expected = expectedTotals(traffic());
  const records = PINTEREST_TYPES.reduce((n, t) => n + expected[t].consumed, 0);
  console.log(
    `museum-etl Pinterest benchmark: ${fmt(opts.posts)} posts = ${fmt(records)} records, ${opts.partitions} partitions a topic, sink objects of ${fmt(opts.flush)} records`,
  );

  const ctx = await freshDatabase(DATABASE);
  const { config, db, s3 } = ctx;
  const kafka = createKafka(config);
  const topics = Object.fromEntries(PINTEREST_TYPES.map((t) => [t, `bench-${stamp}.${t}`])) as Record<
    PinterestType,
    string
  >;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: PINTEREST_TYPES.map((t) => ({ topic: topics[t], numPartitions: opts.partitions })),
    waitForLeaders: true,
  });
  await admin.disconnect();

  let t = Date.now();
  const producer = kafka.producer();
  await producer.connect();
  await producePinterestTraffic({ producer, topics, messages: traffic() });
  await producer.disconnect();
  console.log(`produced ${fmt(records)} records in ${fmt((Date.now() - t) / 1000, 1)} s`);

  const bucket = `bench-pinterest-${stamp}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pinterest-'));
  const linesFile = path.join(dir, 'lines.txt');
  const out = fs.openSync(linesFile, 'w');
  t = Date.now();
  let objects = 0;
  for (const o of sinkObjects(traffic(), { topics, partitions: opts.partitions, flushSize: opts.flush })) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.body }));
    fs.writeSync(out, o.body);
    objects++;
  }
  fs.closeSync(out);
  console.log(`wrote ${fmt(objects)} sink objects in ${fmt((Date.now() - t) / 1000, 1)} s`);

  const taskQueue = `bench-pinterest-${stamp}`;
  const worker = startBenchWorker(
    taskQueue,
    DATABASE,
    Object.fromEntries(PINTEREST_TYPES.map((t) => [PINTEREST_TOPIC_VARIABLES[t].name, topics[t]])),
  );
  await ensureNamespace(config.temporal.address, BENCH_NAMESPACE, 'museum-etl benchmarks');
  const connection = await Connection.connect(config.temporal.connect.connectionOptions);
  const client = new Client({ connection, namespace: BENCH_NAMESPACE });
  const sampledRss = { live: 0, batch: 0 };
  let phase: keyof typeof sampledRss = 'live';
  const sampler = setInterval(() => {
    sampledRss[phase] = Math.max(sampledRss[phase], worker.pid ? rssMb(worker.pid) : 0);
  }, 250);
  try {
    await client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: `${taskQueue}-warmup` });

    // Live: the clock runs from the workflows' start to the last record committed.
    let before = await temporalActions(BENCH_NAMESPACE);
    t = Date.now();
    for (const type of PINTEREST_TYPES) {
      await client.workflow.start(liveIngestWorkflow, {
        taskQueue,
        workflowId: `ingest-${topics[type]}`,
        args: [{ topic: topics[type], dataset: 'pinterest' }],
      });
    }
    const committed = async () => {
      let n = 0;
      for (const type of PINTEREST_TYPES) n += await checkpointed(db, topics[type]);
      return n;
    };
    await waitUntil(committed, records, 'live');
    const liveSeconds = (Date.now() - t) / 1000;
    const liveActions = actionsSpent(before, await temporalActions(BENCH_NAMESPACE));
    process.stderr.write('\n');
    for (const type of PINTEREST_TYPES) {
      const handle = client.workflow.getHandle(`ingest-${topics[type]}`);
      await handle.signal(drainSignal);
      await handle.result();
    }
    const live = await storedCounts();

    phase = 'batch';
    before = await temporalActions(BENCH_NAMESPACE);
    t = Date.now();
    const summary = await client.workflow.execute(backfillWorkflow, {
      taskQueue,
      workflowId: `${taskQueue}-batch`,
      args: [{ bucket, dataset: 'pinterest' }],
    });
    const batchSeconds = (Date.now() - t) / 1000;
    const batchActions = actionsSpent(before, await temporalActions(BENCH_NAMESPACE));
    const batch = await storedCounts();
    clearInterval(sampler);
    const rss = worker.pid ? peakRssMb(worker.pid) : undefined;

    psqlSeconds(config, ['create unlogged table bench_raw (line text)']);
    // CSV with delimiter and quote bytes no record holds: every line is one value, as it is.
    const bareSeconds = psqlSeconds(config, [
      `\\copy bench_raw (line) from '${linesFile}' with (format csv, delimiter E'\\x01', quote E'\\x02')`,
    ]);
    const bareRows = Number(
      (await db.query<{ n: string }>('select count(*) as n from bench_raw')).rows[0]!.n,
    );

    const sum = (k: 'rows' | 'duplicates' | 'rejects') =>
      PINTEREST_TYPES.reduce((n, type) => n + expected[type][k], 0);
    const liveExact =
      live.rows === sum('rows') && live.duplicates === sum('duplicates') && live.rejects === sum('rejects');
    const batchExact =
      batch.rows === live.rows &&
      batch.duplicates - live.duplicates === records - sum('rejects') &&
      batch.rejects - live.rejects === sum('rejects') &&
      summary.failed.length === 0;
    const bare = bareRows / bareSeconds;
    const liveRate = records / liveSeconds;
    const batchRate = records / batchSeconds;
    console.log('');
    console.log(
      `bare limit: lines -> \\copy, unlogged, no index ${fmt(bare).padStart(10)} records/s  (${fmt(bareRows)} lines, ${fmt(bareSeconds, 1)} s)`,
    );
    console.log(
      `live: 3 topics -> 3 ingest workflows           ${fmt(liveRate).padStart(10)} records/s  (${fmt(liveSeconds, 1)} s), ratio to bare ${fmt(liveRate / bare, 3)}, counts ${liveExact ? 'exact' : 'WRONG'}`,
    );
    console.log(
      `  Temporal actions ${fmt(liveActions.total)} = ${fmt((liveActions.total / records) * 1000, 2)} per 1,000 records (${liveActions.byType})`,
    );
    console.log(
      `batch: ${fmt(objects)} sink objects -> backfill      ${fmt(batchRate).padStart(10)} records/s  (${fmt(batchSeconds, 1)} s), ratio to bare ${fmt(batchRate / bare, 3)}, counts ${batchExact ? 'exact' : 'WRONG'} (all duplicates or rejects)`,
    );
    console.log(
      `  Temporal actions ${fmt(batchActions.total)} = ${fmt((batchActions.total / records) * 1000, 2)} per 1,000 records (${batchActions.byType})`,
    );
    console.log(
      `stored: ${fmt(batch.rows)} rows, ${fmt(batch.duplicates)} duplicates, ${fmt(batch.rejects)} rejects`,
    );
    console.log(
      `worker peak RSS ${peakRssVerdict(rss)}; sampled live ${fmt(sampledRss.live)} MB, batch ${fmt(sampledRss.batch)} MB`,
    );
    console.log(`cpus ${os.cpus().length}`);
  } finally {
    clearInterval(sampler);
    worker.kill('SIGTERM');
    await Promise.race([new Promise((r) => worker.once('exit', r)), sleep(30_000)]);
    await connection.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await deleteBucket(s3, bucket).catch((err: unknown) =>
      console.error(`could not delete ${bucket}: ${err}`),
    );
    await db.end();
    s3.destroy();
  }

  async function storedCounts() {
    const { rows } = await db.query<{ rows: number; duplicates: number; rejects: number }>(
      `select (select count(*)::int from pinterest.row_origin) as rows,
              (select count(*)::int from pinterest.duplicate_record) as duplicates,
              (select count(*)::int from pinterest.rejected_record) as rejects`,
    );
    return rows[0]!;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
