import os from 'node:os';
import {
  AssignerProtocol,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type PartitionAssigner,
} from 'kafkajs';
import { BufferBudget } from './buffer-budget';

export interface RawMessage {
  offset: string;
  value: Buffer | null;
  /** The broker's timestamp (ms since epoch, as kafkajs gives it). */
  timestamp?: string;
}

// A kafkajs message object costs far more than its payload, so the buffer is bounded by count too;
// all readers together are bounded by the worker's BufferBudget.
const BUFFER_BYTES = 16 * 1024 * 1024;
const BUFFER_MESSAGES = 10_000;
/** A reader no extract has asked for this long gives its buffer back to the budget and stops fetching. */
const IDLE_MS = 10_000;
/** How often a paused reader looks whether it may fetch again. */
const RESUME_CHECK_MS = 50;

/**
 * Reads one partition from an exact offset. kafkajs has no manual assignment, so each reader is a
 * consumer in a private group whose assigner hands it the one partition; offsets are never
 * committed to Kafka (PostgreSQL holds the checkpoint), and a reader lives as long as its worker
 * process, so retried activities cause no rebalances.
 */
export class PartitionReader {
  private consumer: Consumer;
  private buffer: RawMessage[] = [];
  private bufferBytes = 0;
  private expected: string | undefined;
  private highWatermark: string | undefined;
  private crashed: Error | undefined;
  private started: Promise<void> | undefined;
  private from = 0n;
  private resumeCheck: NodeJS.Timeout | undefined;
  lastUsed = Date.now();

  constructor(
    kafka: Kafka,
    readonly topic: string,
    readonly partition: number,
    /** Names the private group: the archive's readers are not the live ingest's. */
    groupPrefix = 'museum-etl-reader',
    private readonly budget = new BufferBudget(),
  ) {
    const groupId = `${groupPrefix}-${topic}-${partition}-${os.hostname()}-${process.pid}-${Date.now()}`;
    this.consumer = kafka.consumer({
      groupId,
      partitionAssigners: [onePartitionAssigner(topic, partition)],
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 1024 * 1024,
      maxWaitTimeInMs: 200,
      retry: { retries: 10 },
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.crashed = e.payload.error;
    });
  }

  get broken(): boolean {
    return this.crashed !== undefined;
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      await this.consumer.connect();
      await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.onBatch(payload),
      });
    })().catch((err: Error) => {
      // A reader that could not start (broker down) is broken for good: the pool builds a new one
      // on the next attempt instead of replaying this failure forever.
      this.crashed = err;
      throw err;
    });
    return this.started;
  }

  private onBatch({ batch, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.partition !== this.partition) return Promise.resolve();
    this.highWatermark = batch.highWatermark;
    for (const m of batch.messages) {
      if (!isRunning() || isStale()) break;
      this.buffer.push({ offset: m.offset, value: m.value, timestamp: m.timestamp });
      const size = m.value?.length ?? 0;
      this.bufferBytes += size;
      this.budget.add(1, size);
      resolveOffset(m.offset);
    }
    if (this.mustWait()) this.pause();
    return Promise.resolve();
  }

  /**
   * Back-pressure: no fetching while the activity side has not taken what we hold, or the worker
   * as a whole holds its budget. A reader nobody reads (its topic drained, its workflow gone) must
   * not hold the budget the live ones need: it drops its buffer and waits.
   */
  private mustWait(): boolean {
    return (
      this.bufferBytes > BUFFER_BYTES ||
      this.buffer.length > BUFFER_MESSAGES ||
      this.budget.spent ||
      this.idle()
    );
  }

  /**
   * Pauses the partition rather than waiting inside `eachBatch`: kafkajs keeps a batch it handed
   * out alive until the handler returns, every message a decoded object, and that copy is what
   * made a worker's memory grow past its budget.
   */
  private pause(): void {
    if (this.resumeCheck) return;
    this.consumer.pause([{ topic: this.topic, partitions: [this.partition] }]);
    const check = () => {
      if (this.idle()) this.dropBuffer();
      if (this.mustWait()) {
        this.resumeCheck = setTimeout(check, RESUME_CHECK_MS);
        return;
      }
      this.resumeCheck = undefined;
      this.consumer.resume([{ topic: this.topic, partitions: [this.partition] }]);
    };
    this.resumeCheck = setTimeout(check, RESUME_CHECK_MS);
  }

  /**
   * Positions the reader at `fromOffset` (seeking only if it was elsewhere) and starts fetching.
   * The caller (one topic extract at a time) then polls `available` and `take`s.
   */
  async prepare(fromOffset: string): Promise<void> {
    this.lastUsed = Date.now();
    if (this.crashed) throw this.crashed;
    await this.start();
    if (this.expected !== fromOffset) {
      this.dropBuffer();
      this.consumer.seek({ topic: this.topic, partition: this.partition, offset: fromOffset });
      this.expected = fromOffset;
    }
    this.from = BigInt(fromOffset);
  }

  private idle(): boolean {
    return Date.now() - this.lastUsed > IDLE_MS;
  }

  /** Gives the buffer back; the next `prepare` seeks to where it is asked to read. */
  private dropBuffer(): void {
    if (this.buffer.length === 0 && this.expected === undefined) return;
    this.budget.remove(this.buffer.length, this.bufferBytes);
    this.buffer = [];
    this.bufferBytes = 0;
    this.expected = undefined;
  }

  /** What is buffered at or after the prepared offset. */
  available(): { messages: number; bytes: number } {
    if (this.crashed) throw this.crashed;
    this.lastUsed = Date.now();
    this.dropBefore(this.from);
    return { messages: this.buffer.length, bytes: this.bufferBytes };
  }

  get highWatermarkSeen(): string | undefined {
    return this.highWatermark;
  }

  private dropBefore(from: bigint): void {
    let drop = 0;
    while (drop < this.buffer.length && BigInt(this.buffer[drop]!.offset) < from) drop++;
    if (drop > 0) {
      for (const m of this.buffer.splice(0, drop)) {
        this.bufferBytes -= m.value?.length ?? 0;
        this.budget.remove(1, m.value?.length ?? 0);
      }
    }
  }

  /** Up to `maxMessages` / `maxBytes` buffered messages, in offset order; the reader moves past them. */
  take(maxMessages: number, maxBytes: number): RawMessage[] {
    this.dropBefore(this.from);
    let bytes = 0;
    let n = 0;
    while (n < this.buffer.length && n < maxMessages) {
      const size = this.buffer[n]!.value?.length ?? 0;
      // Always take at least one message, however large, so an oversized payload cannot stall the partition.
      if (n > 0 && bytes + size > maxBytes) break;
      bytes += size;
      n++;
    }
    const taken = this.buffer.splice(0, n);
    this.bufferBytes -= bytes;
    this.budget.remove(taken.length, bytes);
    const last = taken[taken.length - 1];
    if (last) {
      this.from = BigInt(last.offset) + 1n;
      this.expected = this.from.toString();
    }
    return taken;
  }

  async close(): Promise<void> {
    clearTimeout(this.resumeCheck);
    this.dropBuffer();
    await this.consumer.disconnect().catch(() => undefined);
  }
}

/** Keeps one reader per partition for the life of the worker process and retires idle ones. */
export class PartitionReaderPool {
  private readers = new Map<string, PartitionReader>();
  private sweeper: NodeJS.Timeout;

  constructor(
    private readonly kafka: Kafka,
    private readonly idleMs = 5 * 60_000,
    /** Group name prefix of the pool's readers (one pool per reading role: live ingest, archive). */
    private readonly groupPrefix = 'museum-etl-reader',
    /** The worker's one buffer budget, shared with its other pools and its held batches. */
    private readonly budget = new BufferBudget(),
  ) {
    this.sweeper = setInterval(() => void this.sweep(), 30_000);
    this.sweeper.unref();
  }

  get(topic: string, partition: number): PartitionReader {
    const key = `${topic}:${partition}`;
    let reader = this.readers.get(key);
    if (reader?.broken) {
      void reader.close();
      reader = undefined;
    }
    if (!reader) {
      reader = new PartitionReader(this.kafka, topic, partition, this.groupPrefix, this.budget);
      this.readers.set(key, reader);
    }
    return reader;
  }

  private async sweep(): Promise<void> {
    for (const [key, reader] of this.readers) {
      if (Date.now() - reader.lastUsed > this.idleMs) {
        this.readers.delete(key);
        await reader.close();
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.readers.values()].map((r) => r.close()));
    this.readers.clear();
  }
}

/** A group assigner that gives the (only) member exactly one partition of one topic. */
function onePartitionAssigner(topic: string, partition: number): PartitionAssigner {
  const name = 'museum-etl-one-partition';
  return () => ({
    name,
    version: 1,
    async assign({ members }) {
      return members.map((m, i) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: i === 0 ? { [topic]: [partition] } : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}
