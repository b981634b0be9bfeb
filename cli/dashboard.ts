import type { Command } from 'commander';
import { startDashboardServer } from '../dashboard/server';
import { commandLogger, loadConfigOrExit } from './context';
import { EXIT, fail } from './output';

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description(
      'serve the Exhibitions and Visitor safety dashboards (reads only as the read-only reporting role)',
    )
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on; 0.0.0.0 to reach it from other machines', '127.0.0.1')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ museum-etl dashboard',
        '  $ museum-etl dashboard --port 9000 --host 0.0.0.0',
        '',
        'It connects as PG_READER_USER / PG_READER_PASSWORD (museum_reader locally, created by `museum-etl seed`).',
      ].join('\n'),
    )
    .action(async (opts: { port: string; host: string }) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65535) {
        fail(`--port must be a whole number 0..65535, got ${JSON.stringify(opts.port)}`, EXIT.usage);
      }
      const config = loadConfigOrExit();
      const logger = commandLogger(config, 'dashboard');
      let server;
      try {
        server = await startDashboardServer(config, { port, host: opts.host, logger });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE')
          fail(`port ${port} on ${opts.host} is already in use; try --port`, EXIT.usage);
        if (e.code === 'EADDRNOTAVAIL')
          fail(`cannot listen on ${opts.host}: no such local address`, EXIT.usage);
        fail(e.message, EXIT.unavailable);
      }
      console.log(`Dashboard: ${server.url}`);
      console.log(`  Exhibitions     ${server.url}exhibitions`);
      console.log(`  Visitor safety  ${server.url}safety`);
      console.log(
        `  Times in ${config.museum.timeZone}; reading as ${config.pg.readerUser}. Stop with Ctrl-C.`,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'dashboard stopping');
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
      console.log('Dashboard stopped.');
    });
}
