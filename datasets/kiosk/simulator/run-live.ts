import { randomInt } from 'node:crypto';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Config } from '../../../config';
import { createKafka } from '../../../worker/connections';
import {
  restProxyPartitions,
  restProxyProducer,
  type RestProxyTarget,
} from '../../../simulator/http-producer';
import { createLiveEventGenerator, type LiveEventGenerator } from './live-events';
import { runLiveSimulator, type LiveProgress } from './live-producer';
import type { StampMode } from './stamps';

export interface LiveSimulationOptions {
  /** Events per second when not at max rate (default 5). */
  rate?: number;
  /** Send as fast as the broker acknowledges. */
  maxRate?: boolean;
  /** Stop after this many events. */
  count?: number;
  /** Stop after this long. Without `count`, `durationMs` or a signal the run would never end (an error). */
  durationMs?: number;
  /** Share of events that are faults (default 0.15). */
  faultFraction?: number;
  /**
   * 'now' (default) stamps the current museum time like the real kiosks, so outside opening hours
   * every event is rejected as out_of_hours; 'recent-opening-hours' stamps the current time while
   * the museum is open and otherwise folds it into the most recent opening hours (never in the future).
   */
  stamp?: StampMode;
  /** Replays the same stream of events (timestamps aside); default a random seed, reported back. */
  seed?: number | string;
  /** Default `config.kafka.topic`. */
  topic?: string;
  /** Spread events round robin over every partition instead of keying them by site. */
  partitionsRoundRobin?: boolean;
  /** Called after each acknowledged batch. */
  onProgress?: (progress: LiveProgress) => void;
  /** Max-rate tuning: messages per send and concurrent sends (defaults 1000 and 4). */
  batchSize?: number;
  inFlight?: number;
  /** An existing client (tests, or a process that already has one); default one built from `config`. */
  kafka?: Kafka;
  /** Post the events to this Kafka REST proxy instead of producing them to Kafka directly. */
  restProxy?: RestProxyTarget;
}

export type LiveStopReason = 'count' | 'duration' | 'signal';

export interface LiveSimulationResult extends LiveProgress {
  topic: string;
  partitions: number;
  partitioning: 'site-key' | 'round-robin';
  seed: number | string;
  stamp: StampMode;
  timeZone: string;
  stoppedBy: LiveStopReason;
  eventsPerSecond: number;
}

export interface LiveSimulation {
  topic: string;
  /** Partitions the topic has. */
  partitions: number;
  partitioning: LiveSimulationResult['partitioning'];
  seed: number | string;
  stamp: StampMode;
  /** Settles when the run ends (count, duration, signal or `stop()`); rejects if a send fails. */
  done: Promise<LiveSimulationResult>;
  /** Asks the run to stop after the batches in flight; `done` then resolves. */
  stop(): void;
}

export class UnknownTopicError extends Error {
  constructor(readonly topic: string) {
    super(`topic ${JSON.stringify(topic)} does not exist`);
  }
}

/**
 * Connects a producer and starts producing simulated kiosk events; resolves once connected and the
 * topic is known to exist (rejects otherwise: UnknownTopicError, or the connection error). No
 * printing and no process.exit, so the main job can run it in-process next to the worker.
 */
export async function startLiveSimulation(
  config: Config,
  options: LiveSimulationOptions = {},
  signal?: AbortSignal,
): Promise<LiveSimulation> {
  const { count, durationMs, maxRate = false, rate = 5 } = options;
  if (count !== undefined && !(Number.isInteger(count) && count > 0)) {
    throw new RangeError('count must be a positive integer');
  }
  if (durationMs !== undefined && !(durationMs > 0)) throw new RangeError('durationMs must be positive');
  if (!maxRate && !(rate > 0 && Number.isFinite(rate))) throw new RangeError('rate must be positive');
  const faultFraction = options.faultFraction ?? 0.15;
  if (!(faultFraction >= 0 && faultFraction <= 1)) throw new RangeError('faultFraction must be in 0..1');
  if (count === undefined && durationMs === undefined && signal === undefined) {
    throw new Error('a live simulation needs count, durationMs or an AbortSignal, or it would never stop');
  }

  const topic = options.topic ?? config.kafka.topic;
  const seed = options.seed ?? randomInt(0, 0xffff_ffff);
  const stamp = options.stamp ?? 'now';
  const timeZone = config.museum.timeZone;
  const { partitions, producer, disconnect } = options.restProxy
    ? await viaRestProxy(options.restProxy, topic)
    : await viaKafka(options.kafka ?? createKafka(config), topic);

  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (signal?.aborted) controller.abort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const generator: LiveEventGenerator = createLiveEventGenerator({
    seed,
    faultFraction,
    timeZone,
    stampMode: stamp,
  });
  const partitioning = options.partitionsRoundRobin ? 'round-robin' : 'site-key';

  const run = async (): Promise<LiveSimulationResult> => {
    try {
      const progress = await runLiveSimulator({
        producer,
        topic,
        generator,
        rate,
        maxRate,
        ...(count !== undefined ? { count } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
        signal: controller.signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(options.inFlight !== undefined ? { inFlight: options.inFlight } : {}),
        ...(options.partitionsRoundRobin ? { partitions } : {}),
      });
      const stoppedBy: LiveStopReason =
        count !== undefined && progress.sent >= count
          ? 'count'
          : controller.signal.aborted
            ? 'signal'
            : 'duration';
      return {
        ...progress,
        topic,
        partitions,
        partitioning,
        seed,
        stamp,
        timeZone,
        stoppedBy,
        eventsPerSecond: progress.elapsedMs > 0 ? (progress.sent * 1000) / progress.elapsedMs : 0,
      };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await disconnect().catch(() => undefined);
    }
  };
  const done = run();
  // The caller attaches its own handlers; this only keeps an early failure from being "unhandled".
  done.catch(() => undefined);
  return { topic, partitions, partitioning, seed, stamp, done, stop: () => controller.abort() };
}

interface Sender {
  partitions: number;
  producer: Pick<Producer, 'send'>;
  disconnect(): Promise<void>;
}

/** Checks the topic exists (never creating it) and connects a producer. */
async function viaKafka(kafka: Kafka, topic: string): Promise<Sender> {
  const admin = kafka.admin();
  let partitions: number;
  await admin.connect();
  try {
    // listTopics never auto-creates a topic (a metadata request from a producer may).
    if (!(await admin.listTopics()).includes(topic)) throw new UnknownTopicError(topic);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    partitions = meta.topics[0]?.partitions.length ?? 0;
    if (partitions === 0) throw new UnknownTopicError(topic);
  } finally {
    await admin.disconnect();
  }
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    // The murmur2 partitioner of the Java client (and of the real producer), named to silence KafkaJS's notice.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return { partitions, producer, disconnect: () => producer.disconnect() };
}

/** The same through a REST proxy: it answers 404 for a topic that does not exist. */
async function viaRestProxy(target: RestProxyTarget, topic: string): Promise<Sender> {
  const partitions = await restProxyPartitions(target, topic);
  if (!partitions) throw new UnknownTopicError(topic);
  return { partitions, producer: restProxyProducer(target), disconnect: () => Promise.resolve() };
}
