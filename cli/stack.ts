import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Command } from 'commander';
import type { ComponentName } from '../infra/local/component';
import { COMPONENT_NAMES, LocalStack } from '../infra/local/stack';
import { loadStackSettings, stackEnvironment } from '../config/stack-settings';
import { EXIT, fail, printJson, printTable } from './output';

function stackOrFail(): LocalStack {
  try {
    return new LocalStack(loadStackSettings());
  } catch (err) {
    return fail((err as Error).message, EXIT.usage);
  }
}

function parseComponents(names: string[]): ComponentName[] {
  for (const n of names) {
    if (!COMPONENT_NAMES.includes(n as ComponentName)) {
      fail(`unknown component ${JSON.stringify(n)}; choose from ${COMPONENT_NAMES.join(', ')}`, EXIT.usage);
    }
  }
  return names as ComponentName[];
}

const progressLine = (component: string, message: string) =>
  console.error(`[stack] ${component.padEnd(8)} ${message}`);

export async function stackUp(names: ComponentName[] = []): Promise<LocalStack> {
  const stack = stackOrFail();
  const started = Date.now();
  await stack.up(progressLine, names);
  console.error(`[stack] ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return stack;
}

export function registerStackCommands(program: Command): void {
  const stack = program
    .command('stack')
    .description('install, run and inspect the embedded local stack (Temporal, Kafka, S3, PostgreSQL)')
    .addHelpText(
      'after',
      '\nExample:\n  $ museum-etl stack up && eval "$(museum-etl stack env)" && psql -c "select 1"',
    );

  stack
    .command('up')
    .argument('[components...]', `subset of ${COMPONENT_NAMES.join(', ')}`)
    .description('install (first time) and start the stack; idempotent')
    .addHelpText(
      'after',
      '\nExample:\n  $ museum-etl stack up\n  $ STACK_PG_PORT=55432 museum-etl stack up postgres',
    )
    .action(async (components: string[]) => {
      try {
        const s = await stackUp(parseComponents(components));
        printTable((await s.status()).map(statusRow));
      } catch (err) {
        fail((err as Error).message, EXIT.unavailable);
      }
    });

  stack
    .command('down')
    .argument('[components...]', `subset of ${COMPONENT_NAMES.join(', ')}`)
    .description('stop what `stack up` started (state is kept)')
    .addHelpText('after', '\nExample:\n  $ museum-etl stack down')
    .action(async (components: string[]) => {
      await stackOrFail().down(progressLine, parseComponents(components));
    });

  stack
    .command('status')
    .description('per component: running, address, pid, version, health')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ museum-etl stack status --json')
    .action(async (opts: { json?: boolean }) => {
      const rows = await stackOrFail().status();
      if (opts.json) printJson(rows);
      else printTable(rows.map(statusRow));
      if (!rows.every((r) => r.running && r.healthy)) process.exitCode = EXIT.unavailable;
    });

  stack
    .command('reset')
    .description('stop the stack and wipe its data so the next `up` starts empty (installs are kept)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', '\nExample:\n  $ museum-etl stack reset --yes')
    .action(async (opts: { yes?: boolean }) => {
      if (!opts.yes && process.stdin.isTTY) {
        const readline = await import('node:readline/promises');
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(
          'Wipe all local stack data (database, topics, bucket, Temporal history)? [y/N] ',
        );
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) fail('reset cancelled', EXIT.failed);
      }
      await stackOrFail().reset(progressLine);
    });

  stack
    .command('env')
    .description('print shell export lines for psql, kcat, aws and temporal CLIs')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ eval "$(npx museum-etl stack env)"\n  $ temporal workflow list')
    .action((opts: { json?: boolean }) => {
      const env = stackEnvironment(stackOrFail().settings);
      if (opts.json) return printJson(env);
      for (const [k, v] of Object.entries(env)) console.log(`export ${k}=${shellQuote(v)}`);
    });

  stack
    .command('logs')
    .argument('[component]', `one of ${COMPONENT_NAMES.join(', ')} (default: all)`)
    .option('-n, --lines <n>', 'lines to show', '50')
    .option('-f, --follow', 'keep printing new lines')
    .description('show the log of one component or all of them')
    .addHelpText(
      'after',
      '\nExample:\n  $ museum-etl stack logs kafka -n 100\n  $ museum-etl stack logs temporal -f',
    )
    .action((component: string | undefined, opts: { lines: string; follow?: boolean }) => {
      const s = stackOrFail();
      const names = component ? parseComponents([component]) : COMPONENT_NAMES;
      const files = names.map((n) => s.logFile(n)).filter((f) => fs.existsSync(f));
      if (files.length === 0) fail('no logs yet: run `museum-etl stack up` first', EXIT.failed);
      const args = ['-n', String(Number(opts.lines) || 50), ...(opts.follow ? ['-F'] : []), ...files];
      const child = spawn('tail', args, { stdio: 'inherit' });
      child.on('exit', (code) => process.exit(code ?? 0));
    });
}

function statusRow(r: Awaited<ReturnType<LocalStack['status']>>[number]) {
  return {
    component: r.component,
    state: r.running ? (r.healthy ? 'running' : 'unhealthy') : 'stopped',
    address: r.address,
    pid: r.pid ?? '-',
    version: r.version,
    health: r.health,
  };
}

function shellQuote(v: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}
