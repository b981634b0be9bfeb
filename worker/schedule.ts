import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleSpec,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Config } from '../config';
import type { BackfillInput } from '../workflows/backfill';

export const NIGHTLY_SCHEDULE_ID = 'nightly-backfill';

export interface NightlyScheduleOptions {
  scheduleId?: string;
  /** Default: the configured task queue. */
  taskQueue?: string;
  /** Temporal appends the scheduled time, so runs are `<workflowId>-<time>`. Default: the schedule id. */
  workflowId?: string;
  /** The backfill's input; default {} (the worker's bucket, no row limit). */
  input?: BackfillInput;
}

/** 02:00 museum time every day: after closing and the evening re-exports, before anyone looks. */
export function nightlySpec(config: Config): ScheduleSpec {
  return {
    calendars: [{ hour: 2, minute: 0, second: 0, comment: 'nightly backfill, 02:00 museum time' }],
    timezone: config.museum.timeZone,
  };
}

function desired(config: Config, o: NightlyScheduleOptions, state: ScheduleUpdateOptions['state']) {
  const scheduleId = o.scheduleId ?? NIGHTLY_SCHEDULE_ID;
  return {
    spec: nightlySpec(config),
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'backfillWorkflow',
      taskQueue: o.taskQueue ?? config.temporal.taskQueue,
      workflowId: o.workflowId ?? scheduleId,
      args: [o.input ?? {}],
    },
    policies: {
      // A run still going at 02:00 the next night (a huge re-export) is left alone, not doubled.
      overlap: ScheduleOverlapPolicy.SKIP,
      // If the server was down at 02:00, run once when it is back the same night, not a backlog.
      catchupWindow: '6 hours',
      pauseOnFailure: false,
    },
    state,
  };
}

/**
 * Creates the nightly backfill schedule, or brings an existing one to the current definition.
 * Idempotent; an operator's pause (and its note) survives, so a worker restart never unpauses it.
 */
export async function ensureNightlySchedule(
  client: Client,
  config: Config,
  options: NightlyScheduleOptions = {},
): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = options.scheduleId ?? NIGHTLY_SCHEDULE_ID;
  try {
    await client.schedule.create({
      scheduleId,
      ...desired(config, options, { note: 'created by museum-etl' }),
    });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule
    .getHandle(scheduleId)
    .update((previous) =>
      desired(config, options, { paused: previous.state.paused, note: previous.state.note }),
    );
  return { scheduleId, created: false };
}
