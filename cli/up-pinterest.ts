import type { Client } from '@temporalio/client';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { PINTEREST_TYPES } from '../datasets/pinterest/rules';
import { producePinterestTraffic } from '../datasets/pinterest/simulator/produce';
import { pinterestTraffic } from '../datasets/pinterest/simulator/traffic';
import { kafkaConfig } from '../worker/connections';
import { startLiveIngest } from './ingest';
import { createTopic, withKafkaAdmin } from './topics';

/** Posts a second of `up`'s emulator: enough to watch the Pinterest page move, no load to speak of. */
export const UP_PINTEREST_RATE = 1;

/**
 * The Pinterest half of `up`: its three topics (created if missing), a live ingest workflow for each,
 * and a slow emulator until `signal` aborts. Returns the ingest links and the emulator's end.
 */
export async function startPinterestDemo(
  client: Client,
  config: Config,
  logger: Logger,
  signal: AbortSignal,
): Promise<{ urls: string[]; emulator: Promise<number> }> {
  const topics = PINTEREST_TYPES.map((t) => config.pinterest.topics[t]);
  await withKafkaAdmin(config, async (admin) => {
    for (const topic of topics) await createTopic(admin, topic, {});
  });
  const urls = [];
  for (const topic of topics) urls.push((await startLiveIngest(client, config, topic, 'pinterest')).url);
  const producer = new Kafka({ ...kafkaConfig(config), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  const emulator = producePinterestTraffic({
    producer,
    topics: config.pinterest.topics,
    // A fixed pool (not a quarter of "forever"), so duplicates show up within minutes.
    messages: pinterestTraffic({
      posts: Number.MAX_SAFE_INTEGER,
      poolSize: 2_000,
      seed: Date.now() % 0xffff_ffff,
    }),
    rate: UP_PINTEREST_RATE,
    signal,
  }).finally(() => producer.disconnect().catch(() => undefined));
  emulator.catch((err: Error) => logger.error({ err }, 'Pinterest emulator stopped'));
  return { urls, emulator };
}
