import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { listAllObjects } from '../pipeline/s3-objects';
import { startDashboardServer } from '../dashboard/server';
import { startRestProxy, type RestProxy } from '../rest-proxy/server';
import { workflowUrl, type Config } from '../config';
import { isExhibitionKey } from '../datasets/kiosk/rules';
import { PINTEREST_TYPES } from '../datasets/pinterest/rules';
import { startLiveSimulation, type LiveSimulation } from '../datasets/kiosk/simulator/run-live';
import { writeHistory } from '../datasets/kiosk/simulator/history-writer';
import { createS3 } from '../worker/connections';
import { PINTEREST_SCHEDULE_ID } from '../datasets/pinterest';
import { ensureSchedules } from '../worker/schedule';
import { createMuseumWorker } from '../worker/worker';
import { backfillWorkflow } from '../workflows/backfill';
import { seedWorkflow, type SeedResult } from '../workflows/seed';
import { commandLogger, loadConfigOrExit } from './context';
import { defaultArchiveTopics, startArchive } from './archive';
import { startLiveIngest } from './ingest';
import { startPinterestDemo, UP_PINTEREST_RATE } from './up-pinterest';
import { EXIT, fail } from './output';
import { temporalClientOrExit } from './runs';
import { stackUp } from './stack';

const DEMO_HISTORY_ROWS = 50_000;

/** A fresh local bucket gets the reference exhibitions and a little history, so every view has data. */
async function ensureDemoData(config: Config, logger: Logger): Promise<boolean> {
  const s3 = createS3(config);
  try {
    const objects = await listAllObjects(s3, config.s3.bucket);
    if (objects.some((o) => isExhibitionKey(o.key))) return false;
    logger.info(
      { bucket: config.s3.bucket, rows: DEMO_HISTORY_ROWS },
      'empty bucket: writing exhibitions and simulated history',
    );
    await writeHistory({ s3, bucket: config.s3.bucket, rows: DEMO_HISTORY_ROWS, files: 2, seed: 'demo' });
    return true;
  } finally {
    s3.destroy();
  }
}

async function seed(client: Client, config: Config, logger: Logger): Promise<void> {
  const result: SeedResult = await client.workflow.execute(seedWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: `seed-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    args: [{}],
  });
  logger.info(
    {
      exhibitions: result.exhibitionsSeeded.length,
      failed: result.filesFailed,
      migrations: result.migrationsApplied,
    },
    'seeded',
  );
}

/** The README's main job: everything on the embedded stack, in the foreground, until Ctrl-C. */
export function registerMainJobCommand(program: Command): void {
  program
    .command('up')
    .description(
      'run the whole pipeline locally: stack, worker, seed, daily schedules, live ingest (kiosk and Pinterest), S3 archive of the topics, simulators, dashboards, REST proxy',
    )
    .option('--keep-stack', 'leave the stack running after Ctrl-C')
    .option('--rate <n>', 'simulated kiosk events per second', '5')
    .option('--no-simulator', 'do not produce simulated live traffic')
    .option('--dashboard-port <port>', 'port of the dashboards', '8080')
    .addHelpText('after', '\nExamples:\n  $ npx museum-etl up\n  $ npx museum-etl up --rate 50 --keep-stack')
    .action(
      async (opts: { keepStack?: boolean; rate: string; simulator: boolean; dashboardPort: string }) => {
        const rate = Number(opts.rate);
        if (!(rate > 0))
          fail(`--rate must be a positive number, got ${JSON.stringify(opts.rate)}`, EXIT.usage);
        let stack;
        try {
          stack = await stackUp();
        } catch (err) {
          fail((err as Error).message, EXIT.unavailable);
        }
        const config = loadConfigOrExit();
        const logger = commandLogger(config, 'up');
        const running = await createMuseumWorker(config, logger);
        const workerDone = running.run();
        const client = await temporalClientOrExit(config);
        const abort = new AbortController();
        let simulation: LiveSimulation | undefined;
        let dashboard: { url: string; openUrl: string; close(): Promise<void> } | undefined;
        let restProxy: RestProxy | undefined;
        const stop = () => {
          abort.abort();
          simulation?.stop();
          running.shutdown();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          const wroteHistory = await ensureDemoData(config, logger);
          await seed(client, config, logger);
          dashboard = await startDashboardServer(config, { port: Number(opts.dashboardPort), logger });
          restProxy = await startRestProxy(config, {
            host: config.restProxy.host,
            port: config.restProxy.port,
            logger,
          });
          const schedules = await ensureSchedules(client, config);
          logger.info({ schedules }, 'daily backfill schedules ensured');
          if (wroteHistory) {
            const handle = await client.workflow.start(backfillWorkflow, {
              taskQueue: config.temporal.taskQueue,
              workflowId: `backfill-first-run-${Date.now()}`,
              args: [{}],
            });
            logger.info(
              { url: workflowUrl(config, handle.workflowId) },
              'first backfill of the simulated history started',
            );
          }
          const ingest = await startLiveIngest(client, config, config.kafka.topic);
          const pinterest = await startPinterestDemo(client, config, logger, abort.signal);
          // Every topic also goes to S3 in the sink connector's layout: what pinterest-daily reads.
          for (const topic of defaultArchiveTopics(config)) await startArchive(client, config, topic);
          if (opts.simulator && !abort.signal.aborted) {
            simulation = await startLiveSimulation(
              config,
              { rate, stamp: 'recent-opening-hours' },
              abort.signal,
            );
            simulation.done.catch((err: Error) => logger.error({ err }, 'simulator stopped'));
          }
          console.error(
            [
              '',
              'museum-etl is running on the embedded stack.',
              `  Temporal UI   ${config.temporal.uiUrl}`,
              `  Dashboards    ${dashboard.openUrl}`,
              `  REST proxy    ${restProxy.url}topics/${config.kafka.topic} (Kafka REST Proxy v2 produce API)`,
              `  Live ingest   ${ingest.url}`,
              `  Status        npx museum-etl ingest status`,
              `  Pinterest     ${PINTEREST_TYPES.map((t) => config.pinterest.topics[t]).join(', ')}: live ingest, emulator ${UP_PINTEREST_RATE} post/s`,
              `                ${pinterest.urls[0] ?? ''}`,
              `                npx museum-etl ingest status --dataset pinterest; npx museum-etl report pinterest`,
              `                page "Pinterest insights" on the dashboards; daily batch: schedule ${PINTEREST_SCHEDULE_ID} (00:00 UTC)`,
              `  Archive       s3://${config.archive.bucket}/${config.archive.prefix} (${defaultArchiveTopics(config).join(', ')}; sink connector layout), npx museum-etl archive status`,
              `  Schedules     npx museum-etl schedule list`,
              `  Simulator     ${opts.simulator ? `${rate} kiosk events/s to ${config.kafka.topic} (15% faults)` : 'off'}`,
              `  PostgreSQL    eval "$(npx museum-etl stack env)" && psql`,
              '  Stop          Ctrl-C',
              '',
            ].join('\n'),
          );
        } catch (err) {
          logger.error({ err }, 'the main job could not start');
          stop();
          process.exitCode = EXIT.failed;
        }
        await workerDone;
        await dashboard?.close();
        await restProxy?.close();
        await client.connection.close();
        if (!opts.keepStack) {
          console.error('[up] stopping the local stack (use --keep-stack to leave it running)');
          await stack.down((c, m) => console.error(`[stack] ${c.padEnd(8)} ${m}`));
        }
      },
    );
}
