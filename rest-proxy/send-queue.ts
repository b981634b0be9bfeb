import type { Message, Producer } from 'kafkajs';
import type { ProduceRecord } from './records';

/** Where one record landed. */
export interface RecordOffset {
  partition: number;
  offset: number;
}

/** A record with its partition already chosen, so its offset can be read off the batch's base offset. */
export interface PlacedRecord extends ProduceRecord {
  partition: number;
}

interface Request {
  offsets: RecordOffset[];
  remaining: number;
  settled: boolean;
  resolve(offsets: RecordOffset[]): void;
  reject(err: unknown): void;
}

interface Entry {
  topic: string;
  record: PlacedRecord;
  request: Request;
  index: number;
}

/**
 * Below the broker's message.max.bytes (2 MiB on the local stack, 1 MiB by Kafka's default), since
 * KafkaJS puts one partition's part of a send in one record batch and never splits it.
 */
export const MAX_SEND_BYTES = 900 * 1024;

/**
 * One send at a time, carrying everything queued since the last one. KafkaJS's idempotent producer
 * numbers each partition's batches as it builds them, and concurrent sends can reach the broker out
 * of that order (OUT_OF_ORDER_SEQUENCE_NUMBER); serialising avoids that, and coalescing the requests
 * that wait meanwhile keeps throughput (the Java client's linger, without a fixed delay).
 */
export class SendQueue {
  private queue: Entry[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(private readonly producer: Pick<Producer, 'sendBatch'>) {}

  /** Resolves with each record's partition and offset, in record order, once the broker has them all. */
  enqueue(
    topic: string,
    records: PlacedRecord[],
  ): { done: Promise<RecordOffset[]>; cancel(err: unknown): void } {
    let request!: Request;
    const done = new Promise<RecordOffset[]>((resolve, reject) => {
      request = {
        offsets: new Array<RecordOffset>(records.length),
        remaining: records.length,
        settled: false,
        resolve,
        reject,
      };
    });
    records.forEach((record, index) => this.queue.push({ topic, record, request, index }));
    if (!this.running) void this.drain();
    const cancel = (err: unknown): void => {
      settle(request, err);
      // Dropped now rather than when reached: while the broker is down, timed-out requests pile up.
      this.queue = this.queue.filter((e) => e.request !== request);
    };
    return { done, cancel };
  }

  /** Settles when nothing is queued or being sent. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  private async drain(): Promise<void> {
    this.running = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        if (batch.length > 0) await this.send(batch);
      }
    } finally {
      this.running = false;
      this.markIdle();
    }
  }

  /** Entries of requests still waiting, up to MAX_SEND_BYTES (at least one, whatever its size). */
  private takeBatch(): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (next.request.settled) {
        this.queue.shift();
        continue;
      }
      const size = (next.record.key?.length ?? 0) + (next.record.value?.length ?? 0) + 64;
      if (batch.length > 0 && bytes + size > MAX_SEND_BYTES) break;
      batch.push(this.queue.shift()!);
      bytes += size;
    }
    return batch;
  }

  private async send(batch: Entry[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, record } of batch) {
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: record.key, value: record.value, partition: record.partition });
      byTopic.set(topic, messages);
    }
    let metadata;
    try {
      metadata = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      for (const entry of batch) settle(entry.request, err);
      return;
    }
    const next = new Map<string, number>();
    for (const m of metadata) next.set(`${m.topicName}\u0000${m.partition}`, Number(m.baseOffset));
    for (const { topic, record, request, index } of batch) {
      const key = `${topic}\u0000${record.partition}`;
      const offset = next.get(key);
      if (offset === undefined || Number.isNaN(offset)) {
        settle(request, new Error(`the broker gave no offset for ${topic} partition ${record.partition}`));
        continue;
      }
      next.set(key, offset + 1);
      request.offsets[index] = { partition: record.partition, offset };
      if (--request.remaining === 0) settle(request);
    }
  }
}

function settle(request: Request, err?: unknown): void {
  if (request.settled) return;
  request.settled = true;
  if (err === undefined) request.resolve(request.offsets);
  else request.reject(err);
}
