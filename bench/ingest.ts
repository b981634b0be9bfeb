/**
 * Live-ingest benchmark: `npm run bench:ingest [-- --events N --steady-seconds S --idle-seconds I]`.
 *
 * A backlog of N events (15% faults) waits in a 4-partition topic. Printed, all measured in this run:
 * - the bare physical limit: the raw message bytes read with kafkajs and COPYed into an unlogged
 *   table with no index (what `kcat | psql \copy` does);
 * - the same-work limit: `\copy` of the final rows into tables with the real schema, keys, indexes;
 * - museum-etl on Temporal (a separate worker process), its ratios to both, its Temporal actions
 *   per 1,000 events (the dev server's `action` counter) and the worker's peak RSS;
 * - at a steady 5 events/s and 1,000 events/s: p50/p99 produce-to-commit latency and actions per
 *   1,000 events; and the actions of an idle topic, scaled to an hour.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { loadStackSettings } from '../config/stack-settings';
import { maintenanceClient } from '../infra/local/components/postgres';
import { LocalStack } from '../infra/local/stack';
import { ensureNamespace } from '../infra/local/temporal-namespace';
import { CopyTextBuffer } from '../pipeline/copy-text';
import { createLiveEventGenerator, runLiveSimulator } from '../datasets/kiosk/simulator';
import { createKafka } from '../worker/connections';
import { healthCheckWorkflow } from '../workflows/health-check';
import { drainSignal, liveIngestWorkflow, type LiveIngestStats } from '../workflows/ingest';
import { BENCH_NAMESPACE, checkpointed, idleActions, sleep, startBenchWorker, waitUntil } from './harness';
import { fmt, freshDatabase, peakRssMb, peakRssVerdict, percentile } from './setup';
import { actionsSpent, temporalActions } from './temporal-actions';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const PARTITIONS = 4;
const NAMESPACE = BENCH_NAMESPACE;

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
}

/** The bare limit: every raw value, read with kafkajs, COPYed into an unlogged table with no index. */
async function bareCopy(kafka: Kafka, db: Pool, topic: string, total: number): Promise<number> {
  await db.query('drop table if exists bench_raw; create unlogged table bench_raw (value bytea)');
  const consumer = kafka.consumer({
    groupId: `bench-raw-${Date.now()}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let copied = 0;
  const started = Date.now();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const text = new CopyTextBuffer();
      for (const m of batch.messages) text.row([m.value ?? Buffer.alloc(0)]);
      const client = await db.connect();
      try {
        await pipeline(
          Readable.from([text.bytes()]),
          client.query(copyFrom('copy bench_raw (value) from stdin')),
        );
      } finally {
        client.release();
      }
      copied += batch.messages.length;
    },
  });
  await waitUntil(async () => copied, total, 'bare COPY');
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  return seconds;
}

/**
 * The same-work limit: the final rows COPYed into a fresh database's real tables (keys, indexes,
 * FKs). Run right after the backlog, when the benchmark database holds only that topic's rows.
 */
async function sameWorkCopy(from: Pool, into: Pool): Promise<number> {
  const tables = [
    ['rating_interaction', 'exhibition_id, rating_id, event_at, source_id, source_seq'],
    ['request_interaction', 'exhibition_id, request_id, event_at, source_id, source_seq'],
    ['rejected_event', 'source_id, source_seq, raw, reason, detail'],
  ] as const;
  const dumps: Buffer[] = [];
  for (const [table, columns] of tables) {
    const src = await from.connect();
    try {
      const chunks: Buffer[] = [];
      const stream = src.query(copyTo(`copy ${table} (${columns}) to stdout`));
      for await (const c of stream) chunks.push(c as Buffer);
      dumps.push(Buffer.concat(chunks));
    } finally {
      src.release();
    }
  }
  const started = Date.now();
  const client = await into.connect();
  try {
    await client.query('begin');
    for (const [i, [table, columns]] of tables.entries()) {
      await pipeline(
        Readable.from([dumps[i]!]),
        client.query(copyFrom(`copy ${table} (${columns}) from stdin`)),
      );
    }
    await client.query('commit');
  } finally {
    client.release();
  }
  return (Date.now() - started) / 1000;
}

interface SteadyResult {
  events: number;
  p50: number;
  p99: number;
  max: number;
  actions: number;
  byType: string;
  stages: string;
}

/**
 * Events stamped at produce time; latency = the commit time of the transaction that wrote the row
 * (pg_xact_commit_timestamp of its xmin) minus the stamp. `loaded_at` would not do: it is now() at
 * the start of the load's transaction, so it leaves the load itself out.
 */
async function steadyRun(
  client: Client,
  kafka: Kafka,
  producer: Producer,
  db: Pool,
  taskQueue: string,
  rate: number,
  seconds: number,
): Promise<SteadyResult> {
  const topic = `bench-steady-${rate}-${Date.now().toString(36)}`;
  await createTopic(kafka, topic);
  const handle = await client.workflow.start(liveIngestWorkflow, {
    taskQueue,
    workflowId: `ingest-${topic}`,
    args: [{ topic }],
  });
  // The first extract starts the partition readers (a consumer group join each): let it settle,
  // so the figures are the steady state a running ingest sees, not its first seconds.
  await sleep(10_000);
  const before = await temporalActions(NAMESPACE);
  const generator = createLiveEventGenerator({ seed: `steady-${rate}`, faultFraction: 0, stampMode: 'now' });
  const sent = await runLiveSimulator({
    producer,
    topic,
    generator,
    rate,
    durationMs: seconds * 1000,
    partitions: PARTITIONS,
  });
  await waitUntil(() => checkpointed(db, topic), sent.sent, `${rate} events/s`);
  const after = await temporalActions(NAMESPACE);
  process.stderr.write('\n');
  await handle.signal(drainSignal);
  const stats = await handle.result();
  const { rows } = await db.query<{ ms: number }>(
    `select extract(epoch from (pg_xact_commit_timestamp(xmin) - event_at)) * 1000 as ms
       from rating_interaction where source_id in (select source_id from position_source where prefix like $1)
     union all select extract(epoch from (pg_xact_commit_timestamp(xmin) - event_at)) * 1000
       from request_interaction where source_id in (select source_id from position_source where prefix like $1)
     -- Outside museum hours every stamped-now event is an out_of_hours reject: it is committed all the same.
     union all select extract(epoch from (pg_xact_commit_timestamp(xmin)
                                          - (convert_from(raw, 'UTF8')::jsonb ->> 'at')::timestamptz)) * 1000
       from rejected_event where source_id in (select source_id from position_source where prefix like $1) and reason = 'out_of_hours'`,
    [`kafka:${topic}:%`],
  );
  const lat = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const spent = actionsSpent(before, after);
  return {
    events: sent.sent,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat[lat.length - 1] ?? NaN,
    actions: spent.total,
    byType: spent.byType,
    stages: stageLine(stats),
  };
}

/** Where a run's time went: batches, mean size and mean duration of each stage. */
function stageLine(stats: LiveIngestStats): string {
  const mean = (s: LiveIngestStats['stages']['load']) => (s.runs ? fmt(s.totalMs / s.runs) : '-');
  const { extract, transform, load } = stats.stages;
  return (
    `${fmt(stats.batches)} batches of ${fmt(stats.batches ? stats.consumed / stats.batches : 0)} events; ` +
    `mean ms: extract ${mean(extract)}, transform ${mean(transform)}, load ${mean(load)}; ` +
    `retries ${extract.retries + transform.retries + load.retries}`
  );
}

async function idleRun(client: Client, kafka: Kafka, taskQueue: string, seconds: number) {
  const topic = `bench-idle-${Date.now().toString(36)}`;
  await createTopic(kafka, topic);
  const handle = await client.workflow.start(liveIngestWorkflow, {
    taskQueue,
    workflowId: `ingest-${topic}`,
    args: [{ topic }],
  });
  return idleActions(NAMESPACE, seconds, async () => {
    await handle.signal(drainSignal);
    await handle.result();
  });
}

/**
 * The latency figures read each row's commit time, which PostgreSQL records only with
 * track_commit_timestamp on (the stack starts it so): a PostgreSQL started before that is restarted.
 */
async function ensureCommitTimestamps(): Promise<void> {
  const stack = new LocalStack();
  const admin = maintenanceClient(stack.settings);
  await admin.connect();
  const { rows } = await admin.query<{ on: string }>(
    "select current_setting('track_commit_timestamp') as on",
  );
  await admin.end();
  if (rows[0]?.on === 'on') return;
  console.log('restarting the stack PostgreSQL with track_commit_timestamp=on (produce → commit latency)');
  await stack.down(() => undefined, ['postgres']);
  await stack.up(() => undefined, ['postgres']);
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--events <n>', 'backlog events for the throughput run', '1000000')
    .option('--steady-seconds <s>', 'length of each steady-rate run', '60')
    .option('--idle-seconds <s>', 'length of the idle run (scaled to an hour)', '300')
    .option('--lanes <n>', 'most pipelines the live ingest may run at once (INGEST_MAX_LANES)', '1')
    .parse()
    .opts<{ events: string; steadySeconds: string; idleSeconds: string; lanes: string }>();
  const maxLanes = Number(opts.lanes);
  const total = Number(opts.events);
  const steadySeconds = Number(opts.steadySeconds);
  const idleSeconds = Number(opts.idleSeconds);
  const stamp = Date.now().toString(36);

  console.log(
    `museum-etl live-ingest benchmark: ${fmt(total)} events, ${PARTITIONS} partitions, 15% faults, at most ${maxLanes} lanes`,
  );
  await ensureCommitTimestamps();
  const ours = await freshDatabase('museum_bench');
  const limit = await freshDatabase('museum_bench_limit');
  const kafka = createKafka(ours.config);
  await ensureNamespace(ours.config.temporal.address, NAMESPACE, 'museum-etl benchmarks');
  const topic = `bench-${stamp}`;
  await createTopic(kafka, topic);

  const producer = kafka.producer();
  await producer.connect();
  const generator = createLiveEventGenerator({ seed: 'bench', faultFraction: 0.15 });
  const produced = await runLiveSimulator({
    producer,
    topic,
    generator,
    maxRate: true,
    count: total,
    partitions: PARTITIONS,
  });
  console.log(
    `produced ${fmt(produced.sent)} events in ${fmt(produced.elapsedMs / 1000, 1)} s (${fmt(produced.sent / (produced.elapsedMs / 1000))} events/s)`,
  );

  const bareSeconds = await bareCopy(kafka, limit.db, topic, total);
  process.stderr.write('\n');

  const taskQueue = `bench-${stamp}`;
  const worker = startBenchWorker(taskQueue, 'museum_bench');
  const connection = await Connection.connect({ address: ours.config.temporal.address });
  const client = new Client({ connection, namespace: NAMESPACE });
  // The clock starts with a worker that polls already: its start-up is not ingest time.
  await client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: `bench-warmup-${stamp}` });
  const before = await temporalActions(NAMESPACE);
  const started = Date.now();
  const handle = await client.workflow.start(liveIngestWorkflow, {
    taskQueue,
    workflowId: `ingest-${topic}`,
    args: [{ topic, maxLanes }],
  });
  await waitUntil(() => checkpointed(ours.db, topic), total, 'museum-etl');
  const oursSeconds = (Date.now() - started) / 1000;
  const after = await temporalActions(NAMESPACE);
  process.stderr.write('\n');
  await handle.signal(drainSignal);
  const backlogStats = await handle.result();
  const backlogActions = actionsSpent(before, after);
  const sameWorkSeconds = await sameWorkCopy(ours.db, limit.db);

  const rate = (s: number) => total / s;
  console.log('');
  console.log(`backlog of ${fmt(total)} events (first event available -> last row committed)`);
  console.log(
    `  bare limit: kafkajs -> COPY, unlogged, no index  ${fmt(rate(bareSeconds)).padStart(9)} events/s`,
  );
  console.log(
    `  same-work limit: COPY of the final rows          ${fmt(rate(sameWorkSeconds)).padStart(9)} events/s`,
  );
  console.log(
    `  museum-etl on Temporal                           ${fmt(rate(oursSeconds)).padStart(9)} events/s`,
  );
  console.log(`    ratio to the bare limit      ${fmt(bareSeconds / oursSeconds, 2)}`);
  console.log(`    ratio to the same-work limit ${fmt(sameWorkSeconds / oursSeconds, 2)}`);
  console.log(
    `    Temporal actions ${fmt(backlogActions.total)} = ${fmt((backlogActions.total / total) * 1000, 1)} per 1,000 events (${backlogActions.byType})`,
  );
  console.log(`    ${stageLine(backlogStats)}`);
  console.log(`    lanes: at most ${maxLanes}; opened ${backlogStats.widened} times`);

  for (const r of [5, 1000]) {
    const s = await steadyRun(client, kafka, producer, ours.db, taskQueue, r, steadySeconds);
    console.log(
      `steady ${fmt(r)} events/s for ${steadySeconds} s (${fmt(s.events)} events, produce stamp -> commit)`,
    );
    console.log(`  latency p50 ${fmt(s.p50)} ms   p99 ${fmt(s.p99)} ms   max ${fmt(s.max)} ms`);
    console.log(
      `  Temporal actions ${fmt(s.actions)} = ${fmt((s.actions / s.events) * 1000, 1)} per 1,000 events (${s.byType})`,
    );
    console.log(`  ${s.stages}`);
  }
  const idle = await idleRun(client, kafka, taskQueue, idleSeconds);
  console.log(
    `idle topic for ${idleSeconds} s: ${fmt(idle.total)} actions = ${fmt((idle.total * 3600) / idleSeconds)} per hour (${idle.byType})`,
  );

  const rss = worker.pid ? peakRssMb(worker.pid) : undefined;
  console.log(`worker peak RSS ${peakRssVerdict(rss)}`);
  console.log(
    `(Temporal metrics from :${loadStackSettings().ports.temporalMetrics}, namespace ${NAMESPACE})`,
  );
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await producer.disconnect();
  await connection.close();
  await ours.db.end();
  await limit.db.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
