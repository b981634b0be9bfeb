import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { workflowUrl, type Config } from '../config';
import {
  drainSignal,
  ingestWorkflowId,
  liveIngestStatsQuery,
  liveIngestWorkflow,
  pauseSignal,
  resumeSignal,
  type LiveIngestStats,
} from '../workflows/ingest';
import { loadConfigOrExit } from './context';
import { EXIT, fail, printJson, printTable } from './output';
import { temporalClientOrExit } from './runs';
import { topicExists, withKafkaAdminOrExit } from './topics';

export { ingestWorkflowId };

/** Starts the live ingest for a topic unless it is already running (then it reports that run). */
export async function startLiveIngest(client: Client, config: Config, topic: string, dataset = 'kiosk') {
  const handle = await client.workflow.start(liveIngestWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: ingestWorkflowId(topic),
    args: [{ topic, dataset }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  const description = await handle.describe();
  return { handle, runId: description.runId, url: workflowUrl(config, handle.workflowId, description.runId) };
}

export function liveIngestStats(client: Client, topic: string): Promise<LiveIngestStats> {
  return client.workflow.getHandle(ingestWorkflowId(topic)).query(liveIngestStatsQuery);
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

  for (const [name, signal, help] of [
    ['pause', pauseSignal, 'pause after the batch in flight'],
    ['resume', resumeSignal, 'resume a paused ingest'],
    ['drain', drainSignal, 'finish the batch in flight, then complete the workflow'],
  ] as const) {
    topicOption(ingest.command(name))
      .description(help)
      .addHelpText('after', `\nExample:\n  $ museum-etl ingest ${name}`)
      .action((opts: { topic?: string }) =>
        withClient(async (client, _config, topic) => {
          await client.workflow.getHandle(ingestWorkflowId(topic)).signal(signal);
          console.log(`${name} sent to ${ingestWorkflowId(topic)}`);
        }, opts.topic),
      );
  }

  topicOption(ingest.command('status'))
    .description('per stage and per partition: batches, durations, retries, offsets, lag, rows, rejects')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ museum-etl ingest status')
    .action((opts: { topic?: string; json?: boolean }) =>
      withClient(async (client, config, topic) => {
        const stats = await liveIngestStats(client, topic);
        if (opts.json) return printJson(stats);
        printStatus(stats, workflowUrl(config, ingestWorkflowId(topic)));
      }, opts.topic),
    );
}

function printStatus(stats: LiveIngestStats, url: string): void {
  const rows = Object.entries(stats.inserted)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  console.log(`${ingestWorkflowId(stats.topic)} (${stats.dataset}): ${stats.state}  ${url}`);
  console.log(
    `  ${stats.batches} batches, ${stats.consumed} events: ${rows || 'no rows yet'}; top reject ${topReason(stats.rejectsByReason)}` +
      (stats.alreadyLoaded ? `; ${stats.alreadyLoaded} already stored` : ''),
  );
  console.log(
    `  last batch: ${stats.lastBatchAt ? `${stats.lastBatchAt} (${stats.lastBatchSize} events)` : '-'}`,
  );
  printTable(
    (['extract', 'transform', 'load'] as const).map((stage) => {
      const s = stats.stages[stage];
      return {
        stage,
        runs: s.runs,
        retries: s.retries,
        last_ms: s.lastMs ?? '-',
        mean_ms: s.runs ? Math.round(s.totalMs / s.runs) : '-',
      };
    }),
  );
  printTable(
    Object.entries(stats.partitions).map(([partition, p]) => ({
      partition,
      next_offset: p.nextOffset,
      high_watermark: p.highWatermark ?? '-',
      lag: stats.lag[partition] ?? p.lag ?? '-',
    })),
  );
}

function topReason(byReason: Record<string, number>): string {
  const top = Object.entries(byReason).sort((a, b) => b[1] - a[1])[0];
  return top ? `${top[0]} ${top[1]}` : '-';
}
