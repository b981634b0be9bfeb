/**
 * Archive benchmark: `npm run bench:archive [-- --messages N --flush F]`.
 *
 * N kiosk events (default 1,000,000) wait in a 4-partition topic. Printed, both measured in this run:
 * - the bare limit: a kafkajs consumer that PutObjects every F values of a partition as one
 *   object (the same layout and sizes), nothing else;
 * - museum-etl's archive workflow on Temporal (a separate worker process): extract, stage,
 *   transform, put, checkpoint; its ratio to the bare limit, its Temporal actions per 1,000
 *   messages (the dev server's `action` counter) and the worker's peak RSS;
 * - the actions of an archive of an idle topic over `--idle-seconds`, scaled to an hour.
 */
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { loadStackSettings } from '../config/stack-settings';
import { sinkObjectBody, sinkObjectKey } from '../pipeline/sink-layout';
import { ensureNamespace } from '../infra/local/temporal-namespace';
import { createLiveEventGenerator, runLiveSimulator } from '../datasets/kiosk/simulator';
import { createKafka } from '../worker/connections';
import { archiveStopSignal, archiveTopicWorkflow, type ArchiveStats } from '../workflows/archive';
import { healthCheckWorkflow } from '../workflows/health-check';
import { BENCH_NAMESPACE, deleteBucket, idleActions, startBenchWorker, waitUntil } from './harness';
import { fmt, freshDatabase, peakRssMb, peakRssVerdict } from './setup';
import { actionsSpent, temporalActions } from './temporal-actions';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const PARTITIONS = 4;
const NAMESPACE = BENCH_NAMESPACE;
const DATABASE = 'museum_bench_archive';

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
}

async function archived(db: Pool, topic: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'select coalesce(sum(next_offset), 0) as n from archive_checkpoint where topic = $1',
    [topic],
  );
  return Number(rows[0]!.n);
}

/** The bare limit: read with kafkajs, PutObject every `flush` values of a partition, in the same layout. */
async function bareReadAndPut(
  kafka: Kafka,
  s3: S3Client,
  bucket: string,
  topic: string,
  total: number,
  flush: number,
): Promise<number> {
  const consumer = kafka.consumer({
    groupId: `bench-archive-bare-${Date.now()}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const open = new Map<number, { start: string; values: (Buffer | null)[] }>();
  let consumed = 0;
  let stored = 0;
  const put = async (partition: number) => {
    const o = open.get(partition);
    if (!o || o.values.length === 0) return;
    open.delete(partition);
    const { body } = sinkObjectBody(o.values);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: sinkObjectKey('bare/', topic, partition, o.start),
        Body: body,
        ContentType: 'application/json',
      }),
    );
    stored += o.values.length;
  };
  const started = Date.now();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        let o = open.get(batch.partition);
        if (!o) open.set(batch.partition, (o = { start: m.offset, values: [] }));
        o.values.push(m.value);
        consumed++;
        if (o.values.length >= flush) await put(batch.partition);
      }
      if (consumed >= total) for (const p of [...open.keys()]) await put(p);
    },
  });
  await waitUntil(async () => stored, total, 'bare read-and-put');
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  return seconds;
}

function stageLine(stats: ArchiveStats): string {
  const mean = (s: ArchiveStats['stages']['load']) => (s.runs ? fmt(s.totalMs / s.runs) : '-');
  const { extract, transform, load } = stats.stages;
  return (
    `${fmt(stats.batches)} batches, ${fmt(stats.objects)} objects; ` +
    `mean ms: extract ${mean(extract)}, transform ${mean(transform)}, load ${mean(load)}; ` +
    `retries ${extract.retries + transform.retries + load.retries}`
  );
}

/** An archive of a topic nobody writes to: what its long polls cost. */
async function idleRun(client: Client, kafka: Kafka, taskQueue: string, bucket: string, seconds: number) {
  const topic = `bench-archive-idle-${Date.now().toString(36)}`;
  await createTopic(kafka, topic);
  const handle = await client.workflow.start(archiveTopicWorkflow, {
    taskQueue,
    workflowId: `archive-${topic}`,
    args: [{ topic, bucket, prefix: 'topics/', flushMessages: 10_000, flushSeconds: 300 }],
  });
  return idleActions(NAMESPACE, seconds, async () => {
    await handle.signal(archiveStopSignal);
    await handle.result();
  });
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--messages <n>', 'messages in the topic', '1000000')
    .option('--flush <n>', 'messages per object (ARCHIVE_FLUSH_MESSAGES)', '10000')
    .option('--idle-seconds <s>', 'length of the idle run (scaled to an hour; 0 skips it)', '300')
    .parse()
    .opts<{ messages: string; flush: string; idleSeconds: string }>();
  const idleSeconds = Number(opts.idleSeconds);
  const total = Number(opts.messages);
  const flush = Number(opts.flush);
  const stamp = Date.now().toString(36);
  console.log(
    `museum-etl archive benchmark: ${fmt(total)} messages, ${PARTITIONS} partitions, ${fmt(flush)} messages an object`,
  );
  const { config, db, s3 } = await freshDatabase(DATABASE);
  const kafka = createKafka(config);
  await ensureNamespace(config.temporal.address, NAMESPACE, 'museum-etl benchmarks');
  const topic = `bench-archive-${stamp}`;
  await createTopic(kafka, topic);
  const bucket = `bench-archive-${stamp}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  const producer = kafka.producer();
  await producer.connect();
  const generator = createLiveEventGenerator({ seed: 'bench-archive', faultFraction: 0.15 });
  const produced = await runLiveSimulator({
    producer,
    topic,
    generator,
    maxRate: true,
    count: total,
    partitions: PARTITIONS,
  });
  await producer.disconnect();
  console.log(
    `produced ${fmt(produced.sent)} messages in ${fmt(produced.elapsedMs / 1000, 1)} s (${fmt(produced.sent / (produced.elapsedMs / 1000))} messages/s)`,
  );

  const bareSeconds = await bareReadAndPut(kafka, s3, bucket, topic, total, flush);
  process.stderr.write('\n');

  const taskQueue = `bench-archive-${stamp}`;
  const worker = startBenchWorker(taskQueue, DATABASE);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: NAMESPACE });
  await client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: `bench-warmup-${stamp}` });
  const before = await temporalActions(NAMESPACE);
  const started = Date.now();
  const handle = await client.workflow.start(archiveTopicWorkflow, {
    taskQueue,
    workflowId: `archive-${topic}`,
    // A short age rule so the last, partial objects do not wait ARCHIVE_FLUSH_SECONDS' default 300 s.
    args: [{ topic, bucket, prefix: 'topics/', flushMessages: flush, flushSeconds: 2 }],
  });
  await waitUntil(() => archived(db, topic), total, 'museum-etl archive');
  const oursSeconds = (Date.now() - started) / 1000;
  const after = await temporalActions(NAMESPACE);
  process.stderr.write('\n');
  await handle.signal(archiveStopSignal);
  const stats = await handle.result();
  const actions = actionsSpent(before, after);

  const rate = (s: number) => total / s;
  console.log('');
  console.log(`archive of ${fmt(total)} messages (workflow start -> last checkpoint)`);
  console.log(
    `  bare limit: kafkajs -> PutObject, same objects  ${fmt(rate(bareSeconds)).padStart(9)} messages/s  (${fmt(bareSeconds, 1)} s)`,
  );
  console.log(
    `  museum-etl archive on Temporal                 ${fmt(rate(oursSeconds)).padStart(9)} messages/s  (${fmt(oursSeconds, 1)} s)`,
  );
  console.log(`    ratio to the bare limit      ${fmt(bareSeconds / oursSeconds, 2)}`);
  console.log(
    `    Temporal actions ${fmt(actions.total)} = ${fmt((actions.total / total) * 1000, 2)} per 1,000 messages (${actions.byType})`,
  );
  console.log(`    ${stageLine(stats)}; ${fmt(stats.bytes)} bytes`);
  if (idleSeconds > 0) {
    const idle = await idleRun(client, kafka, taskQueue, bucket, idleSeconds);
    console.log(
      `idle topic for ${idleSeconds} s: ${fmt(idle.total)} actions = ${fmt((idle.total * 3600) / idleSeconds)} per hour (${idle.byType})`,
    );
  }
  const rss = worker.pid ? peakRssMb(worker.pid) : undefined;
  console.log(`worker peak RSS ${peakRssVerdict(rss)}`);
  console.log(
    `(Temporal metrics from :${loadStackSettings().ports.temporalMetrics}, namespace ${NAMESPACE})`,
  );
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await connection.close();
  await db.end();
  await deleteBucket(s3, bucket);
  s3.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
