import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { FailureType, permanentFailure } from '../common/failures';
import { inTransaction } from '../db/transaction';
import type { Dataset, LoadCounts, TransformCounts } from '../pipeline/dataset';
import { stageMessages, sweepStaging, type StagedBatch, type StagedMessage } from '../pipeline/staging';
import {
  heldBatchMissing,
  loadHeld,
  loadStaged,
  readCheckpoints,
  transformStaged,
} from '../pipeline/topic-stages';
import type { HeldBatches } from '../pipeline/held-batches';
import { capLimits, DEFAULT_EXTRACT_LIMITS, type ExtractLimits } from '../pipeline/topic-extract';
import type { ActivityDeps } from './index';
import { recordLag, recordLoadedBatch, recordStage } from './metrics';

export interface ExtractTopicInput {
  topic: string;
  dataset: string;
  /** The logical batch (`<workflow id>#<n>`): a retry of the same extract replaces its staged rows. */
  batchKey: string;
  /** Partition → offset to read from, where the workflow knows better than the checkpoint (prefetch). */
  after?: Record<string, string>;
  limits?: Partial<ExtractLimits>;
  /** At most this many messages, closing the batch as soon as it has them (what a run's limit leaves). */
  atMost?: number;
  /** Read only these partitions (a lane); default every partition of the topic. */
  partitions?: number[];
  /**
   * Hold the batch in this worker's memory (the claim check is its id and `hostQueue`) instead of
   * staging it in PostgreSQL; runs started before held batches leave it out.
   */
  hold?: boolean;
}

/** The claim check: no event passes through Temporal, only where to find the batch. */
export interface ExtractedBatch extends StagedBatch {
  /** The task queue of the worker holding the batch, where its transform and load must run; absent: staged. */
  hostQueue?: string;
  /** Partition → high watermark, for lag. */
  highWatermarks: Record<string, string>;
  /** Partition → messages after this batch, where the high watermark is known. */
  lag: Record<string, number>;
  /** Oldest broker timestamp in the batch (ISO), to measure produce-to-commit latency. */
  firstBrokerAt: string | null;
  durationMs: number;
  attempt: number;
}

export interface TransformResult extends TransformCounts {
  durationMs: number;
  attempt: number;
}

export interface LoadResult extends LoadCounts {
  /** `superseded`: the checkpoint had moved (another attempt committed): nothing written. */
  outcome: 'loaded' | 'superseded';
  durationMs: number;
  attempt: number;
}

/** Heartbeat only once a step has run this long: short batches then cost no heartbeat actions. */
const QUIET_MS = 15_000;
const SWEEP_EVERY_MS = 5 * 60_000;

export function createIngestActivities({ db, extractor, datasets, held }: ActivityDeps) {
  let lastSweep = 0;
  const datasetNamed = (name: string): Dataset => {
    const d = datasets[name];
    if (!d)
      throw permanentFailure(FailureType.UnknownDataset, `no dataset ${JSON.stringify(name)} on this worker`);
    return d;
  };

  /** Judges a batch this worker holds, once; the verdicts wait beside it for load. */
  const judgeHeld = async (dataset: Dataset, batch: StagedBatch): Promise<TransformCounts> => {
    const judgedBefore = held?.judged(batch.batchId);
    if (judgedBefore) return judgedBefore.counts;
    const messages = held?.messages(batch.batchId);
    if (!messages) throw heldBatchMissing(batch);
    const judged = await dataset.judge(batch, messages);
    held!.setJudged(batch.batchId, judged);
    return judged.counts;
  };

  return {
    /**
     * Waits for messages on every partition of the topic (a long poll), lingers to fill the batch
     * within the latency budget, and stages what it read. An idle topic answers an empty batch
     * with nothing staged, after `maxWaitMs`.
     */
    async extractTopicBatch(input: ExtractTopicInput): Promise<ExtractedBatch> {
      const started = Date.now();
      const ctx = Context.current();
      const limits = capLimits({ ...DEFAULT_EXTRACT_LIMITS, ...input.limits }, input.atMost);
      datasetNamed(input.dataset);
      if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
        lastSweep = Date.now();
        await sweepStaging(db);
      }
      const partitions = await extractor.partitions(input.topic);
      const checkpoints = await readCheckpoints(db, input.topic);
      const from = new Map<number, string>();
      for (let p = 0; p < partitions; p++) {
        if (input.partitions && !input.partitions.includes(p)) continue;
        from.set(p, input.after?.[String(p)] ?? checkpoints.get(p) ?? '0');
      }
      const heartbeat = quietHeartbeat(started);
      const read = await extractor.read(input.topic, from, limits, heartbeat, ctx.cancellationSignal);
      const batch = {
        batchKey: input.batchKey,
        dataset: input.dataset,
        source: input.topic,
        ranges: read.ranges,
      };
      const staged =
        read.messages.length === 0
          ? { ...batch, batchId: '', messages: 0, bytes: 0 }
          : input.hold && held
            ? holdBatch(held, batch, read.messages)
            : await inTransaction(db, (client) => stageMessages(client, batch, read.messages));
      const firstBrokerAt = read.messages.reduce<string | null>(
        (min, m) => (m.brokerAt && (min === null || m.brokerAt < min) ? m.brokerAt : min),
        null,
      );
      const lag: Record<string, number> = {};
      for (const [p, hw] of Object.entries(read.highWatermarks)) {
        const next = read.ranges[p]?.[1];
        if (next !== undefined) lag[p] = Math.max(0, Number(BigInt(hw) - BigInt(next)));
      }
      recordLag(input.topic, lag);
      recordStage('extract', input.dataset, Date.now() - started);
      return {
        ...staged,
        highWatermarks: read.highWatermarks,
        lag,
        firstBrokerAt,
        durationMs: Date.now() - started,
        attempt: ctx.info.attempt,
      };
    },

    /**
     * Judges the batch with the dataset's rules: a held batch in this worker's memory (writing
     * nothing), or a staged one whose verdicts it stages. Rerunnable.
     */
    async transformTopicBatch(input: {
      batch: StagedBatch & { hostQueue?: string };
    }): Promise<TransformResult> {
      const started = Date.now();
      const { batch } = input;
      const dataset = datasetNamed(batch.dataset);
      const counts = await withHeartbeat(started, () =>
        batch.hostQueue ? judgeHeld(dataset, batch) : transformStaged(db, dataset, batch),
      );
      recordStage('transform', batch.dataset, Date.now() - started);
      return { ...counts, durationMs: Date.now() - started, attempt: Context.current().info.attempt };
    },

    /** The only commit point (`loadHeld`, `loadStaged`): rows and checkpoint in one transaction. */
    async loadTopicBatch(input: {
      batch: StagedBatch & { firstBrokerAt?: string | null; hostQueue?: string };
      /** From transform, for the rejects metric. */
      rejectsByReason?: Record<string, number>;
    }): Promise<LoadResult> {
      const started = Date.now();
      const { batch } = input;
      const dataset = datasetNamed(batch.dataset);
      const { counts, outcome } = await withHeartbeat(started, () =>
        batch.hostQueue ? loadHeld(db, batch, held?.judged(batch.batchId)) : loadStaged(db, dataset, batch),
      );
      if (batch.hostQueue) held?.release(batch.batchId);
      const result = {
        ...counts,
        outcome,
        durationMs: Date.now() - started,
        attempt: Context.current().info.attempt,
      };
      recordStage('load', batch.dataset, Date.now() - started);
      if (outcome === 'loaded') {
        recordLoadedBatch(batch, result, { ...input.rejectsByReason, ...result.rejectsByReason });
      }
      return result;
    },
  };
}

function holdBatch(
  held: HeldBatches,
  batch: Omit<StagedBatch, 'batchId' | 'messages' | 'bytes'>,
  messages: readonly StagedMessage[],
): StagedBatch & { hostQueue: string } {
  const batchId = randomUUID();
  const { bytes } = held.hold(batch.batchKey, batchId, messages, {
    source: batch.source,
    ranges: batch.ranges,
  });
  return { ...batch, batchId, messages: messages.length, bytes, hostQueue: held.hostQueue };
}

/** Heartbeats for a step that has waited `QUIET_MS`; the SDK throttles further calls. */
export function quietHeartbeat(started: number): () => void {
  return () => {
    if (Date.now() - started >= QUIET_MS) Context.current().heartbeat();
  };
}

/** Runs a step with heartbeats every few seconds once it has run `QUIET_MS`, even while a query waits. */
export async function withHeartbeat<T>(started: number, step: () => Promise<T>): Promise<T> {
  const beat = quietHeartbeat(started);
  const timer = setInterval(beat, 5_000);
  try {
    return await step();
  } finally {
    clearInterval(timer);
  }
}
