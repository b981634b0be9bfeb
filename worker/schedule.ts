import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleSpec,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Config } from '../config';
import { backfillWorkflow, type BackfillInput } from '../workflows/backfill';

export const NIGHTLY_SCHEDULE_ID = 'nightly-backfill';
export const PINTEREST_SCHEDULE_ID = 'pinterest-daily';

export interface ScheduleOptions {
  scheduleId?: string;
  /** Default: the configured task queue. */
  taskQueue?: string;
  /** Temporal appends the scheduled time, so runs are `<workflowId>-<time>`. Default: the schedule id. */
  workflowId?: string;
  /** The backfill's input; default {} (the worker's bucket, no row limit). */
  input?: BackfillInput;
}

/** A daily backfill the workers keep in place: when it runs and over which dataset. */
interface DailyBackfill {
  spec(config: Config): ScheduleSpec;
  input: BackfillInput;
}

/** Midnight UTC, the seed's daily job: the sink connector has archived the previous day by then. */
export function pinterestDailySpec(): ScheduleSpec {
  return {
    calendars: [{ hour: 0, minute: 0, second: 0, comment: 'Pinterest daily batch, 00:00 UTC' }],
    timezone: 'UTC',
  };
}

/** Every schedule the workers ensure, by id. */
export const DAILY_BACKFILLS: Readonly<Record<string, DailyBackfill>> = {
  [NIGHTLY_SCHEDULE_ID]: { spec: nightlySpec, input: {} },
  [PINTEREST_SCHEDULE_ID]: { spec: pinterestDailySpec, input: { dataset: 'pinterest' } },
};

/** 02:00 museum time every day: after closing and the evening re-exports, before anyone looks. */
export function nightlySpec(config: Config): ScheduleSpec {
  return {
    calendars: [{ hour: 2, minute: 0, second: 0, comment: 'nightly backfill, 02:00 museum time' }],
    timezone: config.museum.timeZone,
  };
}

function desired(
  config: Config,
  o: ScheduleOptions,
  daily: DailyBackfill,
  state: ScheduleUpdateOptions['state'],
) {
  const scheduleId = o.scheduleId ?? NIGHTLY_SCHEDULE_ID;
  return {
    spec: daily.spec(config),
    action: {
      type: 'startWorkflow' as const,
      workflowType: backfillWorkflow,
      taskQueue: o.taskQueue ?? config.temporal.taskQueue,
      workflowId: o.workflowId ?? scheduleId,
      args: [o.input ?? daily.input] as [BackfillInput],
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

/** Ensures every schedule of DAILY_BACKFILLS (the kiosk nightly backfill, the Pinterest daily batch). */
export async function ensureSchedules(
  client: Client,
  config: Config,
): Promise<Array<{ scheduleId: string; created: boolean }>> {
  const out = [];
  for (const [scheduleId, daily] of Object.entries(DAILY_BACKFILLS)) {
    out.push(await ensureDailyBackfill(client, config, { scheduleId }, daily));
  }
  return out;
}

/** Ensures the schedule of that id from DAILY_BACKFILLS; undefined if there is none. */
export function ensureScheduleById(
  client: Client,
  config: Config,
  id: string,
  options: ScheduleOptions = {},
) {
  const daily = DAILY_BACKFILLS[id];
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
