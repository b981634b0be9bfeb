import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { workflowUrl, type Config } from '../config';
import {
  archiveStatsQuery,
  archiveStopSignal,
  archiveTopicWorkflow,
  archiveWorkflowId,
  type ArchiveStats,
} from '../workflows/archive';
import { loadConfigOrExit } from './context';
import { fail, printJson, printStageTable, printTable } from './output';
import { failIfNoWorker, temporalClientOrExit } from './runs';
import { withKafkaAdminOrExit } from './topics';

export { archiveWorkflowId };

/** The topics archived by default: the kiosk topic and the three Pinterest topics. */
export function defaultArchiveTopics(config: Config): string[] {
  return [...new Set([config.kafka.topic, ...Object.values(config.pinterest.topics)])];
}

/** Starts the archive of a topic unless it is already running (then it reports that run). */
export async function startArchive(client: Client, config: Config, topic: string) {
  const { bucket, prefix, flushMessages, flushSeconds } = config.archive;
  const handle = await client.workflow.start(archiveTopicWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: archiveWorkflowId(topic),
    args: [{ topic, bucket, prefix, flushMessages, flushSeconds }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const description = await handle.describe();
  return { handle, runId: description.runId, url: workflowUrl(config, handle.workflowId, description.runId) };
}

export function archiveStats(client: Client, topic: string): Promise<ArchiveStats> {
  return client.workflow.getHandle(archiveWorkflowId(topic)).query(archiveStatsQuery);
}

interface TopicOptions {
  topic?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function topicOption(cmd: Command): Command {
  return cmd.option(
    '--topic <topic>',
    'a topic to act on; repeat for more (default: KAFKA_TOPIC and PINTEREST_TOPIC_PIN/GEO/USER)',
    collect,
  );
}

async function withClient(
  opts: TopicOptions,
  fn: (client: Client, config: Config, topics: string[]) => Promise<void>,
): Promise<void> {
  const config = loadConfigOrExit();
  const topics =
    opts.topic && opts.topic.length > 0 ? [...new Set(opts.topic)] : defaultArchiveTopics(config);
  const client = await temporalClientOrExit(config);
  try {
    await fn(client, config, topics);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') {
      fail(
        `${(err as Error).message}: no archive is running for it; start it with \`museum-etl archive start\``,
      );
    }
    failIfNoWorker(err, config);
    throw err;
  } finally {
    await client.connection.close();
  }
}

async function onTopic<T>(topic: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
    fail(`no archive is running for ${topic}; start it with \`museum-etl archive start --topic ${topic}\``);
  }
}

function printArchiveStatus(stats: ArchiveStats, url: string): void {
  console.log(`${archiveWorkflowId(stats.topic)} → ${stats.destination}: ${stats.state}  ${url}`);
  console.log(
    `  ${stats.objects} objects, ${stats.messages} messages, ${stats.bytes} bytes` +
      `; ${stats.tombstones} tombstones (empty lines), ${stats.valuesWithLf} values holding LF` +
      (stats.found ? `; ${stats.found} found in S3 already` : ''),
  );
  console.log(`  last object: ${stats.lastKey ?? '-'}${stats.lastBatchAt ? ` at ${stats.lastBatchAt}` : ''}`);
  printStageTable(stats.stages);
  const partitions = new Set([...Object.keys(stats.partitions), ...Object.keys(stats.lag)]);
  printTable(
    [...partitions]
      .sort((a, b) => Number(a) - Number(b))
      .map((partition) => ({
        partition,
        next_offset: stats.partitions[partition]?.nextOffset ?? '-',
        high_watermark: stats.partitions[partition]?.highWatermark ?? '-',
        lag: stats.lag[partition] ?? stats.partitions[partition]?.lag ?? '-',
      })),
  );
}

export function registerArchiveCommands(program: Command): void {
  const archive = program
    .command('archive')
    .description('drive the S3 archive of the Kafka topics (one workflow per topic, the S3 sink layout)')
    .addHelpText(
      'after',
      `
Objects: s3://ARCHIVE_BUCKET/ARCHIVE_PREFIX<topic>/partition=<p>/<topic>+<p>+<start offset, 10 digits>.json,
one message value a line, each ended by LF; ARCHIVE_FLUSH_MESSAGES values an object, or fewer once
the first is ARCHIVE_FLUSH_SECONDS old and the partition has nothing more.

Examples:
  $ museum-etl archive start
  $ museum-etl archive start --topic lmnh --topic pinterest.pin
  $ museum-etl archive status --json
  $ museum-etl archive stop`,
    );

  topicOption(archive.command('start'))
    .description('start the archive of each topic (idempotent: an existing run is kept)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl archive start\n  $ museum-etl archive start --topic lmnh',
    )
    .action((opts: TopicOptions) =>
      withClient(opts, async (client, config, topics) => {
        const present = await withKafkaAdminOrExit(config, (admin) => admin.listTopics());
        const missing = topics.filter((t) => !present.includes(t));
        if (missing.length > 0) {
          fail(
            `topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist on ${config.kafka.brokers.join(',')}; create ${missing.length > 1 ? 'them' : 'it'} with ${missing.map((t) => `\`museum-etl topics create ${t}\``).join(', ')}, or name the topics with --topic`,
          );
        }
        for (const topic of topics) {
          const { handle, url } = await startArchive(client, config, topic);
          console.log(
            `archive ${handle.workflowId} is running → s3://${config.archive.bucket}/${config.archive.prefix}${topic}/`,
          );
          console.log(`  ${url}`);
        }
      }),
    );

  topicOption(archive.command('status'))
    .description(
      'per topic: objects, messages, bytes, stage timings and per partition offset, high watermark, lag',
    )
    .option('--json', 'print JSON (an object by topic)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl archive status\n  $ museum-etl archive status --topic lmnh --json',
    )
    .action((opts: TopicOptions & { json?: boolean }) =>
      withClient(opts, async (client, config, topics) => {
        const all: Record<string, ArchiveStats> = {};
        for (const topic of topics) all[topic] = await onTopic(topic, () => archiveStats(client, topic));
        if (opts.json) return printJson(all);
        for (const stats of Object.values(all)) {
          printArchiveStatus(stats, workflowUrl(config, archiveWorkflowId(stats.topic)));
        }
      }),
    );

  topicOption(archive.command('stop'))
    .description(
      'finish the batch in flight, then complete the archive workflow (start resumes from the checkpoint)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl archive stop\n  $ museum-etl archive stop --topic lmnh',
    )
    .action((opts: TopicOptions) =>
      withClient(opts, async (client, _config, topics) => {
        for (const topic of topics) {
          await onTopic(topic, () =>
            client.workflow.getHandle(archiveWorkflowId(topic)).signal(archiveStopSignal),
          );
          console.log(`stop sent to ${archiveWorkflowId(topic)}`);
        }
      }),
    );
}
