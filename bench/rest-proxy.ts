/**
 * `npm run bench:rest-proxy`: records/s and p99 latency of POST /topics/{topic} through
 * `museum-etl rest-proxy` (a separate process, as deployed) with 1, 10 and 100 records per request
 * and 8 concurrent clients, against a bare KafkaJS producer sending the same records from the same
 * number of concurrent callers in the same run, the way the proxy does (one idempotent acks=all
 * producer whose sends carry every request waiting: its SendQueue), so the ratio is the cost of
 * HTTP and JSON alone. A send per caller, without that merging, is printed beside it for reference.
 * Needs the stack (`museum-etl stack up`).
 *
 *   npm run bench:rest-proxy -- [--records 100000] [--clients 8]
 */
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Partitioners, type Producer } from 'kafkajs';
import { loadConfig } from '../config';
import { REPO_ROOT } from '../config/paths';
import { SendQueue } from '../rest-proxy/send-queue';
import { createKafka } from '../worker/connections';
import { fmt, percentile } from './setup';

const BATCH_SIZES = [1, 10, 100];

interface Result {
  recordsPerSecond: number;
  p99Ms: number;
}

/** `clients` loops each sending `size` records per call until `records` are sent in all. */
async function measure(
  records: number,
  clients: number,
  size: number,
  send: (n: number) => Promise<void>,
): Promise<Result> {
  const latencies: number[] = [];
  let claimed = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    while (claimed < records) {
      const n = Math.min(size, records - claimed);
      claimed += n;
      const t = performance.now();
      await send(n);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  const seconds = (performance.now() - started) / 1000;
  return {
    recordsPerSecond: records / seconds,
    p99Ms: percentile(
      latencies.sort((a, b) => a - b),
      99,
    ),
  };
}

const value = (i: number) => ({ at: new Date().toISOString(), site: String(i % 6), val: i % 5 });

function startProxy(topic: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bin', 'museum-etl.js'), 'rest-proxy', '--port', '0'],
    {
      env: { ...process.env, REST_PROXY_TOPICS: topic, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`rest-proxy exited ${code}: ${out}`)));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /REST proxy: (http:\/\/\S+\/)/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { records: { type: 'string', default: '100000' }, clients: { type: 'string', default: '8' } },
  });
  const records = Number(values.records);
  const clients = Number(values.clients);
  if (!(Number.isInteger(records) && records > 0 && Number.isInteger(clients) && clients > 0)) {
    throw new Error('--records and --clients must be positive whole numbers');
  }
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn' });
  const kafka = createKafka(config);
  const topic = `bench-rest-proxy-${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  // The proxy's own producer settings and send queue, without HTTP in front.
  const merging: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await merging.connect();
  const queue = new SendQueue(merging);
  const proxy = await startProxy(topic);
  const url = `${proxy.url}topics/${topic}`;
  try {
    console.log(
      `${fmt(records)} records per run, ${clients} concurrent clients, topic ${topic} (4 partitions)`,
    );
    console.log(
      'records/req  proxy rec/s  bare rec/s  ratio   proxy p99 ms  bare p99 ms  ratio   bare, a send per caller rec/s',
    );
    for (const size of BATCH_SIZES) {
      let i = 0;
      const perCaller = await measure(records, clients, size, async (n) => {
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: n }, () => ({ value: JSON.stringify(value(i++)) })),
        });
      });
      const bare = await measure(records, clients, size, async (n) => {
        const placed = Array.from({ length: n }, () => {
          const k = i++;
          return { key: null, value: Buffer.from(JSON.stringify(value(k))), partition: k % 4 };
        });
        await queue.enqueue(topic, placed).done;
      });
      const viaProxy = await measure(records, clients, size, async (n) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
          body: JSON.stringify({ records: Array.from({ length: n }, () => ({ value: value(i++) })) }),
        });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      });
      console.log(
        [
          String(size).padStart(11),
          fmt(viaProxy.recordsPerSecond).padStart(12),
          fmt(bare.recordsPerSecond).padStart(11),
          fmt(viaProxy.recordsPerSecond / bare.recordsPerSecond, 2).padStart(6),
          fmt(viaProxy.p99Ms, 1).padStart(14),
          fmt(bare.p99Ms, 1).padStart(12),
          fmt(viaProxy.p99Ms / bare.p99Ms, 2).padStart(6),
          fmt(perCaller.recordsPerSecond).padStart(31),
        ].join(' '),
      );
    }
  } finally {
    proxy.child.removeAllListeners('exit');
    proxy.child.kill('SIGTERM');
    await producer.disconnect();
    await merging.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
