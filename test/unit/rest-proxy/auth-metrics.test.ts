import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../../dashboard/auth';
import { ProxyAuth } from '../../../rest-proxy/auth';
import { ProxyMetrics } from '../../../rest-proxy/metrics';

const req = (authorization?: string) =>
  ({ headers: authorization ? { authorization } : {} }) as unknown as http.IncomingMessage;
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('ProxyAuth', () => {
  const token = 'partner-token-0123456789';
  const hash = hashPassword('s3cret-password', { N: 1024, r: 8, p: 1 });
  const auth = new ProxyAuth({ token, users: [{ name: 'partner', hash }] });

  it('lets everyone in when nothing is configured', () => {
    const open = new ProxyAuth({ users: [] });
    expect(open.required).toBe(false);
    expect(open.identify(req())).toBe('anonymous');
  });

  it('accepts the bearer token and the users’ passwords, nothing else', () => {
    expect(auth.identify(req(`Bearer ${token}`))).toBe('token');
    expect(auth.identify(req(basic('partner', 's3cret-password')))).toBe('partner');
    expect(auth.identify(req(basic('partner', 's3cret-password')))).toBe('partner');
    expect(auth.identify(req())).toBeUndefined();
    expect(auth.identify(req('Bearer wrong-token-0123456789'))).toBeUndefined();
    expect(auth.identify(req(basic('partner', 'wrong')))).toBeUndefined();
    expect(auth.identify(req(basic('stranger', 's3cret-password')))).toBeUndefined();
    expect(auth.identify(req('Basic !!!'))).toBeUndefined();
  });
});

describe('ProxyMetrics', () => {
  it('renders counters and a latency histogram in the Prometheus text format', () => {
    const m = new ProxyMetrics();
    m.recordRequest('/topics/{topic}', 'POST', 200, 0.02);
    m.recordRequest('/topics/{topic}', 'POST', 200, 3);
    m.records.add({ topic: 'lmnh' }, 5);
    const text = m.render();
    expect(text).toContain(
      'museum_rest_proxy_requests_total{route="/topics/{topic}",method="POST",status="200"} 2',
    );
    expect(text).toContain('museum_rest_proxy_records_produced_total{topic="lmnh"} 5');
    expect(text).toContain(
      'museum_rest_proxy_request_duration_seconds_bucket{route="/topics/{topic}",method="POST",le="0.025"} 1',
    );
    expect(text).toContain(
      'museum_rest_proxy_request_duration_seconds_bucket{route="/topics/{topic}",method="POST",le="+Inf"} 2',
    );
    expect(text).toContain(
      'museum_rest_proxy_request_duration_seconds_count{route="/topics/{topic}",method="POST"} 2',
    );
  });
});
