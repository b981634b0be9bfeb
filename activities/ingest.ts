import { Context } from '@temporalio/activity';
import type { PoolClient } from 'pg';
import { FailureType, permanentFailure } from '../common/failures';
import { inTransaction } from '../db/transaction';
import type { Dataset, LoadCounts, TransformCounts } from '../pipeline/dataset';
import {
  discardBatch,
  loadedCounts,
  markTransformed,
  readStagedMessages,
  recordLoaded,
  stagedState,
  stageMessages,
  sweepStaging,
  type OffsetRanges,
  type StagedBatch,
} from '../pipeline/staging';
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
}

/** The claim check: no event passes through Temporal, only where to find the batch. */
export interface ExtractedBatch extends StagedBatch {
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

export function createIngestActivities({ db, extractor, datasets }: ActivityDeps) {
  let lastSweep = 0;
  const datasetNamed = (name: string): Dataset => {
    const d = datasets[name];
    if (!d)
      throw permanentFailure(FailureType.UnknownDataset, `no dataset ${JSON.stringify(name)} on this worker`);
    return d;
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

    /** Judges the staged messages with the dataset's rules and stages the verdicts. Rerunnable. */
    async transformTopicBatch(input: { batch: StagedBatch }): Promise<TransformResult> {
      const started = Date.now();
      const { batch } = input;
      const dataset = datasetNamed(batch.dataset);
      return withHeartbeat(started, async () => {
        const counts = await inTransaction(db, async (client) => {
          const state = await stagedState(client, batch.batchId, true);
          if (!state) throw missing(batch);
          const messages = await readStagedMessages(client, batch.batchId);
          if (messages.length !== state.messages) throw missing(batch);
          const result = await dataset.transform(client, batch, messages);
          await markTransformed(client, batch.batchId);
          return result;
        });
        recordStage('transform', batch.dataset, Date.now() - started);
        return { ...counts, durationMs: Date.now() - started, attempt: Context.current().info.attempt };
      });
    },

    /**
     * The only commit point: if the checkpoint still stands where the batch starts, writes the
     * verdicts, advances the checkpoint and drops the staged batch, in one transaction.
     */
    async loadTopicBatch(input: {
      batch: StagedBatch & { firstBrokerAt?: string | null };
      /** From transform, for the rejects metric. */
      rejectsByReason?: Record<string, number>;
    }): Promise<LoadResult> {
      const started = Date.now();
      const { batch } = input;
      const dataset = datasetNamed(batch.dataset);
      const done = (counts: LoadCounts, outcome: LoadResult['outcome']): LoadResult => ({
        ...counts,
        outcome,
        durationMs: Date.now() - started,
        attempt: Context.current().info.attempt,
      });
      const result = await withHeartbeat(started, () =>
        inTransaction(db, async (client) => {
          // Locks the checkpoints first: a concurrent attempt of this same batch commits or not before we look.
          const atStart = await checkpointsAt(client, batch.source, batch.ranges);
          const committed = await loadedCounts(client, batch.batchId);
          // This batch committed already; Temporal did not hear back. Report what it wrote.
          if (committed) return done(fromRecord(committed), 'loaded');
          if (!atStart) {
            await discardBatch(client, batch.batchId);
            return done({ inserted: {}, alreadyLoaded: 0 }, 'superseded');
          }
          const state = await stagedState(client, batch.batchId, true);
          if (state?.stage !== 'transformed') throw missing(batch);
          if ((await dataset.stagedVerdicts(client, [batch.batchId])) !== state.messages)
            throw missing(batch);
          const counts = await dataset.load(client, batch);
          await advanceCheckpoints(client, batch.source, batch.ranges);
          await recordLoaded(client, batch, toRecord(counts));
          await discardBatch(client, batch.batchId);
          return done(counts, 'loaded');
        }),
      );
      recordStage('load', batch.dataset, Date.now() - started);
      if (result.outcome === 'loaded') {
        recordLoadedBatch(batch, result, { ...input.rejectsByReason, ...result.rejectsByReason });
      }
      return result;
    },
  };
}

function missing(batch: StagedBatch) {
  return permanentFailure(
    FailureType.StagedBatchMissing,
    `staged batch ${batch.batchKey} (${batch.batchId}) is gone (PostgreSQL restarted, or swept); extract it again`,
  );
}

// Load-found rejects ride in the same flat record under a prefix, so a load retried after its
// commit still reports them.
const LOAD_REJECT = 'rejectedAtLoad:';
const toRecord = (c: LoadCounts): Record<string, number> => ({
  ...c.inserted,
  alreadyLoaded: c.alreadyLoaded,
  ...Object.fromEntries(Object.entries(c.rejectsByReason ?? {}).map(([r, n]) => [LOAD_REJECT + r, n])),
});
function fromRecord(r: Record<string, number>): LoadCounts {
  const { alreadyLoaded = 0, ...rest } = r;
  const inserted: Record<string, number> = {};
  const rejectsByReason: Record<string, number> = {};
  for (const [k, n] of Object.entries(rest)) {
    if (k.startsWith(LOAD_REJECT)) rejectsByReason[k.slice(LOAD_REJECT.length)] = n;
    else inserted[k] = n;
  }
  return { inserted, alreadyLoaded, rejectsByReason };
}

async function readCheckpoints(db: ActivityDeps['db'], topic: string): Promise<Map<number, string>> {
  const { rows } = await db.query<{ partition: number; next_offset: string }>(
    'select partition, next_offset from ingest_checkpoint where topic = $1',
    [topic],
  );
  return new Map(rows.map((r) => [r.partition, r.next_offset]));
}

/** Locks the topic's checkpoints and says whether every partition with data starts where they stand. */
async function checkpointsAt(client: PoolClient, topic: string, ranges: OffsetRanges): Promise<boolean> {
  const moved = Object.entries(ranges).filter(([, [first, next]]) => first !== next);
  const partitions = moved.map(([p]) => Number(p));
  await client.query(
    `insert into ingest_checkpoint (topic, partition, next_offset)
     select $1, p, 0 from unnest($2::int[]) as p on conflict do nothing`,
    [topic, partitions],
  );
  const { rows } = await client.query<{ partition: number; next_offset: string }>(
    `select partition, next_offset from ingest_checkpoint
     where topic = $1 and partition = any($2::int[]) order by partition for update`,
    [topic, partitions],
  );
  const at = new Map(rows.map((r) => [r.partition, r.next_offset]));
  return moved.every(([p, [first]]) => at.get(Number(p)) === first);
}

async function advanceCheckpoints(client: PoolClient, topic: string, ranges: OffsetRanges): Promise<void> {
  const moved = Object.entries(ranges).filter(([, [first, next]]) => first !== next);
  await client.query(
    `update ingest_checkpoint c set next_offset = v.next, updated_at = now()
     from unnest($2::int[], $3::bigint[]) as v(partition, next)
     where c.topic = $1 and c.partition = v.partition`,
    [topic, moved.map(([p]) => Number(p)), moved.map(([, [, next]]) => next)],
  );
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
