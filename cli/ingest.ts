import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
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
import { EXIT, fail, printJson } from './output';
import { failIfNoWorker, temporalClientOrExit } from './runs';
import { printStatus, printStatusByTopic } from './ingest-status';
import { ingestTargets, type IngestTarget, type IngestTargets, type TargetOptions } from './ingest-targets';
import { withKafkaAdminOrExit } from './topics';
import { INSTALLED_DATASETS } from '../datasets';

export { ingestWorkflowId };

/**
 * Starts the live ingest for a topic unless it is already running (then it reports that run).
 * With a limit the run must be a new one, since a running ingest has no limit to keep: a
 * running one is refused with `WorkflowExecutionAlreadyStartedError`.
 */
export async function startLiveIngest(
  client: Client,
  config: Config,
  topic: string,
  dataset = INSTALLED_DATASETS.defaultName,
  limit?: number,
) {
  const handle = await client.workflow.start(liveIngestWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: ingestWorkflowId(topic),
    args: [{ topic, dataset, maxLanes: config.ingest.maxLanes, ...(limit !== undefined && { limit }) }],
    workflowIdConflictPolicy: limit === undefined ? 'USE_EXISTING' : 'FAIL',
  });
  const description = await handle.describe();
  return { handle, runId: description.runId, url: workflowUrl(config, handle.workflowId, description.runId) };
}

export function liveIngestStats(client: Client, topic: string): Promise<LiveIngestStats> {
  return client.workflow.getHandle(ingestWorkflowId(topic)).query(liveIngestStatsQuery);
}

const positiveInteger = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer`);
  return n;
};

function targetOptions(cmd: Command): Command {
  return cmd
    .option('--topic <topic>', 'Kafka topic of a dataset of one topic (default: its configured topic)')
    .option(
      '--dataset <name>',
      `${INSTALLED_DATASETS.names.join(' or ')}; default ${INSTALLED_DATASETS.defaultName}`,
    );
}

/** The `--dataset` a command needs to name this dataset: none for the default. */
const datasetFlag = (dataset: string) =>
  dataset === INSTALLED_DATASETS.defaultName ? '' : ` --dataset ${dataset}`;

/** A workflow that is not there, named by its topic so an operator knows which one to start. */
class NotRunningError extends Error {}

async function withClient<T>(
  opts: TargetOptions,
  fn: (client: Client, config: Config, targets: IngestTargets) => Promise<T>,
) {
  const config = loadConfigOrExit();
  const targets = ingestTargets(config, opts);
  const client = await temporalClientOrExit(config);
  try {
    return await fn(client, config, targets);
  } catch (err) {
    if (err instanceof NotRunningError) fail(err.message);
    failIfNoWorker(err, config);
    throw err;
  } finally {
    await client.connection.close();
  }
}

/** Runs `fn` for one target; a missing workflow becomes a NotRunningError naming the topic. */
async function onTarget<T>(dataset: string, target: IngestTarget, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
    const start = `museum-etl ingest start${datasetFlag(dataset)}`;
    throw new NotRunningError(`no live ingest is running for ${target.topic}; start it with \`${start}\``);
  }
}

export function registerIngestCommands(program: Command): void {
  const ingest = program
    .command('ingest')
    .description('drive the live Kafka → PostgreSQL ingest workflows (one per topic)')
    .addHelpText(
      'after',
      `
Datasets:
${INSTALLED_DATASETS.plugins.map((p) => `  ${p.name.padEnd(10)} ${p.summary}`).join('\n')}

Examples:
  $ museum-etl ingest start
  $ museum-etl ingest status --json
  $ museum-etl ingest start --dataset pinterest
  $ museum-etl ingest status --dataset pinterest`,
    );

  targetOptions(ingest.command('start'))
    .description('start the live ingest of a dataset (idempotent: an existing run is kept)')
    .option(
      '--limit <n>',
      'load the next n messages of each topic from its checkpoints, then complete (ingest status shows progress)',
      positiveInteger('--limit'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl ingest start --topic lmnh\n  $ museum-etl ingest start --dataset pinterest\n  $ museum-etl ingest start --limit 1000 && museum-etl ingest status',
    )
    .action((opts: TargetOptions & { limit?: number }) =>
      withClient(opts, async (client, config, { dataset, targets }) => {
        // A workflow for a missing topic would only wait; say so now instead.
        const present = await withKafkaAdminOrExit(config, (admin) => admin.listTopics());
        const missing = targets.map((t) => t.topic).filter((t) => !present.includes(t));
        if (missing.length > 0) {
          fail(
            `topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist on ${config.kafka.brokers.join(',')}; create ${missing.length > 1 ? 'them' : 'it'} with ${missing.map((t) => `\`museum-etl topics create ${t}\``).join(', ')}`,
          );
        }
        for (const target of targets) {
          const { handle, url } = await startLiveIngest(
            client,
            config,
            target.topic,
            dataset,
            opts.limit,
          ).catch((err: unknown) => {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
            return fail(
              `a live ingest of ${target.topic} is already running without a limit; drain it first (\`museum-etl ingest drain${datasetFlag(dataset)}\`), then start with --limit`,
              EXIT.usage,
            );
          });
          const limit = opts.limit === undefined ? '' : ` until it has loaded ${opts.limit} messages`;
          console.log(`live ingest ${handle.workflowId} is running${limit}`);
          console.log(`  ${url}`);
        }
      }),
    );

  for (const [name, signal, help] of [
    ['pause', pauseSignal, 'pause after the batch in flight'],
    ['resume', resumeSignal, 'resume a paused ingest'],
    ['drain', drainSignal, 'finish the batch in flight, then complete the workflow'],
  ] as const) {
    targetOptions(ingest.command(name))
      .description(`${help} (with --dataset pinterest: all three topics)`)
      .addHelpText(
        'after',
        `\nExamples:\n  $ museum-etl ingest ${name}\n  $ museum-etl ingest ${name} --dataset pinterest`,
      )
      .action((opts: TargetOptions) =>
        withClient(opts, async (client, _config, { dataset, targets }) => {
          for (const target of targets) {
            await onTarget(dataset, target, () =>
              client.workflow.getHandle(ingestWorkflowId(target.topic)).signal(signal),
            );
            console.log(`${name} sent to ${ingestWorkflowId(target.topic)}`);
          }
        }),
      );
  }

  targetOptions(ingest.command('status'))
    .description(
      'per stage and per partition: batches, durations, retries, offsets, lag, rows, rejects (pinterest: per type consumed, rows, duplicates, rejects)',
    )
    .option('--json', 'print JSON (pinterest: an object by record type)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl ingest status\n  $ museum-etl ingest status --dataset pinterest',
    )
    .action((opts: TargetOptions & { json?: boolean }) =>
      withClient(opts, async (client, config, { dataset, targets }) => {
        const all: Record<string, LiveIngestStats> = {};
        for (const target of targets) {
          all[target.label] = await onTarget(dataset, target, () => liveIngestStats(client, target.topic));
        }
        if (targets.length > 1) {
          if (opts.json) return printJson(all);
          return printStatusByTopic(all, (topic) => workflowUrl(config, ingestWorkflowId(topic)));
        }
        const stats = Object.values(all)[0]!;
        if (opts.json) return printJson(stats);
        printStatus(stats, workflowUrl(config, ingestWorkflowId(stats.topic)));
      }),
    );
}
