import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Config } from '../config';
import { INSTALLED_DATASETS } from '../datasets';
import type { DailyBackfill, DatasetRegistry } from '../pipeline/dataset-plugin';
import { backfillWorkflow, type BackfillInput } from '../workflows/backfill';

export interface ScheduleOptions {
  scheduleId?: string;
  /** Default: the configured task queue. */
  taskQueue?: string;
  /** Temporal appends the scheduled time, so runs are `<workflowId>-<time>`. Default: the schedule id. */
  workflowId?: string;
  /** The backfill's input; default the schedule's dataset, the worker's bucket, no row limit. */
  input?: BackfillInput;
}

/** Every daily backfill of the installed datasets, by schedule id. */
export function dailyBackfills(registry: DatasetRegistry = INSTALLED_DATASETS): Map<string, DailyBackfill> {
  return new Map(registry.schedules.map((d) => [d.id, d]));
}

/** The default dataset's runs keep the input they always had ({}), so its schedule is not rewritten. */
function inputOf(daily: DailyBackfill, registry: DatasetRegistry): BackfillInput {
  return daily.dataset === registry.defaultName ? {} : { dataset: daily.dataset };
}

function desired(
  config: Config,
  o: ScheduleOptions & { scheduleId: string },
  daily: DailyBackfill,
  state: ScheduleUpdateOptions['state'],
) {
  const { scheduleId } = o;
  return {
    spec: daily.spec(config),
    action: {
      type: 'startWorkflow' as const,
      workflowType: backfillWorkflow,
      taskQueue: o.taskQueue ?? config.temporal.taskQueue,
      workflowId: o.workflowId ?? scheduleId,
      args: [o.input ?? inputOf(daily, INSTALLED_DATASETS)] as [BackfillInput],
    },
    policies: {
      // A run still going when the next is due (a huge re-export) is left alone, not doubled.
      overlap: ScheduleOverlapPolicy.SKIP,
      // If the server was down when a run was due, run once when it is back, not a backlog.
      catchupWindow: '6 hours',
      pauseOnFailure: false,
    },
    state,
  };
}

/** Ensures the daily backfill of every installed dataset that has one. */
export async function ensureSchedules(
  client: Client,
  config: Config,
): Promise<Array<{ scheduleId: string; created: boolean }>> {
  const out = [];
  for (const [scheduleId, daily] of dailyBackfills()) {
    out.push(await ensureDailyBackfill(client, config, { scheduleId }, daily));
  }
  return out;
}

/** Ensures the daily backfill of that id; undefined if there is none. */
export function ensureScheduleById(
  client: Client,
  config: Config,
  id: string,
  options: ScheduleOptions = {},
) {
  const daily = dailyBackfills().get(id);
  return daily
    ? ensureDailyBackfill(client, config, { ...options, scheduleId: options.scheduleId ?? id }, daily)
    : undefined;
}

/**
 * Creates the schedule, or brings an existing one to the current definition. Idempotent; an
 * operator's pause (and its note) survives, so a worker restart never unpauses it.
 */
async function ensureDailyBackfill(
  client: Client,
  config: Config,
  options: ScheduleOptions & { scheduleId: string },
  daily: DailyBackfill,
): Promise<{ scheduleId: string; created: boolean }> {
  const { scheduleId } = options;
  try {
    await client.schedule.create({
      scheduleId,
      ...desired(config, options, daily, { note: 'created by museum-etl' }),
    });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule
    .getHandle(scheduleId)
    .update((previous) =>
      desired(config, options, daily, { paused: previous.state.paused, note: previous.state.note }),
    );
  return { scheduleId, created: false };
}
