import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { workflowUrl, type Config } from '../config';
import type { LiveIngestStatus } from '../workflows/ingest';
import type { PartitionStats } from '../workflows/ingest-partition';
import { loadConfigOrExit } from './context';
import { EXIT, fail, printJson, printTable } from './output';
import { temporalClientOrExit } from './runs';
import { topicExists, withKafkaAdminOrExit } from './topics';

export const ingestWorkflowId = (topic: string) => `ingest-${topic}`;

/** Starts the live ingest for a topic unless it is already running (then it reports that run). */
export async function startLiveIngest(client: Client, config: Config, topic: string) {
  const handle = await client.workflow.start('liveIngestWorkflow', {
    taskQueue: config.temporal.taskQueue,
    workflowId: ingestWorkflowId(topic),
    args: [{ topic }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const description = await handle.describe();
  return { handle, runId: description.runId, url: workflowUrl(config, handle.workflowId, description.runId) };
}

export async function liveIngestStats(client: Client, topic: string) {
  const parent = await client.workflow.getHandle(ingestWorkflowId(topic)).query<LiveIngestStatus>('stats');
  const partitions = await Promise.all(
    parent.childWorkflowIds.map(async (id) => {
      try {
        return await client.workflow.getHandle(id).query<PartitionStats>('stats');
      } catch {
        return undefined; // completed (drained) or not started yet
      }
    }),
  );
  return { ...parent, partitionStats: partitions.filter((p): p is PartitionStats => p !== undefined) };
}

function topicOption(cmd: Command): Command {
  return cmd.option('--topic <topic>', 'Kafka topic (default: KAFKA_TOPIC or lmnh)');
}

async function withClient<T>(
  fn: (client: Client, config: Config, topic: string) => Promise<T>,
  topic?: string,
) {
  const config = loadConfigOrExit();
  const client = await temporalClientOrExit(config);
  try {
    return await fn(client, config, topic ?? config.kafka.topic);
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'WorkflowNotFoundError')
      fail(
        `no live ingest is running for ${topic ?? config.kafka.topic}; start it with \`museum-etl ingest start\``,
      );
    if (/Failed to query/i.test((err as Error).message)) {
      fail(
        `no worker answered the query: is a worker polling task queue ${config.temporal.taskQueue}? (museum-etl worker, or museum-etl up)`,
        EXIT.unavailable,
      );
    }
    throw err;
  } finally {
    await client.connection.close();
  }
}

export function registerIngestCommands(program: Command): void {
  const ingest = program
    .command('ingest')
    .description('drive the live Kafka → PostgreSQL ingest workflow')
    .addHelpText('after', '\nExamples:\n  $ museum-etl ingest start\n  $ museum-etl ingest status --json');

  topicOption(ingest.command('start'))
    .description('start the live ingest for a topic (idempotent: an existing run is kept)')
    .addHelpText('after', '\nExample:\n  $ museum-etl ingest start --topic lmnh')
    .action((opts: { topic?: string }) =>
      withClient(async (client, config, topic) => {
        // A workflow for a missing topic would only wait; say so now instead.
        if (!(await withKafkaAdminOrExit(config, (admin) => topicExists(admin, topic)))) {
          fail(
            `topic ${topic} does not exist on ${config.kafka.brokers.join(',')}; create it with \`museum-etl topics create ${topic}\``,
          );
        }
        const { handle, url } = await startLiveIngest(client, config, topic);
        console.log(`live ingest ${handle.workflowId} is running`);
        console.log(`  ${url}`);
      }, opts.topic),
    );

  for (const [name, help] of [
    ['pause', 'pause every partition after its current batch'],
    ['resume', 'resume paused partitions'],
    ['drain', 'finish the current batches, then complete the workflows'],
  ] as const) {
    topicOption(ingest.command(name))
      .description(help)
      .addHelpText('after', `\nExample:\n  $ museum-etl ingest ${name}`)
      .action((opts: { topic?: string }) =>
        withClient(async (client, _config, topic) => {
          await client.workflow.getHandle(ingestWorkflowId(topic)).signal(name);
          console.log(`${name} sent to ${ingestWorkflowId(topic)}`);
        }, opts.topic),
      );
  }

  topicOption(ingest.command('status'))
    .description('per partition: offsets, lag, rows, requests, rejects, last batch')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ museum-etl ingest status')
    .action((opts: { topic?: string; json?: boolean }) =>
      withClient(async (client, config, topic) => {
        const stats = await liveIngestStats(client, topic);
        if (opts.json) return printJson(stats);
        console.log(
          `${ingestWorkflowId(topic)}: ${stats.state}  ${workflowUrl(config, ingestWorkflowId(topic))}`,
        );
        printTable(
          stats.partitionStats.map((p) => ({
            partition: p.partition,
            state: p.state,
            next_offset: p.nextOffset ?? '-',
            high_watermark: p.highWatermark ?? '-',
            lag: p.lag ?? '-',
            ratings: p.ratings,
            requests: p.requests,
            rejects: p.rejects,
            top_reject: topReason(p.rejectsByReason),
            last_batch: p.lastBatchAt ? `${p.lastBatchAt} (${p.lastBatchSize})` : '-',
          })),
        );
        if (stats.partitionStats.length < stats.partitions.length) process.exitCode = EXIT.failed;
      }, opts.topic),
    );
}

function topReason(byReason: Record<string, number>): string {
  const top = Object.entries(byReason).sort((a, b) => b[1] - a[1])[0];
  return top ? `${top[0]} ${top[1]}` : '-';
}
