import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStackSettings } from '../../config/stack-settings';
import { venvBin } from '../../infra/local/python-tools';
import type { RestProxy } from '../../rest-proxy/server';
import { createKafka } from '../../worker/connections';
import { stackConfig, uniqueName } from '../support/env';
import { createTopic, deleteTopics, hasProgram, readTopic, startTestProxy } from '../support/rest-proxy';

const kafka = createKafka(stackConfig());
const topic = uniqueName('rest-it');
const missing = uniqueName('rest-it-missing');
const JSON_V2 = 'application/vnd.kafka.json.v2+json';
// Asynchronous: the proxy answering the child runs in this process's event loop.
const run = promisify(execFile);
let proxy: RestProxy;

beforeAll(async () => {
  await createTopic(kafka, topic, 3);
  proxy = await startTestProxy({
    REST_PROXY_TOPICS: `${topic},${missing}`,
    REST_PROXY_MAX_BODY_BYTES: '65536',
  });
});

afterAll(async () => {
  await proxy?.close();
  await deleteTopics(kafka, [topic]);
});

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

/** A request as the REST proxy's documentation makes it: with curl (`npm test` installs it). */
async function docsRequest(method: string, url: string, headers: string[], data?: string): Promise<Answer> {
  if (!hasProgram('curl')) {
    throw new Error(
      'curl is missing: the documented requests need it (scripts/ensure-system-deps.sh installs it)',
    );
  }
  const args = ['-s', '-X', method, ...headers.flatMap((h) => ['-H', h]), ...(data ? ['--data', data] : [])];
  const r = await run('curl', [...args, '-w', '\n%{http_code} %{content_type}', url], { timeout: 30_000 });
  const lines = r.stdout.split('\n');
  const [status, contentType] = lines.pop()!.split(' ');
  return { status: Number(status), contentType: contentType ?? '', body: JSON.parse(lines.join('\n')) };
}

async function post(target: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(new URL(target, proxy.url), {
    method: 'POST',
    headers: { 'content-type': JSON_V2, ...headers },
    body,
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.json() };
}

describe('museum-etl rest-proxy answers existing REST proxy clients as the REST proxy documents', () => {
  const url = () => `${proxy.url}topics/${topic}`;
  const produced: string[] = [];

  it('the quick start: one JSON value', async () => {
    const r = await docsRequest(
      'POST',
      url(),
      [`Content-Type: ${JSON_V2}`, 'Accept: application/vnd.kafka.v2+json'],
      '{"records":[{"value":{"foo":"bar"}}]}',
    );
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/vnd.kafka.v2+json');
    expect(r.body).toMatchObject({ key_schema_id: null, value_schema_id: null });
    expect((r.body as { offsets: unknown[] }).offsets).toEqual([
      { partition: expect.any(Number), offset: expect.any(Number), error_code: null, error: null },
    ]);
    produced.push('{"foo":"bar"}');
  });

  it('the API reference: a key, an explicit partition, any JSON value', async () => {
    const r = await docsRequest(
      'POST',
      url(),
      [
        `Content-Type: ${JSON_V2}`,
        'Accept: application/vnd.kafka.v2+json, application/vnd.kafka+json, application/json',
      ],
      '{"records":[{"key":"somekey","value":{"foo":"bar"}},{"value":["foo","bar"],"partition":1},{"value":53.5}]}',
    );
    expect(r.status).toBe(200);
    const offsets = (r.body as { offsets: Array<{ partition: number }> }).offsets;
    expect(offsets).toHaveLength(3);
    expect(offsets[1]!.partition).toBe(1);
    produced.push('{"foo":"bar"}', '["foo","bar"]', '53.5');
  });

  it('binary values, base64 encoded', async () => {
    const r = await docsRequest(
      'POST',
      url(),
      ['Content-Type: application/vnd.kafka.binary.v2+json', 'Accept: application/vnd.kafka.v2+json'],
      '{"records":[{"value":"S2Fma2E="}]}',
    );
    expect(r.status).toBe(200);
    produced.push('Kafka');
  });

  it('lists topics', async () => {
    const r = await docsRequest('GET', `${proxy.url}topics`, ['Accept: application/vnd.kafka.v2+json']);
    expect(r.status).toBe(200);
    expect(r.body).toEqual([topic]);
  });

  it("the seed emulator's Python requests post", async () => {
    // The stack's Python environment carries requests (infra/local/requirements.txt).
    const python = venvBin(loadStackSettings(), 'python');
    if (!hasProgram(python, ['-c', 'import requests'])) {
      throw new Error(`${python} cannot import requests: \`museum-etl stack up\` installs it`);
    }
    const script = `import json, requests, sys, datetime
payload = json.dumps({"records": [{"value": {"index": 1, "title": "TireBuyer", "at": datetime.datetime(2022, 1, 1, 2, 26, 50)}}]}, default=str)
headers = {"Content-Type": "application/vnd.kafka.json.v2+json"}
response = requests.request("POST", sys.argv[1], headers=headers, data=payload)
print(response.status_code, response.headers["Content-Type"], response.text)`;
    const r = await run(python, ['-c', script, url()], { timeout: 30_000 });
    expect(r.stderr).toBe('');
    const [status, contentType, ...rest] = r.stdout.trim().split(' ');
    expect(status).toBe('200');
    expect(contentType).toBe('application/vnd.kafka.v2+json');
    expect(JSON.parse(rest.join(' '))).toMatchObject({ key_schema_id: null, value_schema_id: null });
    // The json embedded format writes the value as compact JSON text, as Confluent's proxy does.
    produced.push('{"index":1,"title":"TireBuyer","at":"2022-01-01 02:26:50"}');
  });

  it('wrote exactly those values and keys to Kafka', async () => {
    const messages = await readTopic(kafka, topic, produced.length);
    expect(messages.map((m) => m.value?.toString()).sort()).toEqual([...produced].sort());
    expect(messages.filter((m) => m.key !== null).map((m) => m.key)).toEqual(['"somekey"']);
    expect(messages.find((m) => m.value?.toString() === '["foo","bar"]')?.partition).toBe(1);
  });
});

describe('errors in the REST proxy shape', () => {
  const records = '{"records":[{"value":{"a":1}}]}';

  it.each([
    ['another content type', 'application/json', records, 415, 415],
    ['an Avro body (needs a schema registry)', 'application/vnd.kafka.avro.v2+json', records, 415, 415],
    ['text that is not JSON', JSON_V2, '{"records":', 400, 400],
    ['no records', JSON_V2, '{"values":[]}', 422, 422],
    ['empty records', JSON_V2, '{"records":[]}', 422, 422],
    ['a record that is not an object', JSON_V2, '{"records":[1]}', 422, 422],
    ['a partition the topic lacks', JSON_V2, '{"records":[{"value":1,"partition":7}]}', 404, 40402],
  ])('%s', async (_, type, body, status, code) => {
    const r = await post(`topics/${topic}`, body, { 'content-type': type });
    expect([r.status, r.body]).toEqual([status, { error_code: code, message: expect.any(String) }]);
    expect(r.contentType).toBe('application/vnd.kafka.v2+json');
  });

  it('404 40401 for a configured topic that does not exist (never created)', async () => {
    const r = await post(`topics/${missing}`, records);
    expect([r.status, r.body]).toEqual([404, { error_code: 40401, message: 'Topic not found.' }]);
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(missing);
    await admin.disconnect();
  });

  it('403 40301 for a topic that is not configured', async () => {
    const r = await post('topics/lmnh', records);
    expect([r.status, (r.body as { error_code: number }).error_code]).toEqual([403, 40301]);
  });

  it('413 for a body over REST_PROXY_MAX_BODY_BYTES, declared or streamed', async () => {
    const big = JSON.stringify({ records: [{ value: 'x'.repeat(70_000) }] });
    expect((await post(`topics/${topic}`, big)).status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res = await fetch(`${proxy.url}topics/${topic}`, {
      method: 'POST',
      headers: { 'content-type': JSON_V2 },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect([res.status, ((await res.json()) as { error_code: number }).error_code]).toEqual([413, 413]);
  });

  it('405 for another method, 404 for another path', async () => {
    const del = await fetch(`${proxy.url}topics/${topic}`, { method: 'DELETE' });
    expect([del.status, await del.json()]).toEqual([
      405,
      { error_code: 405, message: 'HTTP 405 Method Not Allowed' },
    ]);
    const other = await fetch(`${proxy.url}consumers/g`);
    expect([other.status, ((await other.json()) as { error_code: number }).error_code]).toEqual([404, 404]);
  });

  it('a broker that is down: 500 50003, not a hang', async () => {
    const down = await startTestProxy({
      KAFKA_BROKERS: '127.0.0.1:9',
      REST_PROXY_PRODUCE_TIMEOUT_MS: '1500',
    });
    try {
      const res = await fetch(`${down.url}topics/lmnh`, {
        method: 'POST',
        headers: { 'content-type': JSON_V2 },
        body: records,
      });
      expect([res.status, ((await res.json()) as { error_code: number }).error_code]).toEqual([500, 50003]);
      expect((await fetch(`${down.url}topics`)).status).toBe(500);
    } finally {
      await down.close();
    }
  });

  it('a broker that accepts and never answers: 500 50003 at REST_PROXY_PRODUCE_TIMEOUT_MS', async () => {
    // Connections are taken and left unanswered, so only the proxy's own timeout can end the request:
    // it answers no sooner than that, and long before kafkajs's 30 s request timeout would.
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const stalled = await startTestProxy({
      KAFKA_BROKERS: `127.0.0.1:${port}`,
      REST_PROXY_PRODUCE_TIMEOUT_MS: '1500',
    });
    try {
      const started = Date.now();
      const res = await fetch(`${stalled.url}topics/lmnh`, {
        method: 'POST',
        headers: { 'content-type': JSON_V2 },
        body: records,
      });
      expect([res.status, ((await res.json()) as { error_code: number }).error_code]).toEqual([500, 50003]);
      // At the timeout, not at once (a timer may fire a millisecond early against Date.now(), hence
      // no bound at exactly 1,500), and long before kafkajs's own 30 s.
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1_000);
      expect(elapsed).toBeLessThan(25_000);
    } finally {
      // The broker goes first: a client still waiting on it would hold the proxy's close for
      // kafkajs's whole 30 s request timeout.
      for (const socket of held) socket.destroy();
      silent.close();
      await stalled.close();
    }
  });

  it('counts requests by status and records by topic on /metrics', async () => {
    const text = await (await fetch(`${proxy.url}metrics`)).text();
    expect(text).toMatch(
      /museum_rest_proxy_requests_total\{route="\/topics\/\{topic\}",method="POST",status="415"\} 2/,
    );
    expect(text).toContain(`museum_rest_proxy_records_produced_total{topic="${topic}"} 6`);
    expect(text).toContain('museum_rest_proxy_request_duration_seconds_bucket');
  });
});
