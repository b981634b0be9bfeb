/**
 * Live-ingest benchmark: `npm run bench:ingest [-- --events N --latency-seconds S --rate R]`.
 * Prints throughput of the Temporal pipeline against a no-Temporal kafkajs baseline measured in
 * the same run on the same topic, the worker's peak RSS, and produce-to-commit latency.
 */
import { spawn } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { CatalogueCache } from '../pipeline/catalogue-cache';
import { loadSplitBatch } from '../pipeline/kiosk/load-split';
import { transformKafkaMessages } from '../pipeline/kiosk/split';
import type { Config } from '../config';
import { repoPath } from '../config/paths';
import { createLiveEventGenerator, runLiveSimulator } from '../simulator';
import { createKafka } from '../worker/connections';
import { fmt, freshDatabase, peakRssMb, percentile } from './setup';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const PARTITIONS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
}

async function checkpointed(db: Pool, topic: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'select coalesce(sum(next_offset), 0) as n from ingest_checkpoint where topic = $1',
    [topic],
  );
  return Number(rows[0]!.n);
}

async function waitUntil(db: Pool, topic: string, total: number, label: string): Promise<void> {
  let last = -1;
  for (;;) {
    const n = await checkpointed(db, topic);
    if (n >= total) return;
    if (n !== last) process.stderr.write(`\r  ${label}: ${fmt(n)} / ${fmt(total)}   `);
    last = n;
    await sleep(200);
  }
}

/** The same transform and bulk load, driven by a plain kafkajs consumer group: no Temporal. */
async function runBaseline(
  kafka: Kafka,
  config: Config,
  db: Pool,
  topic: string,
  total: number,
): Promise<number> {
  const catalogue = new CatalogueCache(db);
  const consumer = kafka.consumer({
    groupId: `bench-baseline-${Date.now()}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const started = Date.now();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const snapshot = await catalogue.get();
      const split = transformKafkaMessages(topic, batch.partition, batch.messages, {
        catalogue: snapshot.catalogue,
        now: Date.now(),
        timeZone: config.museum.timeZone,
      });
      const client = await db.connect();
      try {
        await client.query('begin');
        await loadSplitBatch(client, split, snapshot.exhibitionIds);
        await client.query(
          `insert into ingest_checkpoint (topic, partition, next_offset) values ($1, $2, $3)
           on conflict (topic, partition) do update set next_offset = excluded.next_offset`,
          [topic, batch.partition, (BigInt(batch.lastOffset()) + 1n).toString()],
        );
        await client.query('commit');
      } finally {
        client.release();
      }
    },
  });
  await waitUntil(db, topic, total, 'baseline');
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  return seconds;
}

async function runOurs(
  client: Client,
  db: Pool,
  topic: string,
  total: number,
  taskQueue: string,
): Promise<{ seconds: number; stop: () => Promise<void> }> {
  const started = Date.now();
  await client.workflow.start('liveIngestWorkflow', {
    taskQueue,
    workflowId: `ingest-${topic}`,
    args: [{ topic }],
  });
  await waitUntil(db, topic, total, 'temporal');
  const seconds = (Date.now() - started) / 1000;
  return {
    seconds,
    stop: async () => {
      await client.workflow.getHandle(`ingest-${topic}`).signal('drain');
      await client.workflow.getHandle(`ingest-${topic}`).result();
    },
  };
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--events <n>', 'events to produce for the throughput run', '1000000')
    .option('--latency-seconds <s>', 'length of the steady-rate latency run', '60')
    .option('--rate <n>', 'events/s of the latency run', '1000')
    .parse()
    .opts<{ events: string; latencySeconds: string; rate: string }>();
  const total = Number(opts.events);
  const stamp = Date.now().toString(36);

  console.log(`museum-etl live-ingest benchmark: ${fmt(total)} events, ${PARTITIONS} partitions, 15% faults`);
  const ours = await freshDatabase('museum_bench');
  const baseline = await freshDatabase('museum_bench_baseline');
  const kafka = createKafka(ours.config);
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

  const baselineSeconds = await runBaseline(kafka, baseline.config, baseline.db, topic, total);
  process.stderr.write('\n');

  const taskQueue = `bench-${stamp}`;
  const worker = spawn(process.execPath, [repoPath('bin', 'museum-etl.js'), 'worker', '--no-schedule'], {
    env: {
      ...process.env,
      // As the systemd unit runs it (infra/systemd): a bounded heap.
      NODE_OPTIONS: process.env.WORKER_NODE_OPTIONS ?? '--max-old-space-size=256',
      PGDATABASE: 'museum_bench',
      TEMPORAL_TASK_QUEUE: taskQueue,
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const connection = await Connection.connect({ address: ours.config.temporal.address });
  const client = new Client({ connection, namespace: ours.config.temporal.namespace });
  const run = await runOurs(client, ours.db, topic, total, taskQueue);
  process.stderr.write('\n');
  await run.stop();

  const oursRate = total / run.seconds;
  const baseRate = total / baselineSeconds;
  console.log('');
  console.log('throughput (first event available -> last row committed)');
  console.log(
    `  no-Temporal kafkajs baseline  ${fmt(baseRate).padStart(10)} events/s  (${fmt(baselineSeconds, 1)} s)`,
  );
  console.log(
    `  museum-etl on Temporal        ${fmt(oursRate).padStart(10)} events/s  (${fmt(run.seconds, 1)} s)`,
  );
  console.log(
    `  ratio                         ${fmt(oursRate / baseRate, 2).padStart(10)}  (target >= 0.50; >= 20,000 events/s)`,
  );

  // Steady-rate latency: events stamped with the current time; latency = commit row time - stamp.
  const latTopic = `bench-latency-${stamp}`;
  await createTopic(kafka, latTopic);
  await client.workflow.start('liveIngestWorkflow', {
    taskQueue,
    workflowId: `ingest-${latTopic}`,
    args: [{ topic: latTopic }],
  });
  await sleep(3000);
  const rate = Number(opts.rate);
  const seconds = Number(opts.latencySeconds);
  const steady = createLiveEventGenerator({ seed: 'latency', faultFraction: 0, stampMode: 'now' });
  const sent = await runLiveSimulator({
    producer,
    topic: latTopic,
    generator: steady,
    rate,
    durationMs: seconds * 1000,
    partitions: PARTITIONS,
  });
  await waitUntil(ours.db, latTopic, sent.sent, 'latency run');
  process.stderr.write('\n');
  const { rows } = await ours.db.query<{ ms: number }>(
    `select extract(epoch from (loaded_at - event_at)) * 1000 as ms from rating_interaction where source_position like $1
     union all select extract(epoch from (loaded_at - event_at)) * 1000 from request_interaction where source_position like $1
     union all select extract(epoch from (first_seen_at - (convert_from(raw, 'UTF8')::json->>'at')::timestamptz)) * 1000
       from rejected_event where source_position like $1`,
    [`kafka:${latTopic}:%`],
  );
  const lat = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  await client.workflow.getHandle(`ingest-${latTopic}`).signal('drain');
  console.log(
    `latency at ${fmt(rate)} events/s for ${seconds} s (${fmt(lat.length)} events, produce stamp -> commit)`,
  );
  console.log(
    `  p50 ${fmt(percentile(lat, 50))} ms   p99 ${fmt(percentile(lat, 99))} ms   max ${fmt(lat[lat.length - 1] ?? NaN)} ms  (target p99 <= 1,000 ms)`,
  );

  const rss = worker.pid ? peakRssMb(worker.pid) : undefined;
  console.log(`worker peak RSS ${rss === undefined ? 'unknown' : `${fmt(rss)} MB`} (target <= 400 MB)`);
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await producer.disconnect();
  await connection.close();
  await ours.db.end();
  await baseline.db.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
