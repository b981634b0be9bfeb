import { Context } from '@temporalio/activity';
import type { RejectReason } from '../domain';
import type { ActivityDeps } from './index';
import { loadSplitBatch, type LoadCounts } from './load';
import { recordIngestBatch } from './metrics';
import type { ReadLimits } from './kafka-reader';
import { countRejectsByReason, transformKafkaMessages } from './transform';

export interface IngestBatchInput {
  topic: string;
  partition: number;
  limits?: Partial<ReadLimits>;
}

/** What one batch did; small on purpose: the events themselves never pass through Temporal. */
export interface IngestBatchResult {
  fromOffset: string;
  nextOffset: string;
  consumed: number;
  ratings: number;
  requests: number;
  rejects: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  /** Events whose position was already stored (an operator rewound the checkpoint): skipped, not doubled. */
  alreadyLoaded: number;
  highWatermark: string | null;
  lag: number | null;
  /** True when another attempt had already committed this batch; nothing was written. */
  superseded: boolean;
  durationMs: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxMessages: 5000,
  maxBytes: 8 * 1024 * 1024,
  lingerMs: 100,
  maxWaitMs: 2000,
};

export function createIngestActivities({ config, db, kafka, readers, catalogue }: ActivityDeps) {
  return {
    /** Partition count of a topic, so the live workflow can fan out and notice added partitions. */
    async describeTopic(input: { topic: string }): Promise<{ partitions: number }> {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [input.topic] });
        return { partitions: meta.topics[0]?.partitions.length ?? 0 };
      } finally {
        await admin.disconnect();
      }
    },

    /**
     * Extract a bounded batch at the checkpoint, transform it with the domain rules, and load rows,
     * rejects and the new checkpoint in one transaction. Poison data never throws: it becomes rejects.
     */
    async ingestBatch(input: IngestBatchInput): Promise<IngestBatchResult> {
      const started = Date.now();
      const { topic, partition } = input;
      const limits = { ...DEFAULT_READ_LIMITS, ...input.limits };
      const fromOffset = await readCheckpoint(db, topic, partition);
      const heartbeat = throttle(() => Context.current().heartbeat({ fromOffset }), 1000);
      const { messages, highWatermark } = await readers
        .get(topic, partition)
        .read(fromOffset, limits, heartbeat);

      let snapshot = await catalogue.get();
      const now = Date.now();
      let split = transformKafkaMessages(topic, partition, messages, {
        catalogue: snapshot.catalogue,
        now,
        timeZone: config.museum.timeZone,
      });
      if (split.rejects.some((r) => r.reason === 'unknown_site') && Date.now() - snapshot.loadedAt > 1000) {
        // A site may have been seeded a moment ago: judge again against a fresh catalogue.
        snapshot = await catalogue.get(0);
        split = transformKafkaMessages(topic, partition, messages, {
          catalogue: snapshot.catalogue,
          now,
          timeZone: config.museum.timeZone,
        });
      }
      const last = messages[messages.length - 1];
      const nextOffset = last ? (BigInt(last.offset) + 1n).toString() : fromOffset;

      const client = await db.connect();
      let superseded = false;
      let written: LoadCounts = { ratings: 0, requests: 0, rejects: 0 };
      try {
        await client.query('begin');
        await client.query(
          `insert into ingest_checkpoint (topic, partition, next_offset) values ($1, $2, 0) on conflict do nothing`,
          [topic, partition],
        );
        const { rows } = await client.query<{ next_offset: string }>(
          'select next_offset from ingest_checkpoint where topic = $1 and partition = $2 for update',
          [topic, partition],
        );
        if (rows[0]?.next_offset !== fromOffset) {
          // Another attempt (a zombie after a worker crash) committed meanwhile: its rows stand, ours are redundant.
          superseded = true;
          await client.query('rollback');
        } else {
          if (messages.length > 0) {
            written = await loadSplitBatch(client, split, snapshot.exhibitionIds);
            await client.query(
              'update ingest_checkpoint set next_offset = $3, updated_at = now() where topic = $1 and partition = $2',
              [topic, partition, nextOffset],
            );
          }
          await client.query('commit');
        }
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      const lag = highWatermark !== undefined ? Number(BigInt(highWatermark) - BigInt(nextOffset)) : null;
      const result: IngestBatchResult = {
        fromOffset,
        nextOffset: superseded ? fromOffset : nextOffset,
        consumed: superseded ? 0 : messages.length,
        ratings: written.ratings,
        requests: written.requests,
        rejects: written.rejects,
        alreadyLoaded: superseded
          ? 0
          : messages.length - written.ratings - written.requests - written.rejects,
        rejectsByReason: superseded ? {} : countRejectsByReason(split.rejects),
        highWatermark: highWatermark ?? null,
        lag: lag !== null && lag >= 0 ? lag : null,
        superseded,
        durationMs: Date.now() - started,
      };
      recordIngestBatch(topic, partition, result);
      return result;
    },
  };
}

async function readCheckpoint(db: ActivityDeps['db'], topic: string, partition: number): Promise<string> {
  const { rows } = await db.query<{ next_offset: string }>(
    'select next_offset from ingest_checkpoint where topic = $1 and partition = $2',
    [topic, partition],
  );
  return rows[0]?.next_offset ?? '0';
}

function throttle(fn: () => void, ms: number): () => void {
  let last = 0;
  return () => {
    if (Date.now() - last >= ms) {
      last = Date.now();
      fn();
    }
  };
}
