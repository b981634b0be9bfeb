import { InvalidArgumentError, Option, type Command } from 'commander';
import { workflowUrl } from '../config';
import { backfillWorkflow, type BackfillInput, type BackfillSummary } from '../workflows/backfill';
import { watchBackfill } from './backfill-watch';
import { loadConfigOrExit } from './context';
import { EXIT, fail, printJson, printTable } from './output';
import { temporalClientOrExit } from './runs';
import { INSTALLED_DATASETS } from '../datasets';

export function renderBackfillSummary(s: BackfillSummary): void {
  const seconds = s.durationMs / 1000;
  const rows = s.byKind
    ? Object.values(s.byKind).reduce((a, b) => a + b, 0)
    : s.ratings + s.requests + s.rejects;
  console.log(`bucket: ${s.bucket}${s.dataset ? ` (dataset ${s.dataset})` : ''}`);
  console.log(
    `files: ${s.filesTotal} listed, ${s.loaded.length} loaded, ${s.skipped.length} unchanged, ${s.failed.length} failed` +
      (s.notReached.length ? `, ${s.notReached.length} not reached (row limit ${s.rowLimit})` : ''),
  );
  const rate = seconds > 0 ? `, ${Math.round(rows / seconds)} records/s` : '';
  if (s.insertedByKind) {
    const w = s.insertedByKind;
    const written = Object.values(w).reduce((a, b) => a + b, 0);
    const kinds = Object.entries(w)
      .map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`)
      .join(', ');
    console.log(
      `records: ${rows} (written: ${kinds || 'none'}; ${rows - written} had an outcome already) in ${seconds.toFixed(1)} s${rate}`,
    );
  } else {
    console.log(
      `rows: ${rows} (${s.ratings} ratings, ${s.requests} requests, ${s.rejects} rejects) in ${seconds.toFixed(1)} s` +
        rate.replace('records/s', 'rows/s'),
    );
  }
  if (s.headerLines || s.blankLines) {
    console.log(`skipped lines: ${s.headerLines} repeated headers, ${s.blankLines} blank`);
  }
  const reasons = Object.entries(s.rejectsByReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length) printTable(reasons.map(([reason, count]) => ({ reason, count })));
  for (const f of s.loaded.filter((l) => l.replaced.length > 0)) {
    console.log(`replaced ${f.key}: ETag ${f.replaced.join(', ')} -> ${f.etag}`);
  }
  for (const f of s.failed) console.log(`FAILED ${f.key}: ${f.error}`);
}

/** Temporal wraps the real reason (workflow -> activity -> application failure): show the innermost. */
function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < (name === 'rows' ? 0 : 1)) {
    throw new InvalidArgumentError(
      `--${name} must be a ${name === 'rows' ? 'non-negative' : 'positive'} integer`,
    );
  }
  return n;
};

export function registerBackfillCommands(program: Command): void {
  const backfill = program
    .command('backfill')
    .description(
      'load S3 files into PostgreSQL: the kiosk history (lmnh_hist_data_*.csv) or the Pinterest sink objects',
    );
  backfill
    .command('run')
    .description('start a backfill run now (a Temporal workflow) and print its link')
    .option('--bucket <name>', 'bucket with the files (default: S3_BUCKET)')
    .addOption(
      new Option(
        '--dataset <name>',
        INSTALLED_DATASETS.fileDatasets.map(([name, files]) => `${name}: ${files}`).join('; '),
      )
        .choices(INSTALLED_DATASETS.fileDatasets.map(([name]) => name))
        .default(INSTALLED_DATASETS.defaultName),
    )
    .option('--prefix <p>', "only keys under this prefix (default: the dataset's own, shown under --dataset)")
    .option(
      '--rows <n>',
      'load at most n data rows in total (files then load one at a time)',
      positiveInt('rows'),
    )
    .option('--concurrency <n>', 'files loaded at the same time (default 2)', positiveInt('concurrency'))
    .option(
      '--wait',
      'show live progress until the run ends; exit 1 if it failed or a file could not be read',
    )
    .option('--json', 'with --wait, print the summary as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl backfill run --wait\n  $ museum-etl backfill run --bucket lmnh-staging --rows 10000 --wait --json\n  $ museum-etl backfill run --dataset pinterest --bucket pinterest-archive --prefix topics/ --wait\n  $ museum-etl backfill run --dataset kiosk-archive --prefix topics/ --wait',
    )
    .action(
      async (opts: {
        bucket?: string;
        dataset: string;
        prefix?: string;
        rows?: number;
        concurrency?: number;
        wait?: boolean;
        json?: boolean;
      }) => {
        const config = loadConfigOrExit();
        const client = await temporalClientOrExit(config);
        const input: BackfillInput = {
          ...(opts.bucket ? { bucket: opts.bucket } : {}),
          ...(opts.dataset !== INSTALLED_DATASETS.defaultName ? { dataset: opts.dataset } : {}),
          ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
          ...(opts.rows !== undefined ? { rowLimit: opts.rows } : {}),
          ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
        };
        try {
          const handle = await client.workflow.start(backfillWorkflow, {
            taskQueue: config.temporal.taskQueue,
            workflowId: `backfill-${opts.dataset === INSTALLED_DATASETS.defaultName ? '' : `${opts.dataset}-`}${new Date().toISOString().replace(/[:.]/g, '-')}`,
            args: [input],
          });
          console.error(`started backfillWorkflow ${handle.workflowId}`);
          console.error(`  ${workflowUrl(config, handle.workflowId, handle.firstExecutionRunId)}`);
          if (!opts.wait) return;
          const result = handle.result();
          await watchBackfill(handle, result);
          let summary: BackfillSummary;
          try {
            summary = await result;
          } catch (err) {
            return fail(`backfill ${handle.workflowId} failed: ${rootMessage(err)}`);
          }
          if (opts.json) printJson(summary);
          else renderBackfillSummary(summary);
          if (summary.failed.length > 0) process.exitCode = EXIT.failed;
        } finally {
          await client.connection.close();
        }
      },
    );
}
