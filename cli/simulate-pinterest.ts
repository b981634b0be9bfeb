import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { Option, type Command } from 'commander';
import type { Config } from '../config';
import { PINTEREST_TOPIC_VARIABLES, type PinterestTopics } from '../datasets/pinterest/config';
import { DEFAULT_SINK_PREFIX, PINTEREST_TYPES } from '../datasets/pinterest/rules';
import { restProxyPartitions, restProxyProducer } from '../simulator/http-producer';
import { sinkObjects } from '../datasets/pinterest/simulator/sink-objects';
import { producePinterestTraffic } from '../datasets/pinterest/simulator/produce';
import {
  addToTally,
  emptyTally,
  pinterestTraffic,
  type PinterestMessage,
  type PinterestTally,
} from '../datasets/pinterest/simulator/traffic';
import { createS3, kafkaConfig } from '../worker/connections';
import { loadConfigOrExit } from './context';
import { EXIT, fail, printJson, printTable } from './output';
import { createProgress } from './progress';
import {
  fraction,
  nonEmpty,
  positiveInteger,
  positiveRate,
  proxyUrlOption,
  restProxyTarget,
  seedOf,
  usageExit,
  viaOption,
} from './simulate-options';
import { withKafkaAdminOrExit } from './topics';

interface PinterestOpts {
  posts: number;
  toS3?: string;
  prefix?: string;
  partitions?: number;
  rate?: number;
  seed?: number | string;
  pool?: number;
  faultFraction: number;
  json?: boolean;
  via: 'kafka' | 'http';
  proxyUrl?: string;
}

/** The topics of `topics` that do not exist, asked of Kafka or (with --via http) of the REST proxy. */
async function missingTopics(config: Config, opts: PinterestOpts, topics: PinterestTopics) {
  if (opts.via === 'http') {
    const target = restProxyTarget(config, opts);
    try {
      const found = await Promise.all(PINTEREST_TYPES.map((t) => restProxyPartitions(target, topics[t])));
      return PINTEREST_TYPES.filter((_, i) => !found[i]);
    } catch (err) {
      fail(`cannot reach the REST proxy at ${target.url}: ${(err as Error).message}`, EXIT.unavailable);
    }
  }
  const present = await withKafkaAdminOrExit(config, (admin) => admin.listTopics());
  return PINTEREST_TYPES.filter((t) => !present.includes(topics[t]));
}

async function runPinterest(opts: PinterestOpts): Promise<void> {
  const config = loadConfigOrExit();
  if (opts.toS3 !== undefined) return writePinterestObjects(config, opts, opts.toS3);
  const topics = config.pinterest.topics;
  const missing = await missingTopics(config, opts, topics);
  if (missing.length > 0) {
    fail(
      `no topic ${missing.map((t) => `${topics[t]} (${PINTEREST_TOPIC_VARIABLES[t].name})`).join(', ')} on ${config.kafka.brokers.join(',')}; create with \`museum-etl topics create <name>\``,
      EXIT.usage,
    );
  }
  const { seed, tally, messages } = countedTraffic(opts);
  console.error(
    `producing ${opts.posts} posts to ${PINTEREST_TYPES.map((t) => topics[t]).join(', ')} ` +
      `${opts.rate === undefined ? 'as fast as the broker acknowledges' : `at ${opts.rate} posts/s`}, seed ${JSON.stringify(seed)}`,
  );
  const controller = new AbortController();
  const onInt = () => controller.abort();
  process.once('SIGINT', onInt);
  const progress = createProgress({
    config,
    command: 'simulate pinterest',
    unit: 'posts',
    total: opts.posts,
  });
  const producer =
    opts.via === 'http'
      ? {
          ...restProxyProducer(restProxyTarget(config, opts)),
          connect: async () => {},
          disconnect: async () => {},
        }
      : new Kafka({ ...kafkaConfig(config), logLevel: logLevel.NOTHING }).producer();
  const started = Date.now();
  let posts = 0;
  try {
    await producer.connect();
    posts = await producePinterestTraffic({
      producer,
      topics,
      messages,
      ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
      signal: controller.signal,
      onProgress: (n) => progress.update(n),
    });
  } catch (err) {
    progress.stop();
    const where =
      opts.via === 'http'
        ? `post to the REST proxy at ${restProxyTarget(config, opts).url}`
        : `produce to Kafka at ${config.kafka.brokers.join(',')}`;
    fail(`cannot ${where}: ${(err as Error).message}`, EXIT.unavailable);
  } finally {
    process.off('SIGINT', onInt);
    await producer.disconnect().catch(() => undefined);
  }
  progress.stop();
  const summary = { seed, posts, elapsedMs: Date.now() - started, topics, expected: tally };
  if (opts.json) return printJson(summary);
  console.log(
    `sent ${posts} posts (${posts * 3} records) in ${(summary.elapsedMs / 1000).toFixed(1)}s, seed ${JSON.stringify(seed)}`,
  );
  printExpected(topics, tally);
}

/** The seeded traffic, tallied as it is drawn: the summary covers exactly what was sent. */
function countedTraffic(opts: PinterestOpts) {
  const seed = opts.seed ?? Math.floor(Math.random() * 0xffff_ffff);
  const tally = emptyTally();
  function* counted(): Generator<PinterestMessage> {
    for (const m of pinterestTraffic({
      posts: opts.posts,
      seed,
      faultRate: opts.faultFraction,
      ...(opts.pool !== undefined ? { poolSize: opts.pool } : {}),
    })) {
      addToTally(tally, m);
      yield m;
    }
  }
  return { seed, tally, messages: counted() };
}

/** The same traffic as the S3 sink connector's objects, for the batch path. */
async function writePinterestObjects(config: Config, opts: PinterestOpts, bucket: string): Promise<void> {
  const topics = config.pinterest.topics;
  const { seed, tally, messages } = countedTraffic(opts);
  const s3 = createS3(config);
  const started = Date.now();
  let objects = 0;
  try {
    for (const o of sinkObjects(messages, {
      topics,
      ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
      ...(opts.partitions !== undefined ? { partitions: opts.partitions } : {}),
    })) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.body, ContentType: 'application/json' }),
      );
      objects++;
    }
  } catch (err) {
    if ((err as Error).name === 'NoSuchBucket') fail(`bucket ${bucket} does not exist (--to-s3)`, EXIT.usage);
    fail(`cannot write to S3 bucket ${bucket}: ${(err as Error).message}`, EXIT.unavailable);
  } finally {
    s3.destroy();
  }
  const summary = {
    seed,
    posts: opts.posts,
    bucket,
    objects,
    elapsedMs: Date.now() - started,
    topics,
    expected: tally,
  };
  if (opts.json) return printJson(summary);
  const where = `s3://${bucket}/${opts.prefix ?? DEFAULT_SINK_PREFIX}`;
  console.log(
    `wrote ${opts.posts} posts as ${objects} sink objects to ${where}, seed ${JSON.stringify(seed)}`,
  );
  printExpected(topics, tally);
}

function printExpected(topics: PinterestTopics, tally: PinterestTally): void {
  console.log('what they leave in an empty database (a database that holds them already: duplicates):');
  printTable(
    PINTEREST_TYPES.map((type) => ({
      type,
      topic: topics[type],
      records: tally[type].consumed,
      rows: tally[type].rows,
      duplicates: tally[type].duplicates,
      rejects: tally[type].rejects,
    })),
  );
}

export function registerSimulatePinterest(simulate: Command): void {
  usageExit(
    simulate
      .command('pinterest')
      .description(
        'produce Pinterest emulator traffic: each post a pin, a geo and a user record with the same ind, ' +
          'drawn with replacement from a pool (identical records repeat), with seed sentinels and faults',
      )
      .addOption(
        new Option('--posts <n>', 'posts to send (three records each)')
          .argParser(positiveInteger)
          .default(1000),
      )
      .addOption(
        new Option('--rate <r>', 'posts per second (default: as fast as the broker acknowledges)')
          .argParser(positiveRate)
          .conflicts('toS3'),
      )
      .addOption(
        new Option(
          '--to-s3 <bucket>',
          'write the traffic as S3 sink connector objects to this bucket instead of Kafka',
        ).argParser(nonEmpty),
      )
      .addOption(new Option('--prefix <p>', 'with --to-s3: the key prefix (default topics/)'))
      .addOption(
        new Option(
          '--partitions <n>',
          'with --to-s3: partitions each topic spreads over (default 1)',
        ).argParser(positiveInteger),
      )
      .addOption(
        new Option('--seed <s>', 'same seed, same traffic; default random, printed').argParser(seedOf),
      )
      .addOption(
        new Option('--pool <n>', 'distinct posts to draw from (default: a quarter of --posts)').argParser(
          positiveInteger,
        ),
      )
      .addOption(
        new Option('--fault-fraction <f>', 'share of broken records, 0..1 or a percentage')
          .argParser(fraction)
          .default(0.01),
      )
      .addOption(viaOption().conflicts('toS3'))
      .addOption(proxyUrlOption())
      .option('--json', 'print the summary as JSON')
      .addHelpText(
        'after',
        [
          '',
          'With --to-s3 nothing goes to Kafka: the same traffic becomes <prefix><topic>/partition=<p>/',
          '<topic>+<p>+<startOffset>.json objects of 1,000 records, one a line, as the S3 sink connector writes.',
          'Topics: PINTEREST_TOPIC_PIN, PINTEREST_TOPIC_GEO, PINTEREST_TOPIC_USER (default pinterest.pin,',
          'pinterest.geo, pinterest.user); they must exist. The summary says, per type, the rows, duplicates',
          'and rejects the traffic leaves in an empty database. Ctrl-C stops after the send in flight.',
          '',
          'Examples:',
          '  $ museum-etl simulate pinterest --posts 10000 --seed 7',
          '  $ museum-etl simulate pinterest --posts 600 --rate 2      # a slow emulator, 5 minutes',
          '  $ museum-etl simulate pinterest --posts 1000 --via http   # through museum-etl rest-proxy',
          '  $ museum-etl simulate pinterest --posts 10000 --seed 7 --to-s3 lmnh --partitions 2',
          '  $ museum-etl simulate pinterest --posts 10000 --seed 7 --to-s3 lmnh --partitions 2',
        ].join('\n'),
      )
      .action((opts: PinterestOpts) => runPinterest(opts)),
  );
}
