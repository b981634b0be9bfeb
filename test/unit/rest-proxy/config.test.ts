import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config';
import { hashPassword } from '../../../dashboard/auth';
import { configProblems } from '../../support/config-problems';

describe('REST proxy configuration', () => {
  it('defaults to loopback:8082, the kiosk and configured Pinterest topics, 4 MiB bodies and a 10 s broker wait', () => {
    const c = loadConfig({ KAFKA_TOPIC: 'kiosks' }).restProxy;
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8082, users: [], maxBodyBytes: 4 * 1024 * 1024 });
    expect(c.topics).toEqual(['kiosks', 'pinterest.pin', 'pinterest.geo', 'pinterest.user']);
    expect(c.produceTimeoutMs).toBe(10_000);
    expect(loadConfig({ PINTEREST_TOPIC_GEO: 'partner.geo' }).restProxy.topics).toContain('partner.geo');
    expect(c.token).toBeUndefined();
  });

  it('reads its variables', () => {
    const hash = hashPassword('partner-password', { N: 1024, r: 8, p: 1 });
    const c = loadConfig({
      REST_PROXY_HOST: '0.0.0.0',
      REST_PROXY_PORT: '9000',
      REST_PROXY_TOKEN: 'a'.repeat(24),
      REST_PROXY_USERS: `partner:${hash}`,
      REST_PROXY_TOPICS: 'a, b,a',
      REST_PROXY_MAX_BODY_BYTES: '2048',
      REST_PROXY_PRODUCE_TIMEOUT_MS: '500',
    }).restProxy;
    expect(c).toEqual({
      host: '0.0.0.0',
      port: 9000,
      token: 'a'.repeat(24),
      users: [{ name: 'partner', hash }],
      topics: ['a', 'b'],
      maxBodyBytes: 2048,
      produceTimeoutMs: 500,
    });
  });

  it('names the variable that is wrong', () => {
    const problems = configProblems({
      REST_PROXY_PORT: 'x',
      REST_PROXY_TOKEN: 'short',
      REST_PROXY_USERS: 'partner:plain',
      REST_PROXY_TOPICS: 'ok,not a topic',
      REST_PROXY_MAX_BODY_BYTES: '10',
      REST_PROXY_PRODUCE_TIMEOUT_MS: '-1',
    });
    for (const variable of [
      'REST_PROXY_PORT',
      'REST_PROXY_TOKEN',
      'REST_PROXY_USERS',
      'REST_PROXY_TOPICS',
      'REST_PROXY_MAX_BODY_BYTES',
      'REST_PROXY_PRODUCE_TIMEOUT_MS',
    ]) {
      expect(problems.some((p) => p.startsWith(variable))).toBe(true);
    }
  });
});
