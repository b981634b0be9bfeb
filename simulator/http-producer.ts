import type { Message, Producer, ProducerBatch, ProducerRecord, RecordMetadata } from 'kafkajs';

/** Where a simulator posts instead of producing: a Kafka REST proxy (v2 API), such as museum-etl rest-proxy. */
export interface RestProxyTarget {
  /** Base URL, e.g. http://127.0.0.1:8082/ */
  url: string;
  /** Sent as the Authorization header, e.g. `Bearer <REST_PROXY_TOKEN>`. */
  authorization?: string;
}

/** Binary embedded format: the kiosk bytes arrive unchanged, faults (invalid JSON, junk) included. */
const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';

const toBase64 = (v: Message['value'] | Message['key']): string | null =>
  v === null || v === undefined ? null : Buffer.from(v).toString('base64');

function headers(target: RestProxyTarget, extra: Record<string, string> = {}): Record<string, string> {
  return {
    accept: 'application/vnd.kafka.v2+json',
    ...(target.authorization ? { authorization: target.authorization } : {}),
    ...extra,
  };
}

async function failure(res: Response, what: string): Promise<Error> {
  const text = await res.text().catch(() => '');
  return new Error(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`);
}

/** The partitions of a topic as the proxy reports them; undefined when it answers 404. */
export async function restProxyPartitions(
  target: RestProxyTarget,
  topic: string,
): Promise<number | undefined> {
  const res = await fetch(new URL(`topics/${encodeURIComponent(topic)}`, target.url), {
    headers: headers(target),
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw await failure(res, `GET /topics/${topic}`);
  const body = (await res.json()) as { partitions?: unknown[] };
  return body.partitions?.length;
}

/**
 * A stand-in for a KafkaJS producer's `send` (one request) and `sendBatch` (one request a topic, in
 * turn) that posts to the proxy; the proxy acknowledges with acks=all whatever `acks` says.
 */
export function restProxyProducer(target: RestProxyTarget): Pick<Producer, 'send' | 'sendBatch'> {
  const send = async (record: ProducerRecord): Promise<RecordMetadata[]> => {
    const records = record.messages.map((m: Message) => ({
      key: toBase64(m.key),
      value: toBase64(m.value),
      ...(m.partition !== undefined ? { partition: m.partition } : {}),
    }));
    const res = await fetch(new URL(`topics/${encodeURIComponent(record.topic)}`, target.url), {
      method: 'POST',
      headers: headers(target, { 'content-type': BINARY_V2 }),
      body: JSON.stringify({ records }),
    });
    if (!res.ok) throw await failure(res, `POST /topics/${record.topic}`);
    const body = (await res.json()) as { offsets: Array<{ partition: number; offset: number }> };
    return body.offsets.map((o) => ({
      topicName: record.topic,
      partition: o.partition,
      errorCode: 0,
      baseOffset: String(o.offset),
    }));
  };
  return {
    send,
    async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
      const out: RecordMetadata[] = [];
      for (const { topic, messages } of batch.topicMessages ?? [])
        out.push(...(await send({ topic, messages })));
      return out;
    },
  };
}
