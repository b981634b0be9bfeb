import type { Kafka } from 'kafkajs';
import type { PartitionReaderPool } from './kafka-reader';
import { nextPoll, PartitionClaims } from './partition-claims';
import type { StagedMessageInput } from './staging';

/**
 * How one extract closes a batch. Every batch costs a fixed number of Temporal actions (three
 * activities), so an extract waits for data rather than returning empty batches, and lingers
 * after the first message until the batch is big enough to be cheap or the latency budget is spent.
 */
export interface ExtractLimits {
  /** Most messages in one batch, over all partitions. */
  maxMessages: number;
  /** Most payload bytes in one batch (one oversized message is still taken alone). */
  maxBytes: number;
  /** A batch this big closes at once: at 1,000 events/s it fills in half a second. */
  targetMessages: number;
  /** After the first message, wait at most this long for `targetMessages`: the latency budget. */
  lingerMs: number;
  /** An idle topic answers an empty batch after this long: the long poll. */
  maxWaitMs: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxMessages: 20_000,
  maxBytes: 16 * 1024 * 1024,
  targetMessages: 500,
  lingerMs: 3_500,
  maxWaitMs: 5 * 60_000,
};

/** `limits` for a batch of at most `atMost` messages, which closes as soon as it has them. */
export function capLimits(limits: ExtractLimits, atMost: number | undefined): ExtractLimits {
  if (atMost === undefined) return limits;
  const maxMessages = Math.max(0, Math.min(limits.maxMessages, atMost));
  return { ...limits, maxMessages, targetMessages: Math.min(limits.targetMessages, maxMessages) };
}

export interface TopicRead {
  messages: StagedMessageInput[];
  /** Partition → the offset the batch starts at and the one after its last message. */
  ranges: Record<string, [string, string]>;
  /** Partition → high watermark as last fetched (absent before a partition's first fetch). */
  highWatermarks: Record<string, string>;
}

const PARTITIONS_TTL_MS = 30_000;

/**
 * Reads one batch across partitions of a topic from given offsets. A partition has one extract at
 * a time (the live workflow runs a lane's extracts in sequence, and lanes own disjoint
 * partitions); an attempt that Temporal has given up on (a zombie after a timeout, a cancelled
 * prefetch) is stopped by the next one that wants any of its partitions instead of holding the
 * readers.
 */
export class TopicExtractor {
  /** `topic:partition` → the extract reading it. */
  private readonly claims = new PartitionClaims();
  private partitionCounts = new Map<string, { count: number; at: number }>();

  constructor(
    private readonly kafka: Kafka,
    private readonly readers: PartitionReaderPool,
  ) {}

  /** Partition count, cached briefly, so partitions added to the topic join within 30 s. */
  async partitions(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached && Date.now() - cached.at < PARTITIONS_TTL_MS) return cached.count;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const count = meta.topics[0]?.partitions.length ?? 0;
      this.partitionCounts.set(topic, { count, at: Date.now() });
      return count;
    } finally {
      await admin.disconnect();
    }
  }

  async read(
    topic: string,
    from: ReadonlyMap<number, string>,
    limits: ExtractLimits,
    onWait: () => void,
    signal?: AbortSignal,
  ): Promise<TopicRead> {
    const partitions = [...from.keys()].sort((a, b) => a - b);
    return this.claims.hold(topic, partitions, async (stopped) => {
      const readers = partitions.map((p) => this.readers.get(topic, p));
      await Promise.all(readers.map((r, i) => r.prepare(from.get(partitions[i]!)!)));

      const began = Date.now();
      let firstSeen: number | undefined;
      for (;;) {
        // Superseded by a newer extract of the topic, or cancelled: answer an empty batch, which
        // nobody is waiting for, rather than a failure that would read as a problem in the UI.
        if (stopped() || signal?.aborted)
          return this.take(partitions, readers, from, { ...limits, maxMessages: 0 });
        let messages = 0;
        let bytes = 0;
        for (const r of readers) {
          const a = r.available();
          messages += a.messages;
          bytes += a.bytes;
        }
        const now = Date.now();
        if (messages > 0) firstSeen ??= now;
        const enough = messages >= limits.targetMessages || bytes >= limits.maxBytes;
        const lingered = firstSeen !== undefined && now - firstSeen >= limits.lingerMs;
        if (enough || lingered || now - began >= limits.maxWaitMs) break;
        onWait();
        await nextPoll();
      }
      return this.take(partitions, readers, from, limits);
    });
  }

  /** Shares the batch between partitions so one busy partition cannot starve the others. */
  private take(
    partitions: number[],
    readers: ReturnType<PartitionReaderPool['get']>[],
    from: ReadonlyMap<number, string>,
    limits: ExtractLimits,
  ): TopicRead {
    const messages: StagedMessageInput[] = [];
    const ranges: TopicRead['ranges'] = {};
    const highWatermarks: TopicRead['highWatermarks'] = {};
    let roomMessages = limits.maxMessages;
    let roomBytes = limits.maxBytes;
    const share = Math.max(1, Math.ceil(limits.maxMessages / Math.max(1, partitions.length)));
    for (const pass of [share, Infinity]) {
      for (const [i, p] of partitions.entries()) {
        if (roomMessages <= 0 || (roomBytes <= 0 && messages.length > 0)) break;
        const taken = readers[i]!.take(Math.min(pass, roomMessages), Math.max(roomBytes, 1));
        for (const m of taken) {
          messages.push({
            partition: p,
            offset: m.offset,
            value: m.value,
            brokerAt: m.timestamp ? new Date(Number(m.timestamp)).toISOString() : undefined,
          });
          roomBytes -= m.value?.length ?? 0;
        }
        roomMessages -= taken.length;
      }
    }
    for (const [i, p] of partitions.entries()) {
      const mine = messages.filter((m) => m.partition === p);
      const first = from.get(p)!;
      const last = mine[mine.length - 1];
      ranges[String(p)] = [first, last ? (BigInt(last.offset) + 1n).toString() : first];
      const hw = readers[i]!.highWatermarkSeen;
      if (hw !== undefined) highWatermarks[String(p)] = hw;
    }
    // Messages of one partition stay in offset order; the batch is ordered by partition, then offset.
    messages.sort((a, b) => a.partition - b.partition);
    return { messages, ranges, highWatermarks };
  }
}
