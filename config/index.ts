import fs from 'node:fs';
import path from 'node:path';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ClientConnectConfig,
} from '@temporalio/envconfig';
import { type PinterestTopics, readPinterestTopics } from '../datasets/pinterest/config';
import { loadStackSettings, stackEnvironment } from './stack-settings';

/**
 * The one typed configuration of museum-etl, read from the environment (and an optional `.env`).
 * With MUSEUM_ENV=local (the default) every unset variable points at the embedded stack;
 * with MUSEUM_ENV=production nothing is assumed and missing variables are errors.
 */
export interface Config {
  env: 'local' | 'production';
  temporal: {
    profile: ClientConfigProfile;
    connect: ClientConnectConfig;
    address: string;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
  };
  kafka: {
    brokers: string[];
    topic: string;
    clientId: string;
    ssl: boolean;
    sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  };
  s3: {
    bucket: string;
    region: string;
    endpoint?: string;
    forcePathStyle: boolean;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  pg: {
    host: string;
    port: number;
    user: string;
    password?: string;
    database: string;
    ssl: false | { rejectUnauthorized: boolean; ca?: string };
    /** The read-only reporting role the dashboard uses. */
    readerUser: string;
    readerPassword?: string;
  };
  museum: { timeZone: string };
  /** INGEST_MAX_LANES: most extract → transform → load pipelines a live ingest runs while behind. */
  ingest: { maxLanes: number };
  /** PINTEREST_TOPIC_PIN/GEO/USER: the live topics of the Pinterest dataset. */
  pinterest: { topics: PinterestTopics };
  /** ARCHIVE_*: the S3 archive of the topics in the sink connector's layout. */
  archive: {
    /** ARCHIVE_BUCKET, default S3_BUCKET. */
    bucket: string;
    /** ARCHIVE_PREFIX, default `topics/`: ends in `/`. */
    prefix: string;
    /** ARCHIVE_FLUSH_MESSAGES: messages per object (the connector's flush.size). */
    flushMessages: number;
    /** ARCHIVE_FLUSH_SECONDS: a shorter range whose first message is this old is written once caught up. */
    flushSeconds: number;
  };
  log: {
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
    file?: string;
    /** LOG_FORMAT; unset means human-readable lines on a terminal and JSON lines otherwise. */
    format?: 'json' | 'pretty';
  };
  metrics: { port: number };
  dashboard: {
    /** DASHBOARD_TOKEN: a shared secret for `?token=` / `Authorization: Bearer`. */
    token?: string;
    /** DASHBOARD_USERS: `user:scrypt$N$r$p$salt$hash` pairs for the login form. */
    users: Array<{ name: string; hash: string }>;
    /** DASHBOARD_COOKIE_SECURE: mark the session cookie Secure (behind a TLS proxy). */
    secureCookie: boolean;
  };
  restProxy: {
    /** REST_PROXY_HOST / REST_PROXY_PORT; `--host` / `--port` override them. */
    host: string;
    port: number;
    /** REST_PROXY_TOKEN: a shared secret for `Authorization: Bearer`. */
    token?: string;
    /** REST_PROXY_USERS: `user:scrypt$N$r$p$salt$hash` pairs for HTTP basic auth. */
    users: Array<{ name: string; hash: string }>;
    /** REST_PROXY_TOPICS: the only topics it writes to. */
    topics: string[];
    /** REST_PROXY_MAX_BODY_BYTES: larger request bodies get 413. */
    maxBodyBytes: number;
    /** REST_PROXY_PRODUCE_TIMEOUT_MS: how long a request waits for the broker before a 5xx. */
    produceTimeoutMs: number;
  };
}

/** The password hash format of DASHBOARD_USERS: `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
export const PASSWORD_HASH_PATTERN =
  /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

type Users = Array<{ name: string; hash: string }>;

/** A shared secret such as DASHBOARD_TOKEN or REST_PROXY_TOKEN. */
function readToken(variable: string, env: Env, problems: string[]): string | undefined {
  const token = env[variable];
  if (token !== undefined && (token.length < 16 || /\s/.test(token))) {
    problems.push(
      `${variable} must be at least 16 characters without spaces (e.g. \`openssl rand -hex 24\`)`,
    );
  }
  return token;
}

/** `user:scrypt$N$r$p$salt$hash` pairs, comma-separated, such as DASHBOARD_USERS or REST_PROXY_USERS. */
function readUsers(variable: string, env: Env, problems: string[]): Users {
  const users: Users = [];
  for (const entry of (env[variable] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const name = colon > 0 ? entry.slice(0, colon) : '';
    const hash = colon > 0 ? entry.slice(colon + 1) : '';
    const m = PASSWORD_HASH_PATTERN.exec(hash);
    if (!name || !/^[A-Za-z0-9._@-]+$/.test(name)) {
      problems.push(
        `${variable} entries are user:hash with a plain user name; got ${JSON.stringify(entry.slice(0, 40))}`,
      );
    } else if (!m) {
      problems.push(
        `${variable}: the hash of ${name} is not scrypt$N$r$p$salt$hash; make one with \`museum-etl dashboard hash-password\``,
      );
    } else if (
      Number(m[1]) < 2 ||
      (Number(m[1]) & (Number(m[1]) - 1)) !== 0 ||
      Number(m[2]) < 1 ||
      Number(m[3]) < 1
    ) {
      problems.push(
        `${variable}: the hash of ${name} has invalid scrypt parameters (N a power of two, r and p ≥ 1)`,
      );
    } else if (users.some((u) => u.name === name)) {
      problems.push(`${variable} names ${name} twice`);
    } else {
      users.push({ name, hash });
    }
  }
  return users;
}

function readDashboard(env: Env, problems: string[]): Config['dashboard'] {
  const token = readToken('DASHBOARD_TOKEN', env, problems);
  const users = readUsers('DASHBOARD_USERS', env, problems);
  const secure = (env.DASHBOARD_COOKIE_SECURE ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(secure)) {
    problems.push(
      `DASHBOARD_COOKIE_SECURE must be true or false, got ${JSON.stringify(env.DASHBOARD_COOKIE_SECURE)}`,
    );
  }
  return { ...(token ? { token } : {}), users, secureCookie: secure === 'true' || secure === '1' };
}

type IntReader = (name: string, fallback: number, min: number, max: number) => number;

/** Unless REST_PROXY_TOPICS says otherwise, the proxy writes to the kiosk and Pinterest topics configured. */
function readRestProxy(
  env: Env,
  defaultTopics: string[],
  int: IntReader,
  problems: string[],
): Config['restProxy'] {
  const token = readToken('REST_PROXY_TOKEN', env, problems);
  const topics = (env.REST_PROXY_TOPICS ?? defaultTopics.join(','))
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of topics) {
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(t)) {
      problems.push(`REST_PROXY_TOPICS entry ${JSON.stringify(t)} is not a Kafka topic name`);
    }
  }
  if (topics.length === 0) problems.push('REST_PROXY_TOPICS must name at least one topic');
  return {
    host: env.REST_PROXY_HOST ?? '127.0.0.1',
    port: int('REST_PROXY_PORT', 8082, 0, 65535),
    ...(token ? { token } : {}),
    users: readUsers('REST_PROXY_USERS', env, problems),
    topics: [...new Set(topics)],
    maxBodyBytes: int('REST_PROXY_MAX_BODY_BYTES', 4 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    produceTimeoutMs: int('REST_PROXY_PRODUCE_TIMEOUT_MS', 10_000, 100, 300_000),
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Reads `.env` beside the working directory without overriding variables already set. */
export function loadDotEnv(file = path.resolve('.env'), env: Env = process.env): void {
  if (!fs.existsSync(file)) return;
  // dotenv parses without touching process.env, so real environment variables win.
  const parsed = require('dotenv').parse(fs.readFileSync(file)) as Record<string, string>;
  for (const [k, v] of Object.entries(parsed)) if (env[k] === undefined) env[k] = v;
}

export interface LoadOptions {
  /**
   * Also check what the dashboard needs: in production, its own read-only login (PG_READER_USER and
   * PG_READER_PASSWORD), so it can never fall back to the pipeline's PGPASSWORD or role.
   */
  dashboard?: boolean;
}

export function loadConfig(input: Env = process.env, options: LoadOptions = {}): Config {
  const problems: string[] = [];
  const mode = input.MUSEUM_ENV ?? 'local';
  if (mode !== 'local' && mode !== 'production') {
    problems.push(`MUSEUM_ENV must be "local" or "production", got ${JSON.stringify(mode)}`);
  }
  const local = mode !== 'production';
  let localDefaults: Record<string, string> = {};
  try {
    if (local) localDefaults = stackEnvironment(loadStackSettings(input as NodeJS.ProcessEnv));
  } catch (err) {
    problems.push((err as Error).message);
  }
  const env: Env = { ...localDefaults, ...stripEmpty(input) };

  const required = (name: string, expected: string): string => {
    const v = env[name];
    if (v === undefined) problems.push(`${name} is required (${expected})`);
    return v ?? '';
  };
  const optional = (name: string) => env[name];
  const bool = (name: string, fallback: boolean): boolean => {
    const v = env[name];
    if (v === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    problems.push(`${name} must be true or false, got ${JSON.stringify(v)}`);
    return fallback;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = env[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer ${min}..${max}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return n;
  };

  const temporal = readTemporal(env, local, problems);

  const brokers = required('KAFKA_BROKERS', 'comma-separated host:port list, e.g. b-1.msk:9096')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b))
      problems.push(`KAFKA_BROKERS entry ${JSON.stringify(b)} is not host:port`);
  }
  const mechanism = optional('KAFKA_SASL_MECHANISM')?.toLowerCase();
  let sasl: Config['kafka']['sasl'];
  if (mechanism !== undefined) {
    if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
      problems.push(
        `KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512, got ${JSON.stringify(mechanism)}`,
      );
    } else {
      sasl = {
        mechanism,
        username: required('KAFKA_SASL_USERNAME', 'the SASL user name, needed with KAFKA_SASL_MECHANISM'),
        password: required('KAFKA_SASL_PASSWORD', 'the SASL password, needed with KAFKA_SASL_MECHANISM'),
      };
    }
  }
  const kafkaSsl = bool('KAFKA_SSL', sasl !== undefined);
  if (sasl && !kafkaSsl && !bool('KAFKA_ALLOW_PLAINTEXT_SASL', false)) {
    problems.push(
      'KAFKA_SSL=false with KAFKA_SASL_MECHANISM would send the password in clear; set KAFKA_SSL=true',
    );
  }

  const endpoint = optional('AWS_ENDPOINT_URL_S3') ?? optional('AWS_ENDPOINT_URL');
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    problems.push(`AWS_ENDPOINT_URL_S3 must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  const accessKeyId = optional('AWS_ACCESS_KEY_ID');
  const secretAccessKey = optional('AWS_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    problems.push(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together (or neither, for the default chain)',
    );
  }

  const sslmode = optional('PGSSLMODE') ?? 'disable';
  let pgSsl: Config['pg']['ssl'] = false;
  if (!['disable', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(sslmode)) {
    problems.push(
      `PGSSLMODE must be disable, prefer, require, verify-ca or verify-full, got ${JSON.stringify(sslmode)}`,
    );
  } else if (sslmode !== 'disable' && sslmode !== 'prefer') {
    const caFile = optional('PGSSLROOTCERT');
    let ca: string | undefined;
    if (caFile !== undefined) {
      try {
        ca = fs.readFileSync(caFile, 'utf8');
      } catch (err) {
        problems.push(`PGSSLROOTCERT cannot be read: ${(err as Error).message}`);
      }
    }
    pgSsl = { rejectUnauthorized: sslmode !== 'require', ...(ca ? { ca } : {}) };
  }

  const timeZone = env.MUSEUM_TIME_ZONE ?? 'Europe/London';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
  } catch {
    problems.push(
      `MUSEUM_TIME_ZONE must be an IANA time zone such as Europe/London, got ${JSON.stringify(timeZone)}`,
    );
  }
  const level = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) {
    problems.push(
      `LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent; got ${JSON.stringify(level)}`,
    );
  }
  const format = (env.LOG_FORMAT ?? '').trim().toLowerCase();
  if (format !== '' && format !== 'json' && format !== 'pretty') {
    problems.push(
      `LOG_FORMAT must be json or pretty (or unset: pretty on a terminal, JSON otherwise); got ${JSON.stringify(env.LOG_FORMAT)}`,
    );
  }

  const kioskTopic = env.KAFKA_TOPIC ?? 'lmnh';
  const s3Bucket = required(
    'S3_BUCKET',
    'the bucket holding lmnh_hist_data_*.csv and lmnh_exhibition_*.json',
  );
  const pinterestTopics = readPinterestTopics(env, problems);
  const config: Config = {
    env: local ? 'local' : 'production',
    temporal,
    kafka: {
      brokers,
      topic: kioskTopic,
      clientId: env.KAFKA_CLIENT_ID ?? 'museum-etl',
      ssl: kafkaSsl,
      ...(sasl ? { sasl } : {}),
    },
    s3: {
      bucket: s3Bucket,
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? required('AWS_REGION', 'e.g. eu-west-2'),
      ...(endpoint ? { endpoint } : {}),
      // Custom endpoints (SeaweedFS, MinIO-likes) have no per-bucket DNS names.
      forcePathStyle: bool('S3_FORCE_PATH_STYLE', endpoint !== undefined),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    },
    pg: {
      host: required('PGHOST', 'the PostgreSQL host name'),
      port: int('PGPORT', 5432, 1, 65535),
      user: required('PGUSER', 'the PostgreSQL user the pipeline writes as'),
      ...(env.PGPASSWORD !== undefined ? { password: env.PGPASSWORD } : {}),
      database: required('PGDATABASE', 'the database name, e.g. museum'),
      ssl: pgSsl,
      ...readReader(env, local, options.dashboard === true, problems),
    },
    museum: { timeZone },
    ingest: { maxLanes: int('INGEST_MAX_LANES', 1, 1, 64) },
    pinterest: { topics: pinterestTopics },
    archive: readArchive(env, s3Bucket, int, problems),
    log: {
      level: level as Config['log']['level'],
      ...(env.LOG_FILE ? { file: env.LOG_FILE } : {}),
      ...(format === 'json' || format === 'pretty' ? { format } : {}),
    },
    metrics: { port: int('METRICS_PORT', 9464, 0, 65535) },
    dashboard: readDashboard(env, problems),
    restProxy: readRestProxy(env, [kioskTopic, ...Object.values(pinterestTopics)], int, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** ARCHIVE_BUCKET, ARCHIVE_PREFIX, ARCHIVE_FLUSH_MESSAGES, ARCHIVE_FLUSH_SECONDS; each problem names its variable. */
function readArchive(env: Env, s3Bucket: string, int: IntReader, problems: string[]): Config['archive'] {
  const bucket = env.ARCHIVE_BUCKET ?? s3Bucket;
  if (env.ARCHIVE_BUCKET !== undefined && !BUCKET_NAME.test(bucket)) {
    problems.push(
      `ARCHIVE_BUCKET must be an S3 bucket name (3-63 lower-case letters, digits, "." and "-"), got ${JSON.stringify(bucket)}`,
    );
  }
  const prefix = env.ARCHIVE_PREFIX ?? 'topics/';
  if (
    env.ARCHIVE_PREFIX !== undefined &&
    (!prefix.endsWith('/') || prefix.startsWith('/') || /\s/.test(prefix))
  ) {
    problems.push(
      `ARCHIVE_PREFIX must end with "/" and neither start with "/" nor hold spaces (e.g. topics/), got ${JSON.stringify(prefix)}`,
    );
  }
  return {
    bucket,
    prefix,
    flushMessages: int('ARCHIVE_FLUSH_MESSAGES', 10_000, 1, 1_000_000),
    flushSeconds: int('ARCHIVE_FLUSH_SECONDS', 300, 1, 7 * 24 * 3600),
  };
}

function readReader(
  env: Env,
  local: boolean,
  dashboard: boolean,
  problems: string[],
): Pick<Config['pg'], 'readerUser' | 'readerPassword'> {
  if (dashboard && !local) {
    const role = 'a login that is a member of museum_reporting; see infra/terraform/README.md';
    if (env.PG_READER_USER === undefined) problems.push(`PG_READER_USER is required (${role})`);
    if (env.PG_READER_PASSWORD === undefined) {
      problems.push('PG_READER_PASSWORD is required (the password of PG_READER_USER)');
    }
    if (env.PG_READER_USER !== undefined && env.PG_READER_USER === env.PGUSER) {
      problems.push(
        `PG_READER_USER must be the read-only reporting login, not PGUSER (${JSON.stringify(env.PGUSER)}), which writes`,
      );
    }
  }
  return {
    readerUser: env.PG_READER_USER ?? 'museum_reader',
    ...(env.PG_READER_PASSWORD !== undefined || local
      ? { readerPassword: env.PG_READER_PASSWORD ?? 'museum_reader' }
      : {}),
  };
}

function readTemporal(env: Env, local: boolean, problems: string[]): Config['temporal'] {
  let profile: ClientConfigProfile = {};
  try {
    profile = loadClientConfigProfile({
      overrideEnvVars: definedOnly(env),
      disableFile: env.TEMPORAL_CONFIG_FILE === undefined && local,
    });
  } catch (err) {
    problems.push(`Temporal configuration (TEMPORAL_* / TEMPORAL_CONFIG_FILE): ${(err as Error).message}`);
  }
  if (!profile.address) {
    if (local) profile.address = '127.0.0.1:7233';
    else problems.push('TEMPORAL_ADDRESS is required (host:port, e.g. my-ns.a1b2c.tmprl.cloud:7233)');
  }
  if (profile.apiKey && profile.tls?.disabled) {
    problems.push(
      'TEMPORAL_API_KEY needs TLS, but TEMPORAL_TLS=false; remove TEMPORAL_TLS or set it to true',
    );
  }
  const hasCert = profile.tls?.clientCert !== undefined;
  const hasKey = profile.tls?.clientKey !== undefined;
  if (hasCert !== hasKey) {
    problems.push(
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together for mTLS',
    );
  }
  const namespace = profile.namespace ?? 'default';
  let connect: ClientConnectConfig = { connectionOptions: {} };
  try {
    connect = toClientOptions(profile);
  } catch (err) {
    problems.push(`Temporal TLS files: ${(err as Error).message}`);
  }
  const address = profile.address ?? '';
  const uiUrl =
    env.TEMPORAL_UI_URL ??
    (address.includes('tmprl.cloud') || address.includes('api.temporal.io')
      ? 'https://cloud.temporal.io'
      : `http://${address.split(':')[0] || '127.0.0.1'}:${env.STACK_TEMPORAL_UI_PORT ?? '8233'}`);
  return {
    profile,
    connect: { ...connect, namespace },
    address,
    namespace,
    taskQueue: env.TEMPORAL_TASK_QUEUE ?? 'museum-etl',
    uiUrl,
  };
}

function stripEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

function definedOnly(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** A link to one workflow run in the Temporal Web UI. */
export function workflowUrl(config: Config, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
