import { Partitioners, type Admin, type Kafka, type PartitionMetadata, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaError, kafkaRetriable, partitionNotFound, RestError, topicNotFound } from './errors';
import type { ProduceRecord } from './records';
import { SendQueue, type RecordOffset } from './send-queue';

/** Topic metadata is looked up again after this long, so new partitions and topics show up. */
const METADATA_TTL_MS = 30_000;

export interface KafkaGatewayOptions {
  /** How long one request may wait for the broker (connect, metadata, acknowledgement). */
  timeoutMs: number;
  logger: Logger;
}

/**
 * The proxy's one idempotent producer (acks=all) and an admin client for metadata, connected lazily
 * and again after a failure, with every wait bounded so a broker that is down gives a 5xx, not a hang.
 */
export class KafkaGateway {
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly queue: SendQueue;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly metadata = new Map<string, { partitions: PartitionMetadata[]; at: number }>();
  private connecting: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaGatewayOptions,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Unlimited, as idempotence requires; each request's own wait is bounded by timeoutMs instead.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    this.admin = kafka.admin({ retry: { retries: 2, initialRetryTime: 200 } });
    this.queue = new SendQueue(this.producer);
  }

  /** Connects now; a failure is reported but not fatal, since every request connects again if needed. */
  async start(): Promise<boolean> {
    try {
      await this.bounded(this.connect(), 'connecting to Kafka');
      return true;
    } catch (err) {
      this.options.logger.warn({ err }, 'Kafka is not reachable yet; requests will retry the connection');
      return false;
    }
  }

  async listTopics(): Promise<string[]> {
    return this.bounded(
      this.connect().then(() => this.admin.listTopics()),
      'listing topics',
    );
  }

  /** The topic's partitions, or undefined when it does not exist (it is never created). */
  async partitionsOf(topic: string): Promise<PartitionMetadata[] | undefined> {
    const cached = this.metadata.get(topic);
    if (cached && Date.now() - cached.at < METADATA_TTL_MS) return cached.partitions;
    const lookup = async (): Promise<PartitionMetadata[] | undefined> => {
      await this.connect();
      // listTopics never auto-creates a topic; a metadata request for a missing one may.
      if (!(await this.admin.listTopics()).includes(topic)) return undefined;
      const meta = await this.admin.fetchTopicMetadata({ topics: [topic] });
      return meta.topics[0]?.partitions;
    };
    const partitions = await this.bounded(lookup(), `reading the metadata of ${topic}`);
    if (partitions && partitions.length > 0) this.metadata.set(topic, { partitions, at: Date.now() });
    else this.metadata.delete(topic);
    return partitions && partitions.length > 0 ? partitions : undefined;
  }

  /** Produces the records and resolves, in record order, once the broker acknowledged every one. */
  async produce(topic: string, records: ProduceRecord[]): Promise<RecordOffset[]> {
    const partitions = await this.partitionsOf(topic);
    if (!partitions) throw topicNotFound();
    const placed = records.map((r) => {
      const partition =
        r.partition ??
        this.partitioner({ topic, partitionMetadata: partitions, message: { key: r.key, value: r.value } });
      if (!partitions.some((p) => p.partitionId === partition)) throw partitionNotFound();
      return { ...r, partition };
    });
    await this.bounded(this.connect(), 'connecting to Kafka');
    const sending = this.queue.enqueue(topic, placed);
    try {
      return await this.bounded(
        sending.done,
        `waiting for the broker to acknowledge ${records.length} records`,
      );
    } catch (err) {
      sending.cancel(err);
      throw err;
    }
  }

  /** Waits for sends under way (up to the timeout), then disconnects. */
  async close(): Promise<void> {
    await this.bounded(this.queue.whenIdle(), 'finishing sends').catch(() => undefined);
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  private connect(): Promise<void> {
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => undefined,
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    const ms = this.options.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(kafkaRetriable(`timed out after ${ms} ms ${what}`)), ms);
    });
    return Promise.race([work, timeout])
      .catch((err: unknown) => {
        throw asRestError(err);
      })
      .finally(() => clearTimeout(timer));
  }
}

/** KafkaJS marks what a retry may fix; the rest (a record over the broker's limit, say) is 50002. */
function asRestError(err: unknown): RestError {
  if (err instanceof RestError) return err;
  const e = err as { message?: string; retriable?: boolean; name?: string };
  const message = e.message ?? String(err);
  const exhausted = e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSConnectionError';
  return e.retriable === false && !exhausted ? kafkaError(message) : kafkaRetriable(message);
}
