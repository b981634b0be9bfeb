import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/paths';
import { hashPassword } from '../../dashboard/auth';
import type { RestProxy } from '../../rest-proxy/server';
import { createKafka } from '../../worker/connections';
import { stackConfig, uniqueName } from '../support/env';
import { createTopic, deleteTopics, readTopic, startTestProxy } from '../support/rest-proxy';

const kafka = createKafka(stackConfig());
const topic = uniqueName('rest-access');
const TOKEN = 'partner-token-0123456789abcdef';
const body = JSON.stringify({ records: [{ value: { ok: true } }] });

beforeAll(() => createTopic(kafka, topic, 1));
afterAll(() => deleteTopics(kafka, [topic]));

describe('authentication', () => {
  let proxy: RestProxy;
  beforeAll(async () => {
    const hash = hashPassword('partner-password', { N: 1024, r: 8, p: 1 });
    proxy = await startTestProxy({
      REST_PROXY_TOPICS: topic,
      REST_PROXY_TOKEN: TOKEN,
      REST_PROXY_USERS: `partner:${hash}`,
    });
  });
  afterAll(() => proxy.close());

  const send = (authorization?: string) =>
    fetch(`${proxy.url}topics/${topic}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/vnd.kafka.json.v2+json',
        ...(authorization ? { authorization } : {}),
      },
      body,
    });
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('401 40101 without credentials or with wrong ones, on every route', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', basic('partner', 'nope')]) {
      const res = await send(authorization);
      expect([res.status, await res.json()]).toEqual([
        401,
        { error_code: 40101, message: 'Authentication failed.' },
      ]);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
    expect((await fetch(`${proxy.url}topics`)).status).toBe(401);
    expect((await fetch(`${proxy.url}metrics`)).status).toBe(401);
  });

  it('200 with the token or a user’s password', async () => {
    expect((await send(`Bearer ${TOKEN}`)).status).toBe(200);
    expect((await send(basic('partner', 'partner-password'))).status).toBe(200);
  });

  it('refuses to listen off loopback without REST_PROXY_TOKEN or REST_PROXY_USERS', async () => {
    await expect(startTestProxy({}, '0.0.0.0')).rejects.toThrow(/REST_PROXY_TOKEN or REST_PROXY_USERS/);
  });
});

describe('shutdown', () => {
  it('finishes the request in flight, acknowledged by Kafka, then stops accepting', async () => {
    const proxy = await startTestProxy({ REST_PROXY_TOPICS: topic });
    const url = new URL(`topics/${topic}`, proxy.url);
    const records = Array.from({ length: 500 }, (_, i) => ({ value: { shutdown: i } }));
    const payload = JSON.stringify({ records });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      // `Expect: 100-continue`: the server's 100 answer says it has taken the request in hand.
      const req = http.request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.kafka.json.v2+json', expect: '100-continue' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.on('continue', () => {
        // Half the body, then the proxy is told to stop, then the rest.
        req.write(payload.slice(0, 100));
        void proxy.close();
        req.end(payload.slice(100));
      });
      req.flushHeaders();
    });
    const { status, text } = await answer;
    expect(status).toBe(200);
    expect((JSON.parse(text) as { offsets: unknown[] }).offsets).toHaveLength(500);
    await proxy.close();
    await expect(fetch(url, { method: 'POST', body: payload })).rejects.toThrow();
    const messages = await readTopic(kafka, topic, 500);
    expect(messages.filter((m) => m.value?.toString().startsWith('{"shutdown"'))).toHaveLength(500);
  });
});

describe('museum-etl rest-proxy (the CLI)', () => {
  const bin = path.join(REPO_ROOT, 'bin', 'museum-etl.js');
  const env = {
    ...process.env,
    MUSEUM_ENV: 'local',
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: stackConfig().kafka.brokers.join(','),
  };

  it('prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'rest-proxy', '--port', '0'], {
      env: { ...env, REST_PROXY_TOPICS: topic },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /REST proxy: (http:\/\/\S+\/)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    expect(await (await fetch(`${url}topics`)).json()).toEqual([topic]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('REST proxy stopped.');
  });

  it('exits 2 naming the variables when asked to listen off loopback without auth', async () => {
    const child = spawn(process.execPath, [bin, 'rest-proxy', '--host', '0.0.0.0', '--port', '0'], { env });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/REST_PROXY_TOKEN or REST_PROXY_USERS/);
  });
});

describe('simulate live --via http', () => {
  it('posts the kiosk events, faulty bytes included, through the proxy', async () => {
    const simTopic = uniqueName('rest-sim');
    await createTopic(kafka, simTopic, 2);
    const proxy = await startTestProxy({ REST_PROXY_TOPICS: simTopic });
    try {
      const bin = path.join(REPO_ROOT, 'bin', 'museum-etl.js');
      const args = ['simulate', 'live', '--via', 'http', '--proxy-url', proxy.url, '--topic', simTopic];
      // Asynchronous: the proxy answering the child runs in this process's event loop.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [bin, ...args, '--count', '300', '--max-rate', '--fault-fraction', '0.5', '--seed', '7', '--json'],
        { env: { ...process.env, MUSEUM_ENV: 'local', LOG_LEVEL: 'warn' }, timeout: 60_000 },
      );
      const summary = JSON.parse(stdout) as { sent: number; partitions: number };
      expect(summary).toMatchObject({ sent: 300, partitions: 2 });
      const messages = await readTopic(kafka, simTopic, 300);
      expect(messages).toHaveLength(300);
      // Binary embedded format: payloads that are not JSON arrive as they were made.
      expect(messages.some((m) => !isJson(m.value))).toBe(true);
    } finally {
      await proxy.close();
      await deleteTopics(kafka, [simTopic]);
    }
  });
});

describe('simulate pinterest --via http', () => {
  it('posts every pin, geo and user record through the proxy', async () => {
    const topics = ['pin', 'geo', 'user'].map((t) => uniqueName(`rest-pinterest-${t}`));
    for (const t of topics) await createTopic(kafka, t, 1);
    const proxy = await startTestProxy({ REST_PROXY_TOPICS: topics.join(',') });
    try {
      const bin = path.join(REPO_ROOT, 'bin', 'museum-etl.js');
      const args = ['simulate', 'pinterest', '--via', 'http', '--proxy-url', proxy.url, '--posts', '50'];
      const env = {
        ...process.env,
        MUSEUM_ENV: 'local',
        LOG_LEVEL: 'warn',
        PINTEREST_TOPIC_PIN: topics[0]!,
        PINTEREST_TOPIC_GEO: topics[1]!,
        PINTEREST_TOPIC_USER: topics[2]!,
      };
      const { stdout } = await promisify(execFile)(process.execPath, [bin, ...args, '--json'], {
        env,
        timeout: 60_000,
      });
      expect(JSON.parse(stdout)).toMatchObject({ posts: 50 });
      for (const t of topics) expect(await readTopic(kafka, t, 50)).toHaveLength(50);
    } finally {
      await proxy.close();
      await deleteTopics(kafka, topics);
    }
  });
});

function isJson(value: Buffer | null): boolean {
  try {
    JSON.parse(value?.toString() ?? '');
    return true;
  } catch {
    return false;
  }
}
