import type { Message, Producer } from 'kafkajs';
import type { Intended, LiveEventGenerator } from './live-events';

export interface LiveProgress {
  sent: number;
  byIntended: Record<Intended, number>;
  elapsedMs: number;
}

export interface RunLiveSimulatorOptions {
  /** An already connected producer; only `send` is used. */
  producer: Pick<Producer, 'send'>;
  topic: string;
  generator: LiveEventGenerator;
  /** Events per second when not at max rate. */
  rate?: number;
  /** Send as fast as the broker acknowledges, in large batches. */
  maxRate?: boolean;
  count?: number;
  durationMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: LiveProgress) => void;
  /** Messages per send at max rate (paced sends carry whatever is due, up to this). */
  batchSize?: number;
  /** Concurrent sends at max rate. */
  inFlight?: number;
  /** When set, messages go round robin over partitions 0..n-1; otherwise the site key picks one. */
  partitions?: number;
  /** Clock for pacing and duration (tests). */
  now?: () => number;
}

export type LiveSimulatorResult = LiveProgress;

/** Produces generator events to Kafka until `count`, `durationMs` or `signal` says stop. */
export async function runLiveSimulator(options: RunLiveSimulatorOptions): Promise<LiveSimulatorResult> {
  const { producer, topic, generator, signal, onProgress, partitions } = options;
  const { rate = 5, maxRate = false, count, durationMs, now = Date.now } = options;
  const batchSize = options.batchSize ?? 1000;
  if (count === undefined && durationMs === undefined && signal === undefined) {
    throw new Error('runLiveSimulator needs count, durationMs or signal, or it would never stop');
  }
  if (!maxRate && !(rate > 0)) throw new Error('rate must be positive');

  const start = now();
  const elapsed = (): number => now() - start;
  const byIntended: Record<Intended, number> = { rating: 0, request: 0, fault: 0 };
  let sent = 0;
  let claimed = 0;
  let nextPartition = 0;
  let failed = false;
  const remaining = (): number => (count === undefined ? Infinity : count - claimed);
  const stopped = (): boolean =>
    failed ||
    signal?.aborted === true ||
    remaining() <= 0 ||
    (durationMs !== undefined && elapsed() >= durationMs);

  const sendBatch = async (size: number): Promise<void> => {
    claimed += size;
    const messages: Message[] = [];
    const intents: Intended[] = [];
    for (let i = 0; i < size; i++) {
      const event = generator.next();
      const value = Buffer.from(event.value.buffer, event.value.byteOffset, event.value.byteLength);
      const message: Message = { key: event.key, value };
      if (partitions !== undefined) message.partition = nextPartition++ % partitions;
      messages.push(message);
      intents.push(event.intended);
    }
    try {
      await producer.send({ topic, messages, acks: -1 });
    } catch (error) {
      failed = true;
      throw error;
    }
    sent += size;
    for (const intent of intents) byIntended[intent]++;
    onProgress?.({ sent, byIntended: { ...byIntended }, elapsedMs: elapsed() });
  };

  if (maxRate) {
    const worker = async (): Promise<void> => {
      while (!stopped()) await sendBatch(Math.min(batchSize, remaining()));
    };
    await Promise.all(Array.from({ length: Math.max(1, options.inFlight ?? 4) }, worker));
  } else {
    while (!stopped()) {
      // Event k (0-based) is due k/rate seconds after the start.
      const due = Math.floor((elapsed() * rate) / 1000) + 1 - claimed;
      if (due > 0) {
        await sendBatch(Math.min(due, batchSize, remaining()));
        continue;
      }
      let wait = (claimed * 1000) / rate - elapsed();
      if (durationMs !== undefined) wait = Math.min(wait, durationMs - elapsed());
      await sleep(Math.max(1, wait), signal);
    }
  }
  return { sent, byIntended, elapsedMs: elapsed() };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
