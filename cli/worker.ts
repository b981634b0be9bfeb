import type { Command } from 'commander';
import { connectTemporalClient } from '../worker/connections';
import { ensureSchedules } from '../worker/schedule';
import { createMuseumWorker } from '../worker/worker';
import { commandLogger, loadConfigOrExit } from './context';
import { EXIT, fail } from './output';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a Temporal worker for the museum-etl task queue against the configured Temporal')
    .option('--log-level <level>', 'trace|debug|info|warn|error (overrides LOG_LEVEL)')
    .option('--log-file <path>', 'also write JSON logs to this file (overrides LOG_FILE)')
    .option('--no-schedule', 'do not create/update the nightly backfill schedule at start')
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl worker\n  $ TEMPORAL_ADDRESS=my-ns.a1b2c.tmprl.cloud:7233 TEMPORAL_NAMESPACE=my-ns.a1b2c TEMPORAL_API_KEY=... MUSEUM_ENV=production museum-etl worker',
    )
    .action(async (opts: { logLevel?: string; logFile?: string; schedule: boolean }) => {
      if (opts.logLevel) process.env.LOG_LEVEL = opts.logLevel;
      if (opts.logFile) process.env.LOG_FILE = opts.logFile;
      const config = loadConfigOrExit();
      const logger = commandLogger(config, 'worker');
      try {
        const running = await createMuseumWorker(config, logger);
        logger.info(
          {
            taskQueue: config.temporal.taskQueue,
            namespace: config.temporal.namespace,
            address: config.temporal.address,
          },
          'worker started; Ctrl-C stops it gracefully',
        );
        const done = running.run();
        if (opts.schedule) {
          const client = await connectTemporalClient(config);
          try {
            logger.info(
              { schedules: await ensureSchedules(client, config) },
              'daily backfill schedules ensured',
            );
          } finally {
            await client.connection.close();
          }
        }
        await done;
        logger.info('worker stopped');
      } catch (err) {
        logger.error({ err }, 'worker failed');
        fail((err as Error).message, EXIT.unavailable);
      }
    });
}
