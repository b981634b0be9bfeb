import type { Pool, PoolClient } from 'pg';
import { FailureType, permanentFailure } from '../common/failures';
import { inTransaction } from '../db/transaction';
import type { Dataset, JudgedBatch, LoadCounts, TransformCounts } from './dataset';
import {
  discardBatch,
  loadedCounts,
  markTransformed,
  readStagedMessages,
  recordLoaded,
  stagedState,
  type OffsetRanges,
  type StagedBatch,
} from './staging';

/*
 * A topic batch's load over its claim check (a batch held in this worker's memory, or one staged
 * in PostgreSQL by runs from before held batches), and the staged batch's transform; the
 * activities around them add heartbeats, metrics and timings. The checkpoint of each partition
 * (ingest_checkpoint) moves only in the load's transaction, with the rows.
 */

/** Judges the staged messages with the dataset's rules and stages the verdicts. Rerunnable. */
export function transformStaged(db: Pool, dataset: Dataset, batch: StagedBatch): Promise<TransformCounts> {
  return inTransaction(db, async (client) => {
    const state = await stagedState(client, batch.batchId, true);
    if (!state) throw missing(batch);
    const messages = await readStagedMessages(client, batch.batchId);
    if (messages.length !== state.messages) throw missing(batch);
    const result = await dataset.transform(client, batch, messages);
    await markTransformed(client, batch.batchId);
    return result;
  });
}

type Loaded = { counts: LoadCounts; outcome: 'loaded' | 'superseded' };

/** `commitAtCheckpoint` over a batch staged in PostgreSQL (history chunks, runs from before held batches). */
export function loadStaged(db: Pool, dataset: Dataset, batch: StagedBatch): Promise<Loaded> {
  return commitAtCheckpoint(db, batch, {
    discard: (client) => discardBatch(client, batch.batchId),
    async write(client) {
      const state = await stagedState(client, batch.batchId, true);
      if (state?.stage !== 'transformed') throw missing(batch);
      if ((await dataset.stagedVerdicts(client, [batch.batchId])) !== state.messages) throw missing(batch);
      const counts = await dataset.load(client, batch);
      await discardBatch(client, batch.batchId);
      return counts;
    },
  });
}

/**
 * `commitAtCheckpoint` over a batch judged in this worker's memory: its verdicts are the batch's
 * only write. `judged` undefined: the worker no longer holds it (evicted), so it is extracted again,
 * unless an earlier attempt committed it.
 */
export function loadHeld(db: Pool, batch: StagedBatch, judged: JudgedBatch | undefined): Promise<Loaded> {
  return commitAtCheckpoint(db, batch, {
    discard: () => Promise.resolve(),
    write(client) {
      if (!judged) throw heldBatchMissing(batch);
      return judged.load(client);
    },
  });
}

/**
 * The only commit point: if the checkpoint still stands where the batch starts, writes the
 * verdicts, advances the checkpoint and records the batch as loaded, in one transaction.
 * `superseded`: the checkpoint had moved (another attempt committed): nothing written.
 */
function commitAtCheckpoint(
  db: Pool,
  batch: StagedBatch,
  steps: { write(client: PoolClient): Promise<LoadCounts>; discard(client: PoolClient): Promise<unknown> },
): Promise<Loaded> {
  return inTransaction(db, async (client) => {
    // Locks the checkpoints first: a concurrent attempt of this same batch commits or not before we look.
    const atStart = await checkpointsAt(client, batch.source, batch.ranges);
    const committed = await loadedCounts(client, batch.batchId);
    // This batch committed already; Temporal did not hear back. Report what it wrote.
    if (committed) return { counts: fromRecord(committed), outcome: 'loaded' };
    if (!atStart) {
      await steps.discard(client);
      return { counts: { inserted: {}, alreadyLoaded: 0 }, outcome: 'superseded' };
    }
    const counts = await steps.write(client);
    await advanceCheckpoints(client, batch.source, batch.ranges);
    await recordLoaded(client, batch, toRecord(counts));
    return { counts, outcome: 'loaded' };
  });
}

/** A held batch this worker no longer has (let go, or judged nowhere): the workflow extracts it again. */
export function heldBatchMissing(batch: StagedBatch) {
  return permanentFailure(
    FailureType.StagedBatchMissing,
    `batch ${batch.batchKey} (${batch.batchId}) is no longer held by this worker; extract it again`,
  );
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

export async function readCheckpoints(db: Pool, topic: string): Promise<Map<number, string>> {
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
