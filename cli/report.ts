import type { Command } from 'commander';
import type { Pool } from 'pg';
import type { Config } from '../config';
import {
  findPinterestView,
  PINTEREST_VIEWS,
  readPinterestView,
  type PinterestViewName,
} from '../datasets/pinterest/views';
import { createPgPool } from '../worker/connections';
import { loadConfigOrExit } from './context';
import { EXIT, fail, printJson, printTable } from './output';

const VIEW_LIST = PINTEREST_VIEWS.map((v) => `  ${v.name.padEnd(46)}${v.description}`).join('\n');

/**
 * As the reporting login when the config names one with a password (always locally), so a report
 * shows exactly what the analysts' role may see; otherwise as PGUSER.
 */
function reportingPool(config: Config): Pool {
  const reader =
    config.pg.readerPassword !== undefined
      ? { user: config.pg.readerUser, password: config.pg.readerPassword }
      : {};
  return createPgPool(config, {
    ...reader,
    max: 1,
    application_name: 'museum-etl-report',
    connectionTimeoutMillis: 5_000,
    options: '-c default_transaction_read_only=on',
  });
}

function failRead(err: unknown, config: Config): never {
  const e = err as { code?: string; message: string };
  const who = config.pg.readerPassword !== undefined ? config.pg.readerUser : config.pg.user;
  const where = `${who}@${config.pg.host}:${config.pg.port}/${config.pg.database}`;
  if (/does not exist|authentication|permission denied/i.test(e.message)) {
    fail(
      `cannot read the Pinterest views as ${where}: ${e.message} (run \`museum-etl seed --wait\` to apply migrations and create the local reader role)`,
    );
  }
  const down = e.code === 'ECONNREFUSED' || /^(08|57)/.test(e.code ?? '') || /timeout/i.test(e.message);
  fail(`cannot read the Pinterest views as ${where}: ${e.message}`, down ? EXIT.unavailable : EXIT.failed);
}

async function printPinterest(viewArg: string | undefined, json: boolean): Promise<void> {
  const chosen = viewArg === undefined ? undefined : findPinterestView(viewArg);
  if (viewArg !== undefined && chosen === undefined) {
    fail(`unknown view ${JSON.stringify(viewArg)}; the views are:\n${VIEW_LIST}`, EXIT.usage);
  }
  const views = chosen ? [chosen] : PINTEREST_VIEWS;
  const config = loadConfigOrExit();
  const db = reportingPool(config);
  const results: Array<{ name: string; description: string; rows: Array<Record<string, unknown>> }> = [];
  try {
    for (const v of views) {
      results.push({ ...v, rows: await readPinterestView(db, v.name as PinterestViewName) });
    }
  } catch (err) {
    failRead(err, config);
  } finally {
    await db.end();
  }
  if (json) {
    printJson(chosen ? results[0]!.rows : Object.fromEntries(results.map((r) => [r.name, r.rows])));
    return;
  }
  results.forEach((r, i) => {
    if (!chosen) console.log(`${i === 0 ? '' : '\n'}${r.name}: ${r.description}`);
    printTable(r.rows);
  });
}

export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('print the analysts’ reporting views');
  report
    .command('pinterest [view]')
    .description('print the Pinterest analysis views (all nine, or the one named)')
    .option('--json', 'print JSON: the rows of the view, or an object of all nine by name')
    .addHelpText(
      'after',
      [
        '',
        'Views (reporting.pinterest_<view>):',
        VIEW_LIST,
        '',
        'Examples:',
        '  $ museum-etl report pinterest',
        '  $ museum-etl report pinterest top_category_by_country',
        '  $ museum-etl report pinterest median_followers_by_age_group --json',
        '',
        'It reads as PG_READER_USER (the reporting role; museum_reader locally, created by `museum-etl seed`).',
      ].join('\n'),
    )
    .action((view: string | undefined, opts: { json?: boolean }) => printPinterest(view, opts.json === true));
}
