import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestProxy } from '../../rest-proxy/server';
import { createKafka } from '../../worker/connections';
import { stackConfig, uniqueName } from '../support/env';
import { createTopic, deleteTopics, readTopic, startTestProxy } from '../support/rest-proxy';

const kafka = createKafka(stackConfig());
const topic = uniqueName('rest-load');
const CLIENTS = 8;
const REQUESTS_PER_CLIENT = 125;
const RECORDS_PER_REQUEST = 100;
const TOTAL = CLIENTS * REQUESTS_PER_CLIENT * RECORDS_PER_REQUEST;
let proxy: RestProxy;

beforeAll(async () => {
  await createTopic(kafka, topic, 4);
  proxy = await startTestProxy({ REST_PROXY_TOPICS: topic });
});
afterAll(async () => {
  await proxy?.close();
  await deleteTopics(kafka, [topic]);
});

interface Sent {
  client: number;
  seq: number;
  partition: number;
  offset: number;
}

/**
 * One client posting its records in order, a request at a time, as an emulator does. Even clients key
 * theirs (one partition each), odd ones leave the key out (spread round robin).
 */
async function client(id: number): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let r = 0; r < REQUESTS_PER_CLIENT; r++) {
    const seqs = Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => r * RECORDS_PER_REQUEST + i);
    const records = seqs.map((seq) => ({
      ...(id % 2 === 0 ? { key: `client-${id}` } : {}),
      value: { client: id, seq },
    }));
    const res = await fetch(`${proxy.url}topics/${topic}`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
      body: JSON.stringify({ records }),
    });
    expect(res.status).toBe(200);
    const { offsets } = (await res.json()) as { offsets: Array<{ partition: number; offset: number }> };
    offsets.forEach((o, i) => sent.push({ client: id, seq: seqs[i]!, ...o }));
  }
  return sent;
}

describe('100,000 records from 8 concurrent clients', () => {
  it('arrive in Kafka exactly once, in order per partition, where the answers said', async () => {
    const sent = (await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)))).flat();
    expect(sent).toHaveLength(TOTAL);

    const messages = await readTopic(kafka, topic, TOTAL, 120_000);
    expect(messages).toHaveLength(TOTAL);
    const at = new Map<string, { client: number; seq: number }>();
    for (const m of messages) at.set(`${m.partition}/${m.offset}`, JSON.parse(m.value!.toString()) as Sent);
    // Exactly once: every (client, seq) once, and each at the partition and offset its answer gave.
    expect(new Set(messages.map((m) => m.value!.toString())).size).toBe(TOTAL);
    for (const s of sent)
      expect(at.get(`${s.partition}/${s.offset}`)).toEqual({ client: s.client, seq: s.seq });

    // In order: within a partition, each client's records come in the order it posted them.
    const last = new Map<string, number>();
    for (const m of [...messages].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
      const { client: c, seq } = JSON.parse(m.value!.toString()) as Sent;
      const key = `${m.partition}/${c}`;
      expect(seq).toBeGreaterThan(last.get(key) ?? -1);
      last.set(key, seq);
    }
    const keyed = new Set(sent.filter((s) => s.client === 0).map((s) => s.partition));
    expect(keyed.size).toBe(1);
  });
});
