import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config';
import { isLoopback } from '../dashboard/auth';
import { createKafka } from '../worker/connections';
import { ProxyAuth } from './auth';
import * as errors from './errors';
import { KafkaGateway } from './kafka-gateway';
import { ProxyMetrics } from './metrics';
import { embeddedFormatOf, parseProduceRequest } from './records';
import { readBody } from './request-body';

/** Content type of every JSON answer, errors included, as the REST proxy's v2 API gives it. */
export const V2_JSON = 'application/vnd.kafka.v2+json';

export interface RestProxyOptions {
  host: string;
  port: number;
  logger: Logger;
  /** An existing client (tests); default one built from `config`. */
  kafka?: Kafka;
}

export interface RestProxy {
  /** `http://host:port/`, with the port actually bound. */
  url: string;
  metrics: ProxyMetrics;
  /** Stops accepting, lets requests in flight finish (bounded), then disconnects from Kafka. */
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  contentType?: string;
}

const TOPIC_PATH = /^\/topics\/([^/]+)$/;

/** The route pattern, which metrics carry instead of the path so topic names cannot grow the series. */
type Route = '/topics' | '/topics/{topic}' | '/metrics' | 'other';

/** The topic named by a `/topics/{topic}` path; a broken %-escape names no topic there is. */
function topicOf(path: string): string {
  try {
    return decodeURIComponent(TOPIC_PATH.exec(path)![1]!);
  } catch {
    throw errors.topicNotFound();
  }
}

function routeOf(path: string): Route {
  if (path === '/topics' || path === '/metrics') return path;
  return TOPIC_PATH.test(path) ? '/topics/{topic}' : 'other';
}

export async function startRestProxy(config: Config, options: RestProxyOptions): Promise<RestProxy> {
  const settings = config.restProxy;
  const auth = new ProxyAuth(settings);
  if (!auth.required && !isLoopback(options.host)) {
    throw new ConfigError([
      `REST_PROXY_TOKEN or REST_PROXY_USERS is required to listen on ${options.host}, which is not a loopback address`,
    ]);
  }
  const logger = options.logger.child({ component: 'rest-proxy' });
  const metrics = new ProxyMetrics();
  const gateway = new KafkaGateway(options.kafka ?? createKafka(config), {
    timeoutMs: settings.produceTimeoutMs,
    logger,
  });
  await gateway.start();
  const allowed = new Set(settings.topics);

  const produce = async (req: http.IncomingMessage, topic: string): Promise<Answer> => {
    if (!allowed.has(topic)) throw errors.topicNotAllowed();
    const format = embeddedFormatOf(req.headers['content-type']);
    const records = parseProduceRequest(await readBody(req, settings.maxBodyBytes), format);
    const offsets = await gateway.produce(topic, records);
    metrics.records.add({ topic }, records.length);
    return {
      status: 200,
      body: {
        offsets: offsets.map((o) => ({
          partition: o.partition,
          offset: o.offset,
          error_code: null,
          error: null,
        })),
        key_schema_id: null,
        value_schema_id: null,
      },
    };
  };

  const describe = async (topic: string): Promise<Answer> => {
    if (!allowed.has(topic)) throw errors.topicNotAllowed();
    const partitions = await gateway.partitionsOf(topic);
    if (!partitions) throw errors.topicNotFound();
    const body = {
      name: topic,
      configs: {},
      partitions: partitions.map((p) => ({
        partition: p.partitionId,
        leader: p.leader,
        replicas: p.replicas.map((b) => ({ broker: b, leader: b === p.leader, in_sync: p.isr.includes(b) })),
      })),
    };
    return { status: 200, body };
  };

  const route = async (req: http.IncomingMessage, path: string, pattern: Route): Promise<Answer> => {
    const method = req.method ?? 'GET';
    if (pattern === 'other') throw errors.notFound();
    if (auth.identify(req) === undefined) throw errors.unauthenticated();
    if (pattern === '/metrics' && method === 'GET') {
      return { status: 200, body: metrics.render(), contentType: 'text/plain; version=0.0.4' };
    }
    if (pattern === '/topics' && method === 'GET') {
      const topics = await gateway.listTopics();
      return { status: 200, body: topics.filter((t) => allowed.has(t)).sort() };
    }
    if (pattern === '/topics/{topic}') {
      const topic = topicOf(path);
      if (method === 'POST') return produce(req, topic);
      if (method === 'GET') return describe(topic);
    }
    throw errors.methodNotAllowed();
  };

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    inFlight++;
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://proxy');
    const pattern = routeOf(url.pathname);
    void route(req, url.pathname, pattern)
      .catch((err: unknown): Answer => {
        const rest = err instanceof errors.RestError ? err : errors.kafkaError((err as Error).message);
        if (rest.status >= 500) logger.warn({ err, path: url.pathname }, 'request failed');
        return { status: rest.status, body: rest.body };
      })
      .then((answer) => {
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        const headers: http.OutgoingHttpHeaders = {
          'content-type': answer.contentType ?? V2_JSON,
          'content-length': Buffer.byteLength(text),
        };
        if (answer.status === 401) headers['www-authenticate'] = 'Basic realm="museum-etl rest-proxy"';
        // A body left unread (413, or refused before reading) would otherwise hold the connection.
        if (!req.complete) headers.connection = 'close';
        res.writeHead(answer.status, headers).end(text);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.recordRequest(pattern, req.method ?? 'GET', answer.status, seconds);
        logger.debug(
          { method: req.method, path: url.pathname, status: answer.status, ms: seconds * 1000 },
          'request',
        );
      })
      .finally(() => {
        if (--inFlight === 0) drained?.();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}/`;
  logger.info({ url, topics: settings.topics, auth: auth.required }, 'rest proxy listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise((resolve) => setTimeout(resolve, settings.produceTimeoutMs + 1_000).unref()),
        ]);
      }
      server.closeAllConnections();
      await stopped;
      await gateway.close();
      logger.info('rest proxy stopped');
    })());
  return { url, metrics, close };
}
