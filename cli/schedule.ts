import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Command } from 'commander';
import { workflowUrl, type Config } from '../config';
import { dailyBackfills, ensureScheduleById } from '../worker/schedule';
import { loadConfigOrExit } from './context';
import { fail, printJson } from './output';
import { temporalClientOrExit } from './runs';

export function scheduleUrl(config: Config, scheduleId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/schedules/${encodeURIComponent(scheduleId)}`;
}

/** The parts an operator checks: when, in which zone, what happens on overlap, paused or not. */
export function scheduleView(d: ScheduleDescription) {
  const pad = (n: number | undefined) => String(n ?? 0).padStart(2, '0');
  const times = (d.spec.calendars ?? []).map((c) => {
    const hour = c.hour?.[0]?.start;
    const minute = c.minute?.[0]?.start;
    return `${pad(hour)}:${pad(minute)}`;
  });
  return {
    scheduleId: d.scheduleId,
    calendar: times,
    timeZone: d.spec.timezone ?? 'UTC',
    overlap: d.policies.overlap,
    paused: d.state.paused,
    note: d.state.note ?? '',
    workflowType: d.action.workflowType,
    taskQueue: d.action.taskQueue,
    nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.slice(-5).map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
      runId: a.action.workflow.firstExecutionRunId,
    })),
    runningNow: d.info.runningActions.map((a) => a.workflow.workflowId),
  };
}

function printView(config: Config, view: ReturnType<typeof scheduleView>): void {
  console.log(
    `schedule ${view.scheduleId}: ${view.paused ? 'PAUSED' : 'active'}${view.note ? ` (${view.note})` : ''}`,
  );
  console.log(
    `  runs ${view.workflowType} on ${view.taskQueue} daily at ${view.calendar.join(', ')} ${view.timeZone}`,
  );
  console.log(`  overlap: ${view.overlap}`);
  console.log(`  next: ${view.nextRuns.join(', ') || '(none: paused)'}`);
  for (const r of view.recentRuns)
    console.log(`  ran ${r.scheduledAt}: ${workflowUrl(config, r.workflowId, r.runId)}`);
  console.log(`  ${scheduleUrl(config, view.scheduleId)}`);
}

async function withClient(run: (client: Client, config: Config) => Promise<void>): Promise<void> {
  const config = loadConfigOrExit();
  const client = await temporalClientOrExit(config);
  try {
    await run(client, config);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      fail(`schedule ${err.scheduleId} does not exist; create it with "museum-etl schedule ensure"`);
    }
    throw err;
  } finally {
    await client.connection.close();
  }
}

export function registerScheduleCommands(program: Command): void {
  const dailies = [...dailyBackfills().values()];
  const ids = dailies.map((d) => d.id);
  const schedule = program
    .command('schedule')
    .description(
      `the daily backfill Temporal Schedules (${dailies.map((d) => `${d.id}: ${d.description}`).join('; ')}; overlap SKIP)`,
    )
    .addHelpText(
      'after',
      `\nExamples:\n  $ museum-etl schedule list\n  $ museum-etl schedule ensure\n  $ museum-etl schedule describe --id ${ids[ids.length - 1]}`,
    );
  const idOption = ['--id <scheduleId>', 'schedule id', ids[0]] as const;

  schedule
    .command('ensure')
    .addHelpText('after', '\nExample:\n  $ museum-etl schedule ensure')
    .description(
      'create the schedules (or the one of --id), or update them to the current definition (keeps a pause)',
    )
    .option('--id <scheduleId>', `one schedule only: ${ids.join(' or ')}`)
    .action((opts: { id?: string }) =>
      withClient(async (client, config) => {
        for (const id of opts.id !== undefined ? [opts.id] : ids) {
          const ensured = await ensureScheduleById(client, config, id);
          if (!ensured) {
            return fail(`no schedule ${id}; the schedules are ${ids.join(', ')}`);
          }
          console.log(`${ensured.created ? 'created' : 'updated'} schedule ${id}`);
          printView(config, scheduleView(await client.schedule.getHandle(id).describe()));
        }
      }),
    );

  schedule
    .command('list')
    .addHelpText('after', '\nExample:\n  $ museum-etl schedule list --json')
    .description("the product's schedules: when each runs, paused or not, next run")
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) =>
      withClient(async (client, config) => {
        const views = [];
        for (const id of ids) {
          try {
            views.push(scheduleView(await client.schedule.getHandle(id).describe()));
          } catch (err) {
            if (!(err instanceof ScheduleNotFoundError)) throw err;
            if (!opts.json) console.log(`schedule ${id}: missing (museum-etl schedule ensure creates it)`);
          }
        }
        if (opts.json) return printJson(views);
        for (const view of views) printView(config, view);
      }),
    );

  schedule
    .command('pause')
    .addHelpText('after', '\nExample:\n  $ museum-etl schedule pause --note "museum closed for refit"')
    .description('stop starting runs until unpaused (a running backfill continues)')
    .option(...idOption)
    .option('--note <text>', 'why, shown in the Temporal UI', 'paused from the museum-etl CLI')
    .action((opts: { id: string; note: string }) =>
      withClient(async (client) => {
        await client.schedule.getHandle(opts.id).pause(opts.note);
        console.log(`paused ${opts.id}`);
      }),
    );

  schedule
    .command('unpause')
    .addHelpText('after', '\nExample:\n  $ museum-etl schedule unpause')
    .description('resume the nightly runs')
    .option(...idOption)
    .option('--note <text>', 'shown in the Temporal UI', 'unpaused from the museum-etl CLI')
    .action((opts: { id: string; note: string }) =>
      withClient(async (client) => {
        await client.schedule.getHandle(opts.id).unpause(opts.note);
        console.log(`unpaused ${opts.id}`);
      }),
    );

  schedule
    .command('trigger')
    .addHelpText('after', '\nExample:\n  $ museum-etl schedule trigger')
    .description('start a run now (skipped if one is already running: overlap SKIP)')
    .option(...idOption)
    .action((opts: { id: string }) =>
      withClient(async (client, config) => {
        await client.schedule.getHandle(opts.id).trigger();
        console.log(`triggered ${opts.id}; the run appears under ${scheduleUrl(config, opts.id)}`);
      }),
    );

  schedule
    .command('describe')
    .addHelpText('after', '\nExample:\n  $ museum-etl schedule describe --json')
    .description('spec, time zone, overlap policy, pause state, next and recent runs')
    .option(...idOption)
    .option('--json', 'print as JSON')
    .action((opts: { id: string; json?: boolean }) =>
      withClient(async (client, config) => {
        const view = scheduleView(await client.schedule.getHandle(opts.id).describe());
        if (opts.json) printJson(view);
        else printView(config, view);
      }),
    );
}
