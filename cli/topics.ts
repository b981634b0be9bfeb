import { InvalidArgumentError, type Command, type CommanderError } from 'commander';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Config } from '../config';
import { kafkaConfig } from '../worker/connections';
import { loadConfigOrExit } from './context';
import { EXIT, fail, printJson, printTable } from './output';

/** How long a command waits for an unreachable broker before it gives up (never a hang). */
export const KAFKA_ADMIN_TIMEOUT_MS = 15_000;

/** Kafka's own rule for topic names: 1..249 of [a-zA-Z0-9._-], and not "." or "..". */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a topic name cannot be empty';
  if (name.length > 249) return `topic name is ${name.length} characters long; Kafka allows at most 249`;
  if (name === '.' || name === '..') return `"${name}" is not a legal topic name`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name))
    return `topic name ${JSON.stringify(name)} may only contain letters, digits, ".", "_" and "-"`;
  return undefined;
}

/** A commander argument parser for counts: a whole number from 1 to max. */
export function positiveInt(max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(value) || value < 1 || value > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
}

export interface TopicInfo {
  topic: string;
  partitions: number;
  replicationFactor: number;
}

class KafkaUnreachableError extends Error {}

/**
 * Runs fn with a connected kafkajs admin built from the worker's client config (brokers, TLS, SASL),
 * with few retries and an overall deadline, so an unreachable broker is a clear error, not a hang.
 */
export async function withKafkaAdmin<T>(
  config: Config,
  fn: (admin: Admin) => Promise<T>,
  timeoutMs = KAFKA_ADMIN_TIMEOUT_MS,
): Promise<T> {
  const admin = new Kafka({
    ...kafkaConfig(config),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2000 },
  }).admin();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KafkaUnreachableError(`no answer within ${Math.round(timeoutMs / 1000)}s`)),
      timeoutMs,
    );
  });
  try {
    try {
      await Promise.race([admin.connect(), deadline]);
    } catch (err) {
      throw new KafkaUnreachableError((err as Error).message);
    }
    return await Promise.race([fn(admin), deadline]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}

/** withKafkaAdmin for commands: an unreachable broker exits 3 naming KAFKA_BROKERS. */
export async function withKafkaAdminOrExit<T>(config: Config, fn: (admin: Admin) => Promise<T>): Promise<T> {
  try {
    return await withKafkaAdmin(config, fn);
  } catch (err) {
    if (err instanceof KafkaUnreachableError || isConnectionError(err)) {
      fail(
        `cannot reach Kafka at ${config.kafka.brokers.join(',')} (KAFKA_BROKERS): ${(err as Error).message}`,
        EXIT.unavailable,
      );
    }
    throw err;
  }
}

function isConnectionError(err: unknown): boolean {
  const name = (err as Error | undefined)?.name ?? '';
  return /KafkaJSConnectionError|KafkaJSNumberOfRetriesExceeded|KafkaJSBrokerNotFound/.test(name);
}

export async function describeTopics(admin: Admin, topics?: string[]): Promise<TopicInfo[]> {
  const names = topics ?? (await admin.listTopics()).filter((t) => !t.startsWith('__'));
  if (names.length === 0) return [];
  const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
  return meta
    .map((t) => ({
      topic: t.name,
      partitions: t.partitions.length,
      replicationFactor: Math.max(0, ...t.partitions.map((p) => p.replicas.length)),
    }))
    .sort((a, b) => a.topic.localeCompare(b.topic));
}

export type CreateOutcome =
  | { outcome: 'created'; info: TopicInfo }
  | { outcome: 'exists'; info: TopicInfo }
  | { outcome: 'conflict'; info: TopicInfo };

/** Creates a topic; an existing one is fine when its partition count matches (or none was asked for). */
export async function createTopic(
  admin: Admin,
  topic: string,
  opts: { partitions?: number; replicationFactor?: number },
): Promise<CreateOutcome> {
  const created = await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic,
        numPartitions: opts.partitions ?? -1,
        replicationFactor: opts.replicationFactor ?? -1,
      },
    ],
  });
  const [info] = await describeTopics(admin, [topic]);
  if (!info) throw new Error(`topic ${topic} was not found after creating it`);
  if (created) return { outcome: 'created', info };
  if (opts.partitions !== undefined && opts.partitions !== info.partitions)
    return { outcome: 'conflict', info };
  return { outcome: 'exists', info };
}

/** Usage errors (unknown option, bad number, missing name) exit 2; --help exits 0. */
function usageExit(err: CommanderError): never {
  if (err.exitCode === 0) process.exit(0);
  process.exit(EXIT.usage);
}

export function registerTopicsCommands(program: Command): void {
  const topics = program
    .command('topics')
    .description(
      'create and list Kafka topics on the configured brokers (KAFKA_BROKERS, TLS/SASL as the worker)',
    )
    .exitOverride(usageExit)
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl topics list\n  $ museum-etl topics create lmnh-2 --partitions 4',
    );

  topics
    .command('create')
    .argument('<name>', 'topic name (letters, digits, ".", "_", "-")')
    .description('create a topic; an existing topic with the same partition count is not an error')
    .option('--partitions <n>', 'number of partitions (default: the broker default)', positiveInt(10_000))
    .option(
      '--replication-factor <r>',
      'replicas per partition (default: the broker default)',
      positiveInt(100),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl topics create lmnh-2 --partitions 4\n  $ museum-etl topics create lmnh-2 --partitions 6 --replication-factor 3   # managed Kafka',
    )
    .action(async (name: string, opts: { partitions?: number; replicationFactor?: number }) => {
      const problem = topicNameProblem(name);
      if (problem) fail(problem, EXIT.usage);
      const config = loadConfigOrExit();
      const result = await withKafkaAdminOrExit(config, (admin) => createTopic(admin, name, opts));
      const { info } = result;
      const shape = `${info.partitions} partition(s), replication factor ${info.replicationFactor}`;
      if (result.outcome === 'created') console.log(`created topic ${name}: ${shape}`);
      else if (result.outcome === 'exists')
        console.log(`topic ${name} already exists (${shape}); nothing to do`);
      else
        fail(
          `topic ${name} already exists with ${info.partitions} partition(s), not ${opts.partitions}; Kafka topics are not re-partitioned by this command`,
        );
    });

  topics
    .command('list')
    .description('topics on the brokers (internal __ topics hidden), with partitions and replication factor')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ museum-etl topics list\n  $ museum-etl topics list --json')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfigOrExit();
      const list = await withKafkaAdminOrExit(config, (admin) => describeTopics(admin));
      if (opts.json) return printJson(list);
      printTable(
        list.map((t) => ({ topic: t.topic, partitions: t.partitions, replication: t.replicationFactor })),
        ['topic', 'partitions', 'replication'],
      );
    });
}
