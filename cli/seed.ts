import type { Command } from 'commander';
import type { SeedResult } from '../workflows/seed';
import { loadConfigOrExit } from './context';
import { printJson, printTable } from './output';
import { startRun } from './runs';

export function renderSeedResult(r: SeedResult): void {
  console.log(
    `migrations applied: ${r.migrationsApplied.length ? r.migrationsApplied.join(', ') : 'none (up to date)'}`,
  );
  console.log(`bucket: ${r.bucket}`);
  printTable(
    r.exhibitionsSeeded.map((e) => ({
      exhibition: e.publicId,
      file: e.key,
      change: e.changed ? 'written' : 'unchanged',
    })),
  );
  if (r.objectsIgnored.length) console.log(`ignored (not data): ${r.objectsIgnored.join(', ')}`);
  for (const f of r.filesFailed) console.log(`FAILED ${f.key}: ${f.error}`);
}

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description(
      'apply migrations, upsert reference data and the exhibitions from the bucket (a Temporal workflow)',
    )
    .option('--bucket <name>', 'bucket with lmnh_exhibition_*.json (default: S3_BUCKET)')
    .option('--wait', 'wait for the run and print its result; exit 1 if it failed')
    .option('--json', 'with --wait, print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl seed --wait\n  $ museum-etl seed --bucket lmnh-staging --wait --json',
    )
    .action(async (opts: { bucket?: string; wait?: boolean; json?: boolean }) => {
      const config = loadConfigOrExit();
      await startRun<SeedResult>(
        config,
        'seedWorkflow',
        {
          workflowId: `seed-${new Date().toISOString().replace(/[:.]/g, '-')}`,
          args: [opts.bucket ? { bucket: opts.bucket } : {}],
        },
        Boolean(opts.wait),
        (r) => (opts.json ? printJson(r) : renderSeedResult(r)),
      );
    });
}
