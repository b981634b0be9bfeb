import type { Command } from 'commander';
import { createMuseumWorker } from '../worker/worker';
import { commandLogger, loadConfigOrExit } from './context';
import { EXIT, fail } from './output';
import { stackUp } from './stack';

/** The README's main job: everything on the embedded stack, in the foreground, until Ctrl-C. */
export function registerMainJobCommand(program: Command): void {
  program
    .command('up')
    .description('run the whole pipeline locally: stack, worker (and what later parts add); Ctrl-C stops it')
    .option('--keep-stack', 'leave the stack running after Ctrl-C')
    .addHelpText('after', '\nExample:\n  $ npx museum-etl up')
    .action(async (opts: { keepStack?: boolean }) => {
      let stack;
      try {
        stack = await stackUp();
      } catch (err) {
        fail((err as Error).message, EXIT.unavailable);
      }
      const config = loadConfigOrExit();
      const logger = commandLogger(config, 'up');
      const running = await createMuseumWorker(config, logger);
      console.error(
        [
          '',
          'museum-etl is running on the embedded stack.',
          `  Temporal UI   ${config.temporal.uiUrl}`,
          `  PostgreSQL    postgres://${config.pg.user}@${config.pg.host}:${config.pg.port}/${config.pg.database}`,
          `  Kafka         ${config.kafka.brokers.join(',')} (topic ${config.kafka.topic})`,
          `  S3            ${config.s3.endpoint} (bucket ${config.s3.bucket})`,
          '  Shell access  eval "$(npx museum-etl stack env)"',
          '  Stop          Ctrl-C',
          '',
        ].join('\n'),
      );
      await running.run();
      if (!opts.keepStack) {
        console.error('[up] stopping the local stack (use --keep-stack to leave it running)');
        await stack.down((c, m) => console.error(`[stack] ${c.padEnd(8)} ${m}`));
      }
    });
}
