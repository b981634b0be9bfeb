import {
  type ActivityOptions,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureType } from '../common/failures';
import type { Activities } from '../activities';
import type { ExtractedBatch, ExtractTopicInput, TransformResult } from '../activities/ingest';
import { runBatches, startPending, type BatchSteps, type Pending } from './batch-loop';
import { nextOffsets } from './settle';
import { addBatch, addStage, emptyStats, type LiveIngestStats } from './ingest-stats';
import { caughtUp, dealPartitions, pick, shouldWiden, totalLag } from './ingest-lanes';
import {
  ACTIVITY_NAMES_PATCH,
  HELD_BATCHES_PATCH,
  RECORDED_DEFAULT_DATASET,
  RECORDED_DEFAULT_TOPIC,
} from './recorded-inputs';

export type { LiveIngestStats, StageStats } from './ingest-stats';

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Finish the batch in flight, then complete. */
export const drainSignal = defineSignal('drain');
export const liveIngestStatsQuery = defineQuery<LiveIngestStats>('stats');

export interface LiveIngestInput {
  /** Kafka topic; starters name it (runs that did not meant the kiosk topic, see recorded-inputs.ts). */
  topic?: string;
  /** Dataset whose rules judge the topic, a name from the registry. */
  dataset?: string;
  limits?: ExtractTopicInput['limits'];
  paused?: boolean;
  /** Carried across continue-as-new so the counters and batch numbers cover the whole life. */
  stats?: LiveIngestStats;
  /** Stop after this many loaded batches (tests and benchmarks); unbounded by default. */
  maxBatches?: number;
  /**
   * Load exactly this many messages from the checkpoints, then complete (`ingest start --limit`):
   * each extract asks for no more than what is left, so the last batch ends on the limit. One lane.
   */
  limit?: number;
  /** Continue as new past this many history events; default 4,000. */
  historyLimit?: number;
  /** Most pipelines at once while the backlog is deep (never more than the partitions); default 1: on a 2-core host more lanes measured no faster. */
  maxLanes?: number;
  /** Messages waiting that open the lanes; default 40,000 (two full batches). */
  widenAtLag?: number;
}

// The live path never gives up on infrastructure: broker or database down means wait and retry.
const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' };
// The long poll: an idle extract waits up to `maxWaitMs` (5 minutes by default), heartbeating
// after its first 15 s; the SDK sends at most one heartbeat per 24 s (80% of the timeout), which
// is also how soon a cancelled or orphaned extract hears that it should stop.
const { extractTopicBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry,
});
// Heartbeats only once a step has run 15 s, so a normal batch costs none; a dead worker's batch
// is retried elsewhere within 30 s.
const { transformTopicBatch, loadTopicBatch, transformStagedBatch, loadStagedBatch } =
  proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { ...retry, nonRetryableErrorTypes: [FailureType.StagedBatchMissing, FailureType.UnknownDataset] },
  });

// A held batch's transform and load run on the worker holding it. One not picked up from that
// worker's queue within 30 s (the worker died or restarted, its batch with it) is not retried: the
// workflow extracts the range again, from Kafka.
const onHostOptions: ActivityOptions = {
  scheduleToStartTimeout: '30 seconds',
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { ...retry, nonRetryableErrorTypes: [FailureType.StagedBatchMissing, FailureType.UnknownDataset] },
};

/** Transform and load where the batch is: its holder's queue, or the shared one for a staged batch. */
function stagesFor(batch: ExtractedBatch, named: boolean) {
  if (batch.hostQueue !== undefined) {
    const onHost = proxyActivities<Activities>({ ...onHostOptions, taskQueue: batch.hostQueue });
    return { transform: onHost.transformTopicBatch, load: onHost.loadTopicBatch };
  }
  return named
    ? { transform: transformTopicBatch, load: loadTopicBatch }
    : { transform: transformStagedBatch, load: loadStagedBatch };
}

const HISTORY_LIMIT = 4000;

export const ingestWorkflowId = (topic: string) => `ingest-${topic}`;

/**
 * One per topic (workflow id `ingest-<topic>`): batch after batch over every partition, each an
 * extract, a transform and a load activity. The next extract runs while the current batch is
 * transformed and loaded; loads commit in order, each only if the checkpoint still stands where
 * its batch starts, so a stale prefetch is discarded, never loaded. While the backlog is deep the
 * partitions are dealt to several such pipelines (lanes) whose loads commit side by side.
 */
export async function liveIngestWorkflow(input: LiveIngestInput = {}): Promise<LiveIngestStats> {
  const named = patched(ACTIVITY_NAMES_PATCH);
  const hold = patched(HELD_BATCHES_PATCH);
  const topic = input.topic ?? RECORDED_DEFAULT_TOPIC;
  const dataset = input.dataset ?? RECORDED_DEFAULT_DATASET;
  // Spread over the defaults: stats carried from a run of older code lack the newer counters.
  const stats: LiveIngestStats = { ...emptyStats(topic, dataset), ...input.stats, lanes: 1 };
  const limit = input.limit;
  if (limit !== undefined) stats.limit = limit;
  // Lanes would have to share what is left of a limit; one pipeline takes it in order instead.
  const maxLanes = limit === undefined ? (input.maxLanes ?? 1) : 1;
  const widenAtLag = input.widenAtLag ?? 40_000;
  let paused = input.paused ?? false;
  let draining = false;
  let inFlight = 0;
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(drainSignal, () => void (draining = true));
  setHandler(liveIngestStatsQuery, () => ({
    ...stats,
    state: limitReached() ? 'completed' : draining ? 'draining' : paused ? 'paused' : 'running',
    batchInFlight: inFlight > 0,
  }));

  const interrupted = () => draining || paused;
  const batchesDone = () => input.maxBatches !== undefined && stats.batches >= input.maxBatches;
  const limitReached = () => limit !== undefined && stats.consumed >= limit;
  /** Messages the limit still allows beyond those committed and `inFlight` (unbounded: undefined). */
  const leftOfLimit = (inFlight: number) =>
    limit === undefined ? undefined : limit - stats.consumed - inFlight;
  const historyFull = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > (input.historyLimit ?? HISTORY_LIMIT);
  };
  const mustStop = () => interrupted() || batchesDone() || limitReached() || historyFull();
  const extract = (
    after: Record<string, string> | undefined,
    partitions: string[] | undefined,
    inFlight = 0,
  ) => {
    stats.extracted++;
    const batchKey = `${workflowInfo().workflowId}#${stats.extracted}`;
    return startBatch(named, {
      topic,
      dataset,
      batchKey,
      ...(hold && { hold }),
      after,
      limits: input.limits,
      ...(limit !== undefined && { atMost: leftOfLimit(inFlight) }),
      ...(partitions && { partitions: partitions.map(Number) }),
    });
  };
  // Partition → the offset after the last batch the workflow saw committed; absent: the checkpoint.
  let next: Record<string, string> | undefined;
  // The topic's partitions as the last extract over all of them found them.
  let partitionsSeen: string[] = [];

  /**
   * One pipeline over `partitions` (all when undefined), batch after batch, until `mustStop` or
   * `enough` holds at a batch boundary; a waiting extract is given up as soon as either holds.
   */
  const runLane = async (partitions: string[] | undefined, enough: () => boolean): Promise<void> => {
    const steps: BatchSteps<ExtractedBatch, TransformResult> = {
      start: (after, previous) => extract(after, partitions, previous?.messages),
      isEmpty: (batch) => batch.messages === 0,
      extracted(batch) {
        addStage(stats.stages.extract, batch);
        Object.assign(stats.lag, batch.lag);
        if (partitions === undefined) partitionsSeen = Object.keys(batch.ranges);
      },
      afterEmpty: nextOffsets,
      mayPrefetch(batch) {
        const left = leftOfLimit(batch.messages);
        return left === undefined || left > 0;
      },
      async load(batch, transformed) {
        addStage(stats.stages.transform, transformed);
        const { load } = stagesFor(batch, named);
        const loaded = await load({ batch, rejectsByReason: transformed.rejectsByReason });
        addStage(stats.stages.load, loaded);
        if (loaded.outcome === 'superseded') {
          stats.superseded++;
          return false;
        }
        addBatch(stats, batch, transformed, loaded, new Date().toISOString());
        return true;
      },
      restageFrom: firstOffsets,
      restaged: () => void stats.restaged++,
      loading: (delta) => void (inFlight += delta),
    };
    let after = pick(next, partitions);
    try {
      after = await runBatches(steps, after, () => mustStop() || enough());
    } finally {
      next = partitions === undefined ? after : merge(next, partitions, after);
    }
  };

  for (;;) {
    if (paused && !draining) await condition(() => !paused || draining);
    if (draining || batchesDone() || limitReached()) break;
    if (historyFull()) {
      // The checkpoint in PostgreSQL is where the next run starts.
      await continueAsNew<typeof liveIngestWorkflow>({ ...input, topic, dataset, stats, paused });
    }
    const deep = () => shouldWiden(totalLag(stats.lag), widenAtLag);
    if (stats.lanes === 1) {
      await runLane(undefined, () => maxLanes > 1 && partitionsSeen.length > 1 && deep());
      if (!mustStop() && maxLanes > 1 && partitionsSeen.length > 1 && deep()) {
        stats.lanes = Math.min(maxLanes, partitionsSeen.length);
        stats.widened++;
      }
    } else {
      const lanes = dealPartitions(partitionsSeen, stats.lanes);
      await Promise.all(lanes.map((p) => runLane(p, () => caughtUp(totalLag(stats.lag), widenAtLag))));
      stats.lanes = 1;
    }
  }
  return { ...stats, state: limitReached() ? 'completed' : 'drained', batchInFlight: false };
}

/** Extract and transform in their own scope, so a pause or drain can stop them without failing the run. */
function startBatch(named: boolean, args: ExtractTopicInput): Pending<ExtractedBatch, TransformResult> {
  return startPending(
    () => extractTopicBatch(args),
    (batch) => batch.messages === 0,
    (batch) => stagesFor(batch, named).transform({ batch }),
  );
}

const firstOffsets = (b: ExtractedBatch) =>
  Object.fromEntries(Object.entries(b.ranges).map(([p, [first]]) => [p, first]));

/** `offsets` with the lane's partitions set to where the lane left them (absent: the checkpoint). */
function merge(
  offsets: Record<string, string> | undefined,
  partitions: readonly string[],
  lane: Record<string, string> | undefined,
): Record<string, string> {
  const merged = { ...offsets };
  for (const p of partitions) {
    const at = lane?.[p];
    if (at === undefined) delete merged[p];
    else merged[p] = at;
  }
  return merged;
}
