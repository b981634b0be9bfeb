import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { IngestBatchInput, IngestBatchResult } from '../activities/ingest';

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Finish the batch in flight, then complete. */
export const drainSignal = defineSignal('drain');

export type IngestState = 'running' | 'paused' | 'draining' | 'drained';

export interface PartitionStats {
  topic: string;
  partition: number;
  state: IngestState;
  nextOffset: string | null;
  highWatermark: string | null;
  lag: number | null;
  batches: number;
  consumed: number;
  ratings: number;
  requests: number;
  rejects: number;
  rejectsByReason: Record<string, number>;
  alreadyLoaded: number;
  lastBatchAt: string | null;
  lastBatchSize: number;
  lastBatchMs: number | null;
  /** A batch is being extracted or loaded right now (a pause takes effect after it). */
  batchInFlight: boolean;
}

export const statsQuery = defineQuery<PartitionStats>('stats');

export interface PartitionIngestInput {
  topic: string;
  partition: number;
  limits?: IngestBatchInput['limits'];
  paused?: boolean;
  /** Carried across continue-as-new so the counters cover the workflow's whole life. */
  stats?: PartitionStats;
  /** Stop after this many batches (tests and benchmarks); unbounded by default. */
  maxBatches?: number;
}

// The live path never gives up on infrastructure: broker or database down means wait and retry.
const { ingestBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const HISTORY_LIMIT = 4000;

/** One partition: extract → transform → load, batch after batch, from the checkpoint in PostgreSQL. */
export async function ingestPartitionWorkflow(input: PartitionIngestInput): Promise<PartitionStats> {
  const stats: PartitionStats = input.stats ?? emptyStats(input.topic, input.partition);
  let paused = input.paused ?? false;
  let draining = false;
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(drainSignal, () => void (draining = true));
  setHandler(statsQuery, () => ({ ...stats, state: draining ? 'draining' : paused ? 'paused' : 'running' }));

  for (;;) {
    if (paused && !draining) await condition(() => !paused || draining);
    if (draining) break;
    if (input.maxBatches !== undefined && stats.batches >= input.maxBatches) break;
    const result = await ingestBatch({
      topic: input.topic,
      partition: input.partition,
      limits: input.limits,
    });
    addBatch(stats, result);
    if (draining) break;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > HISTORY_LIMIT) {
      await continueAsNew<typeof ingestPartitionWorkflow>({ ...input, stats, paused });
    }
  }
  return { ...stats, state: 'drained' };
}

function emptyStats(topic: string, partition: number): PartitionStats {
  return {
    topic,
    partition,
    state: 'running',
    nextOffset: null,
    highWatermark: null,
    lag: null,
    batches: 0,
    consumed: 0,
    ratings: 0,
    requests: 0,
    rejects: 0,
    rejectsByReason: {},
    alreadyLoaded: 0,
    lastBatchAt: null,
    lastBatchSize: 0,
    lastBatchMs: null,
    batchInFlight: false,
  };
}

function addBatch(stats: PartitionStats, r: IngestBatchResult): void {
  stats.batches++;
  stats.nextOffset = r.nextOffset;
  stats.highWatermark = r.highWatermark ?? stats.highWatermark;
  stats.lag = r.lag;
  stats.consumed += r.consumed;
  stats.ratings += r.ratings;
  stats.requests += r.requests;
  stats.rejects += r.rejects;
  stats.alreadyLoaded += r.alreadyLoaded;
  for (const [reason, n] of Object.entries(r.rejectsByReason)) {
    stats.rejectsByReason[reason] = (stats.rejectsByReason[reason] ?? 0) + (n ?? 0);
  }
  if (r.consumed > 0) {
    // Workflow time is deterministic (the time of the activity's completion event).
    stats.lastBatchAt = new Date().toISOString();
    stats.lastBatchSize = r.consumed;
    stats.lastBatchMs = r.durationMs;
  }
}
