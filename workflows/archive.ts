import {
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureType } from '../common/failures';
import type { Activities } from '../activities';
import type {
  ArchiveBatch,
  ArchiveLoadResult,
  ArchiveTransformResult,
  ExtractArchiveInput,
} from '../activities/archive';
import { runBatches, startPending, type BatchSteps, type Pending } from './batch-loop';
import { addStage, type StageStats } from './ingest-stats';

/** Finish the batch in flight, then complete. */
export const archiveStopSignal = defineSignal('stop');
export const archiveStatsQuery = defineQuery<ArchiveStats>('stats');

export interface ArchiveInput {
  topic: string;
  /** Bucket and prefix, fixed when the archive starts (ARCHIVE_BUCKET, ARCHIVE_PREFIX). */
  bucket: string;
  prefix: string;
  /** ARCHIVE_FLUSH_MESSAGES and ARCHIVE_FLUSH_SECONDS when the archive started. */
  flushMessages: number;
  flushSeconds: number;
  limits?: ExtractArchiveInput['limits'];
  /** Carried across continue-as-new. */
  stats?: ArchiveStats;
  /** Stop after this many loaded batches (tests and benchmarks); unbounded by default. */
  maxBatches?: number;
  /** Continue as new past this many history events; default 4,000. */
  historyLimit?: number;
}

export interface ArchivePartition {
  nextOffset: string;
  highWatermark: string | null;
  lag: number | null;
}

export interface ArchiveStats {
  topic: string;
  destination: string;
  state: 'running' | 'stopping' | 'stopped';
  batches: number;
  extracted: number;
  objects: number;
  messages: number;
  bytes: number;
  tombstones: number;
  valuesWithLf: number;
  /** Objects found in S3 already (a load retried after its put): not written again. */
  found: number;
  /** Objects committed by an earlier attempt of the same load (counted in objects and messages too). */
  already: number;
  superseded: number;
  restaged: number;
  partitions: Record<string, ArchivePartition>;
  lag: Record<string, number>;
  lastKey: string | null;
  lastBatchAt: string | null;
  stages: { extract: StageStats; transform: StageStats; load: StageStats };
}

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' };
// The long poll: an idle extract waits up to 5 minutes, heartbeating only after 15 s (the SDK
// sends at most one per 24 s): an idle topic costs about as much as an idle live ingest.
const { extractArchiveBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { ...retry, nonRetryableErrorTypes: [FailureType.BadInput] },
});
const { transformArchiveBatch, loadArchiveBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    ...retry,
    nonRetryableErrorTypes: [
      FailureType.StagedBatchMissing,
      FailureType.ArchiveObjectConflict,
      FailureType.ArchiveBucketUnavailable,
    ],
  },
});

const HISTORY_LIMIT = 4000;

export const archiveWorkflowId = (topic: string) => `archive-${topic}`;

const emptyStage = (): StageStats => ({ runs: 0, retries: 0, lastMs: null, totalMs: 0 });

export function emptyArchiveStats(topic: string, destination: string): ArchiveStats {
  return {
    topic,
    destination,
    state: 'running',
    batches: 0,
    extracted: 0,
    objects: 0,
    messages: 0,
    bytes: 0,
    tombstones: 0,
    valuesWithLf: 0,
    found: 0,
    already: 0,
    superseded: 0,
    restaged: 0,
    partitions: {},
    lag: {},
    lastKey: null,
    lastBatchAt: null,
    stages: { extract: emptyStage(), transform: emptyStage(), load: emptyStage() },
  };
}

/**
 * One per topic (workflow id `archive-<topic>`): the topic's next ranges, per partition, copied to
 * S3 in the sink connector's layout, batch after batch, each an extract, a transform and a load
 * activity. The next extract runs while the current batch is transformed and loaded; loads run in
 * order. The checkpoint (archive_checkpoint) is where a new run starts.
 */
export async function archiveTopicWorkflow(input: ArchiveInput): Promise<ArchiveStats> {
  const { topic } = input;
  const destination = { bucket: input.bucket, prefix: input.prefix };
  const rule = { flushMessages: input.flushMessages, flushSeconds: input.flushSeconds };
  const stats: ArchiveStats = {
    ...emptyArchiveStats(topic, `s3://${input.bucket}/${input.prefix}`),
    ...input.stats,
    state: 'running',
  };
  let stopping = false;
  setHandler(archiveStopSignal, () => void (stopping = true));
  setHandler(archiveStatsQuery, () => ({ ...stats, state: stopping ? 'stopping' : 'running' }));

  const batchesDone = () => input.maxBatches !== undefined && stats.batches >= input.maxBatches;
  const historyFull = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > (input.historyLimit ?? HISTORY_LIMIT);
  };
  const mustStop = () => stopping || batchesDone() || historyFull();
  const extract = (after: Record<string, string> | undefined) => {
    stats.extracted++;
    return startBatch({
      topic,
      destination,
      rule,
      batchKey: `${workflowInfo().workflowId}#${stats.extracted}`,
      ...(after && { after }),
      ...(input.limits && { limits: input.limits }),
    });
  };

  const steps: BatchSteps<ArchiveBatch, ArchiveTransformResult> = {
    start: (after) => extract(after),
    isEmpty: (batch) => batch.objects.length === 0,
    extracted(batch) {
      addStage(stats.stages.extract, batch);
      Object.assign(stats.lag, batch.lag);
    },
    afterEmpty: () => undefined, // every earlier load has committed: the checkpoint is exact
    mayPrefetch: () => true,
    async load(batch, transformed) {
      addStage(stats.stages.transform, transformed);
      const loaded = await loadArchiveBatch({ batch });
      addStage(stats.stages.load, loaded);
      addLoaded(stats, batch, transformed, loaded, new Date().toISOString());
      return loaded.superseded === 0;
    },
    // The planned ranges are read again exactly as they were, from the checkpoint.
    restageFrom: () => undefined,
    restaged: () => void stats.restaged++,
  };
  await runBatches(steps, undefined, mustStop);
  if (!stopping && !batchesDone()) {
    await continueAsNew<typeof archiveTopicWorkflow>({ ...input, stats });
  }
  return { ...stats, state: 'stopped' };
}

function addLoaded(
  stats: ArchiveStats,
  batch: ArchiveBatch,
  transformed: ArchiveTransformResult,
  loaded: ArchiveLoadResult,
  at: string,
): void {
  stats.batches++;
  stats.objects += loaded.put + loaded.found + loaded.already;
  stats.messages += loaded.messages;
  stats.bytes += loaded.bytes;
  stats.tombstones += transformed.tombstones;
  stats.valuesWithLf += transformed.valuesWithLf;
  stats.found += loaded.found;
  stats.already += loaded.already;
  stats.superseded += loaded.superseded;
  for (const [p, [, next]] of Object.entries(batch.ranges)) {
    stats.partitions[p] = {
      nextOffset: next,
      highWatermark: batch.highWatermarks[p] ?? stats.partitions[p]?.highWatermark ?? null,
      lag: batch.lag[p] ?? null,
    };
  }
  if (loaded.lastKey) stats.lastKey = loaded.lastKey;
  stats.lastBatchAt = at;
}

function startBatch(args: ExtractArchiveInput): Pending<ArchiveBatch, ArchiveTransformResult> {
  return startPending(
    () => extractArchiveBatch(args),
    (batch) => batch.objects.length === 0,
    (batch) => transformArchiveBatch({ batch }),
  );
}
