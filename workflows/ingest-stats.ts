import type { ExtractedBatch, LoadResult, TransformResult } from '../activities/ingest';

/** `completed`: a run started with a limit has loaded it. */
export type IngestState = 'running' | 'paused' | 'draining' | 'drained' | 'completed';

/** One stage's activity runs as the workflow saw them. */
export interface StageStats {
  runs: number;
  /** Attempts beyond the first (Temporal retried the activity). */
  retries: number;
  lastMs: number | null;
  totalMs: number;
}

export interface PartitionPosition {
  /** The offset after the last committed batch of this run. */
  nextOffset: string;
  highWatermark: string | null;
  lag: number | null;
}

/** What `ingest status` and the workflow's query show: per stage, per partition and in total. */
export interface LiveIngestStats {
  topic: string;
  dataset: string;
  state: IngestState;
  /** Batches committed. */
  batches: number;
  /** Extract activities started (their number names the staged batch). */
  extracted: number;
  consumed: number;
  /** Rows inserted by kind (kiosk: rating, request, reject; pinterest: row, duplicate, reject). */
  inserted: Record<string, number>;
  rejectsByReason: Record<string, number>;
  /** Events whose position was already stored (an operator rewound the checkpoint): skipped, not doubled. */
  alreadyLoaded: number;
  /** Loads discarded because another attempt had moved the checkpoint. */
  superseded: number;
  /** Batches extracted again because PostgreSQL lost their staging. */
  restaged: number;
  partitions: Record<string, PartitionPosition>;
  /** Partition → messages waiting after the last extract. */
  lag: Record<string, number>;
  lastBatchAt: string | null;
  lastBatchSize: number;
  stages: { extract: StageStats; transform: StageStats; load: StageStats };
  /** A batch is being transformed or loaded right now (a pause takes effect after it). */
  batchInFlight: boolean;
  /** Pipelines running now: more than one only while the backlog is deep. */
  lanes: number;
  /** Times the backlog opened lanes. */
  widened: number;
  /** Messages this run loads before it completes (`ingest start --limit`); null: no limit. */
  limit: number | null;
}

const emptyStage = (): StageStats => ({ runs: 0, retries: 0, lastMs: null, totalMs: 0 });

export function emptyStats(topic: string, dataset: string): LiveIngestStats {
  return {
    topic,
    dataset,
    state: 'running',
    batches: 0,
    extracted: 0,
    consumed: 0,
    inserted: {},
    rejectsByReason: {},
    alreadyLoaded: 0,
    superseded: 0,
    restaged: 0,
    partitions: {},
    lag: {},
    lastBatchAt: null,
    lastBatchSize: 0,
    stages: { extract: emptyStage(), transform: emptyStage(), load: emptyStage() },
    batchInFlight: false,
    lanes: 1,
    widened: 0,
    limit: null,
  };
}

export function addStage(stage: StageStats, r: { durationMs: number; attempt: number }): void {
  stage.runs++;
  stage.retries += Math.max(0, r.attempt - 1);
  stage.lastMs = r.durationMs;
  stage.totalMs += r.durationMs;
}

const addInto = (into: Record<string, number>, from: Record<string, number | undefined>) => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + (n ?? 0);
};

/** `at` is workflow time: deterministic (the time of the load's completion event). */
export function addBatch(
  stats: LiveIngestStats,
  batch: ExtractedBatch,
  transformed: TransformResult,
  loaded: LoadResult,
  at: string,
): void {
  stats.batches++;
  stats.consumed += batch.messages;
  addInto(stats.inserted, loaded.inserted);
  addInto(stats.rejectsByReason, transformed.rejectsByReason);
  addInto(stats.rejectsByReason, loaded.rejectsByReason ?? {});
  stats.alreadyLoaded += loaded.alreadyLoaded;
  for (const [p, [, next]] of Object.entries(batch.ranges)) {
    stats.partitions[p] = {
      nextOffset: next,
      highWatermark: batch.highWatermarks[p] ?? stats.partitions[p]?.highWatermark ?? null,
      lag: batch.lag[p] ?? null,
    };
  }
  stats.lastBatchAt = at;
  stats.lastBatchSize = batch.messages;
}
