import type { Command } from 'commander';
import { hashPassword } from '../dashboard/auth';
import { startDashboardServer } from '../dashboard/server';
import { commandLogger, loadConfigOrExit } from './context';
import { EXIT, fail } from './output';

/** Reads a line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden('Password: ');
    const again = await promptHidden('Again: ');
    if (first !== again) fail('the two passwords differ', EXIT.usage);
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerDashboardCommand(program: Command): void {
  const dashboard = program.command('dashboard');
  dashboard
    .command('hash-password')
    .description('read a password (stdin, or a prompt without echo) and print its hash for DASHBOARD_USERS')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ museum-etl dashboard hash-password',
        '  $ printf %s "$PASSWORD" | museum-etl dashboard hash-password',
        '  then DASHBOARD_USERS=curator:<printed hash>[,other:<hash>]',
      ].join('\n'),
    )
    .action(async () => {
      let password: string;
      try {
        password = await readPassword();
      } catch (err) {
        fail((err as Error).message, EXIT.usage);
      }
      if (password.length < 8) fail('the password must be at least 8 characters', EXIT.usage);
      console.log(hashPassword(password));
    });
  dashboard
    .description(
      'serve the Exhibitions, Visitor safety and Pinterest insights dashboards (reads only as the read-only reporting role)',
    )
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on; 0.0.0.0 to reach it from other machines', '127.0.0.1')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ museum-etl dashboard',
        '  $ DASHBOARD_TOKEN=$(openssl rand -hex 24) museum-etl dashboard --port 9000 --host 0.0.0.0',
        '',
        'It connects as PG_READER_USER / PG_READER_PASSWORD (museum_reader locally, created by `museum-etl seed`;',
        'required with MUSEUM_ENV=production). Behind TLS set DASHBOARD_COOKIE_SECURE=true.',
        'Access needs DASHBOARD_TOKEN (?token= or Authorization: Bearer) or a DASHBOARD_USERS login; with',
        'neither set it makes a one-time token and prints the URL carrying it (loopback only).',
      ].join('\n'),
    )
    .action(async (opts: { port: string; host: string }) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65535) {
        fail(`--port must be a whole number 0..65535, got ${JSON.stringify(opts.port)}`, EXIT.usage);
      }
      const config = loadConfigOrExit({ dashboard: true });
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
        if (e.message.startsWith('refusing to serve')) fail(e.message, EXIT.usage);
        fail(e.message, EXIT.unavailable);
      }
      console.log(`Dashboard: ${server.openUrl}`);
      console.log(`  Exhibitions     ${server.url}exhibitions`);
      console.log(`  Visitor safety  ${server.url}safety`);
      console.log(`  Pinterest       ${server.url}pinterest`);
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
