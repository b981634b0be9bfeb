import type { Kafka } from 'kafkajs';
import { rangeReadiness, type FlushRule } from './sink-layout';
import type { PartitionReaderPool, RawMessage } from './kafka-reader';
import { nextPoll, PartitionClaims } from './partition-claims';

/** How long one archive extract waits and lingers. */
export interface ArchiveReadLimits {
  /** An idle topic answers an empty batch after this long: the long poll. */
  maxWaitMs: number;
  /** Once one range is ready, wait at most this long for the others to be. */
  lingerMs: number;
  /** A range of this many bytes is written even if shorter than ARCHIVE_FLUSH_MESSAGES (bounds memory). */
  maxObjectBytes: number;
}

export const DEFAULT_ARCHIVE_READ_LIMITS: ArchiveReadLimits = {
  maxWaitMs: 5 * 60_000,
  lingerMs: 2_000,
  maxObjectBytes: 64 * 1024 * 1024,
};

/** Where a partition's next range starts, and where it ends when an earlier extract planned it already. */
export interface RangeStart {
  start: string;
  /** Inclusive; set when the range was planned: then exactly [start, end] is read. */
  end?: string;
}

export interface ArchiveRange {
  partition: number;
  start: string;
  /** Inclusive: the offset of the range's last message. */
  end: string;
  messages: RawMessage[];
  bytes: number;
}

export interface ArchiveRead {
  /** Only ranges ready to be written, by partition. */
  ranges: ArchiveRange[];
  highWatermarks: Record<string, string>;
}

export interface TopicOffsets {
  partition: number;
  low: string;
  high: string;
}

interface Pending {
  partition: number;
  start: bigint;
  /** The offset after the last message taken from the reader (kept or not). */
  next: bigint;
  fixedEnd?: bigint;
  messages: RawMessage[];
  bytes: number;
  firstAtMs?: number;
}

/**
 * Reads the archive's next ranges of a topic from explicit offsets, through a reader pool of its
 * own (so it never moves the live ingest's readers or checkpoints). A partition has one extract at
 * a time: a newer extract of it stops an older one (a zombie attempt).
 */
export class ArchiveExtractor {
  private readonly claims = new PartitionClaims();

  constructor(
    private readonly kafka: Kafka,
    private readonly readers: PartitionReaderPool,
  ) {}

  async offsets(topic: string): Promise<TopicOffsets[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets
        .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
        .sort((a, b) => a.partition - b.partition);
    } finally {
      await admin.disconnect();
    }
  }

  async read(
    topic: string,
    from: ReadonlyMap<number, RangeStart>,
    highWatermarks: ReadonlyMap<number, string>,
    rule: FlushRule,
    limits: ArchiveReadLimits,
    onWait: () => void,
    signal?: AbortSignal,
  ): Promise<ArchiveRead> {
    const partitions = [...from.keys()].sort((a, b) => a - b);
    return this.claims.hold(topic, partitions, async (stopped) => {
      const readers = partitions.map((p) => this.readers.get(topic, p));
      await Promise.all(readers.map((r, i) => r.prepare(from.get(partitions[i]!)!.start)));
      const pending: Pending[] = partitions.map((p) => {
        const f = from.get(p)!;
        return {
          partition: p,
          start: BigInt(f.start),
          next: BigInt(f.start),
          ...(f.end !== undefined ? { fixedEnd: BigInt(f.end) } : {}),
          messages: [],
          bytes: 0,
        };
      });
      const began = Date.now();
      let firstReady: number | undefined;
      for (;;) {
        if (stopped() || signal?.aborted) return { ranges: [], highWatermarks: {} };
        const now = Date.now();
        const ready: Pending[] = [];
        let waiting = 0;
        for (const [i, p] of pending.entries()) {
          const reader = readers[i]!;
          this.takeInto(p, reader, rule, limits, now);
          const next = p.next;
          if (p.fixedEnd !== undefined) {
            if (next > p.fixedEnd && p.messages.length > 0) ready.push(p);
            else waiting++;
            continue;
          }
          const hw = maxOffset(reader.highWatermarkSeen, highWatermarks.get(p.partition));
          const caughtUp = hw !== undefined && next >= BigInt(hw);
          const verdict =
            p.bytes >= limits.maxObjectBytes
              ? 'full'
              : rangeReadiness({ messages: p.messages.length, firstAtMs: p.firstAtMs, caughtUp }, rule, now);
          if (verdict === 'full' || verdict === 'aged') ready.push(p);
          else if (verdict === 'wait') waiting++;
        }
        if (ready.length > 0) firstReady ??= now;
        const lingered = firstReady !== undefined && now - firstReady >= limits.lingerMs;
        if ((ready.length > 0 && (waiting === 0 || lingered)) || now - began >= limits.maxWaitMs) {
          const hws: Record<string, string> = {};
          for (const [i, p] of partitions.entries()) {
            const hw = maxOffset(readers[i]!.highWatermarkSeen, highWatermarks.get(p));
            if (hw !== undefined) hws[String(p)] = hw;
          }
          return {
            ranges: ready.map((p) => ({
              partition: p.partition,
              start: p.start.toString(),
              end: p.messages[p.messages.length - 1]!.offset,
              messages: p.messages,
              bytes: p.bytes,
            })),
            highWatermarks: hws,
          };
        }
        onWait();
        await nextPoll();
      }
    });
  }

  /** Moves what the reader holds into the range, up to its planned end or the flush size. */
  private takeInto(
    p: Pending,
    reader: ReturnType<PartitionReaderPool['get']>,
    rule: FlushRule,
    limits: ArchiveReadLimits,
    now: number,
  ): void {
    const next = p.next;
    let room: number;
    if (p.fixedEnd !== undefined) {
      if (next > p.fixedEnd) return;
      room = Number(p.fixedEnd - next + 1n);
    } else {
      if (p.bytes >= limits.maxObjectBytes) return;
      room = rule.flushMessages - p.messages.length;
    }
    if (room <= 0 || reader.available().messages === 0) return;
    const maxBytes = p.fixedEnd !== undefined ? Number.MAX_SAFE_INTEGER : limits.maxObjectBytes - p.bytes;
    for (const m of reader.take(room, Math.max(1, maxBytes))) {
      p.next = BigInt(m.offset) + 1n;
      // Offsets may skip (compaction, transaction markers): never go past a planned end.
      if (p.fixedEnd !== undefined && BigInt(m.offset) > p.fixedEnd) break;
      if (p.messages.length === 0) {
        const at = m.timestamp === undefined ? NaN : Number(m.timestamp);
        p.firstAtMs = Number.isFinite(at) && at <= now ? at : now;
      }
      p.messages.push(m);
      p.bytes += m.value?.length ?? 0;
    }
  }
}

function maxOffset(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return BigInt(a) >= BigInt(b) ? a : b;
}
