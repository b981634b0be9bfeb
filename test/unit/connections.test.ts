import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../config';
import {
  connectTemporalClient,
  connectTemporalWorker,
  createKafka,
  createPgPool,
  createS3,
  kafkaConfig,
  pgPoolConfig,
} from '../../worker/connections';

/**
 * The client settings museum-etl builds for managed services (Temporal Cloud, Confluent Cloud / MSK,
 * RDS, S3 on AWS), from the environment alone. Nothing here connects anywhere: each test inspects
 * the options handed to the client libraries.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'museum-connections-'));
const file = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
const CA_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQ2FrZUNBCg==\n-----END CERTIFICATE-----\n';
const CERT_PEM = '-----BEGIN CERTIFICATE-----\nY2xpZW50IGNlcnQK\n-----END CERTIFICATE-----\n';
const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nY2xpZW50IGtleQo=\n-----END PRIVATE KEY-----\n';

/** The minimum a production deployment must set; each test adds the service it is about. */
const PRODUCTION = {
  MUSEUM_ENV: 'production',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  KAFKA_BROKERS: 'kafka.internal:9092',
  S3_BUCKET: 'museum-history',
  AWS_REGION: 'eu-west-2',
  PGHOST: 'museum.abc123.eu-west-2.rds.amazonaws.com',
  PGUSER: 'museum_app',
  PGDATABASE: 'museum',
} as const;

const production = (extra: Record<string, string> = {}): Config => loadConfig({ ...PRODUCTION, ...extra });

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('Kafka (kafkajs)', () => {
  it.each([
    ['SCRAM-SHA-512', 'scram-sha-512'],
    ['scram-sha-256', 'scram-sha-256'],
    ['PLAIN', 'plain'],
  ] as const)('uses SASL_SSL with %s', (given, mechanism) => {
    const c = production({
      KAFKA_BROKERS:
        'b-1.museum.kafka.eu-west-2.amazonaws.com:9096, b-2.museum.kafka.eu-west-2.amazonaws.com:9096',
      KAFKA_SASL_MECHANISM: given,
      KAFKA_SASL_USERNAME: 'museum-etl',
      KAFKA_SASL_PASSWORD: 'sasl-secret',
      KAFKA_CLIENT_ID: 'museum-etl-prod',
    });
    const k = kafkaConfig(c);
    expect(k).toMatchObject({
      clientId: 'museum-etl-prod',
      brokers: [
        'b-1.museum.kafka.eu-west-2.amazonaws.com:9096',
        'b-2.museum.kafka.eu-west-2.amazonaws.com:9096',
      ],
      // SASL implies TLS: the password never crosses the network in clear.
      ssl: true,
      sasl: { mechanism, username: 'museum-etl', password: 'sasl-secret' },
    });
    expect(() => createKafka(c)).not.toThrow();
  });

  it('uses Confluent Cloud style PLAIN credentials (API key and secret) over TLS', () => {
    const k = kafkaConfig(
      production({
        KAFKA_BROKERS: 'pkc-abc12.eu-west-2.aws.confluent.cloud:9092',
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'CONFLUENTKEY',
        KAFKA_SASL_PASSWORD: 'confluent-secret',
      }),
    );
    expect(k.ssl).toBe(true);
    expect(k.sasl).toEqual({ mechanism: 'plain', username: 'CONFLUENTKEY', password: 'confluent-secret' });
  });

  it('uses TLS without SASL when only KAFKA_SSL is set, and plaintext by default', () => {
    const tls = kafkaConfig(production({ KAFKA_SSL: 'true' }));
    expect(tls.ssl).toBe(true);
    expect(tls).not.toHaveProperty('sasl');
    const plain = kafkaConfig(production());
    expect(plain.ssl).toBe(false);
    expect(plain).not.toHaveProperty('sasl');
  });

  it('refuses SASL without TLS and names the variable', () => {
    expect(() =>
      production({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SSL: 'false',
      }),
    ).toThrow(/KAFKA_SSL=false with KAFKA_SASL_MECHANISM/);
  });
});

describe('PostgreSQL (node-postgres) on RDS', () => {
  it('sslmode=require encrypts without verifying the server certificate', () => {
    const p = pgPoolConfig(production({ PGSSLMODE: 'require', PGPASSWORD: 'db-secret' }));
    expect(p).toMatchObject({
      host: PRODUCTION.PGHOST,
      port: 5432,
      user: 'museum_app',
      password: 'db-secret',
      database: 'museum',
      ssl: { rejectUnauthorized: false },
      application_name: 'museum-etl',
    });
  });

  it('sslmode=verify-full verifies the server against PGSSLROOTCERT (the RDS CA bundle)', () => {
    const ca = file('rds-global-bundle.pem', CA_PEM);
    const c = production({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca, PGPORT: '5433' });
    expect(pgPoolConfig(c)).toMatchObject({ port: 5433, ssl: { rejectUnauthorized: true, ca: CA_PEM } });
    // What the pool is really built with (no connection is opened).
    const pool = createPgPool(c, { max: 3 });
    expect(pool.options).toMatchObject({ max: 3, ssl: { rejectUnauthorized: true, ca: CA_PEM } });
    void pool.end();
  });

  it('sslmode=verify-full without a CA file still verifies (against the system CAs)', () => {
    expect(pgPoolConfig(production({ PGSSLMODE: 'verify-full' })).ssl).toEqual({ rejectUnauthorized: true });
  });

  it('sslmode=disable (and unset) sends no TLS options; no password is invented', () => {
    const p = pgPoolConfig(production({ PGSSLMODE: 'disable' }));
    expect(p.ssl).toBe(false);
    expect(p.password).toBeUndefined();
    expect(pgPoolConfig(production()).ssl).toBe(false);
  });

  it('names PGSSLROOTCERT when the CA file cannot be read', () => {
    expect(() =>
      production({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: path.join(tmp, 'missing.pem') }),
    ).toThrow(/PGSSLROOTCERT cannot be read/);
  });
});

describe('S3 (AWS SDK v3)', () => {
  it('on AWS uses the default credential chain: no explicit keys, no endpoint, virtual-hosted style', async () => {
    const s3 = createS3(production());
    try {
      expect(s3.config.isCustomEndpoint).toBe(false);
      expect(s3.config.endpoint).toBeUndefined();
      expect(s3.config.forcePathStyle).toBe(false);
      expect(await s3.config.region()).toBe('eu-west-2');
      // No keys were given to the client, so the SDK's chain answers: here its first link, the
      // environment (on EC2 it is the instance role through IMDS).
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFROMTHECHAIN');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'chain-secret');
      const creds = await s3.config.credentials();
      expect(creds.accessKeyId).toBe('AKIAFROMTHECHAIN');
      const endpoint = await s3.config.endpointProvider({
        Region: 'eu-west-2',
        Bucket: 'museum-history',
        ForcePathStyle: false,
        UseFIPS: false,
        UseDualStack: false,
        Accelerate: false,
      });
      expect(endpoint.url.href).toBe('https://museum-history.s3.eu-west-2.amazonaws.com/');
    } finally {
      s3.destroy();
    }
  });

  it('with explicit keys and a custom endpoint (the local store) uses them, path-style', async () => {
    const s3 = createS3(
      production({
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:8333',
        AWS_ACCESS_KEY_ID: 'museum',
        AWS_SECRET_ACCESS_KEY: 'local-secret',
      }),
    );
    try {
      expect(s3.config.isCustomEndpoint).toBe(true);
      expect(s3.config.forcePathStyle).toBe(true);
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIGNORED');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'ignored');
      const creds = await s3.config.credentials();
      expect(creds).toMatchObject({ accessKeyId: 'museum', secretAccessKey: 'local-secret' });
    } finally {
      s3.destroy();
    }
  });

  it('names the variables when only one of the two keys is set', () => {
    expect(() => production({ AWS_ACCESS_KEY_ID: 'AKIA' })).toThrow(
      /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together/,
    );
  });
});

describe('Temporal Cloud', () => {
  const CLOUD = {
    TEMPORAL_ADDRESS: 'museum.a1b2c.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'museum.a1b2c',
  };

  /** Captures what the client and the worker would connect with, without a network. */
  function captureConnects() {
    const client = vi
      .spyOn(Connection, 'connect')
      .mockResolvedValue({ close: async () => undefined } as unknown as Connection);
    const worker = vi
      .spyOn(NativeConnection, 'connect')
      .mockResolvedValue({ close: async () => undefined } as unknown as NativeConnection);
    return { client, worker };
  }

  it('connects client and worker with the API key over TLS', async () => {
    const c = production({ ...CLOUD, TEMPORAL_API_KEY: 'temporal-api-key' });
    expect(c.temporal.namespace).toBe('museum.a1b2c');
    expect(c.temporal.uiUrl).toBe('https://cloud.temporal.io');
    const spies = captureConnects();
    const client = await connectTemporalClient(c);
    expect(client.options.namespace).toBe('museum.a1b2c');
    await connectTemporalWorker(c);
    for (const spy of [spies.client, spies.worker]) {
      expect(spy).toHaveBeenCalledTimes(1);
      const options = spy.mock.calls[0]![0]!;
      expect(options.address).toBe('museum.a1b2c.tmprl.cloud:7233');
      expect(options.apiKey).toBe('temporal-api-key');
      expect(options.tls).toBeTruthy();
    }
  });

  it('connects with mTLS from certificate files (envconfig conventions)', async () => {
    const c = production({
      ...CLOUD,
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem', CERT_PEM),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key', KEY_PEM),
      TEMPORAL_TLS_SERVER_NAME: 'museum.a1b2c.tmprl.cloud',
    });
    const spies = captureConnects();
    await connectTemporalWorker(c);
    const options = spies.worker.mock.calls[0]![0]!;
    expect(options.apiKey).toBeUndefined();
    const tls = options.tls as {
      serverNameOverride?: string;
      clientCertPair?: { crt: Uint8Array; key: Uint8Array };
    };
    expect(tls.serverNameOverride).toBe('museum.a1b2c.tmprl.cloud');
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toBe(CERT_PEM);
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toBe(KEY_PEM);
  });

  it('reads a profile from a TOML config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE)', () => {
    const toml = file(
      'temporal.toml',
      [
        '[profile.prod]',
        'address = "museum.a1b2c.tmprl.cloud:7233"',
        'namespace = "museum.a1b2c"',
        'api_key = "key-from-profile"',
        '',
      ].join('\n'),
    );
    const c = loadConfig({
      ...PRODUCTION,
      TEMPORAL_ADDRESS: undefined,
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_PROFILE: 'prod',
    });
    expect(c.temporal.address).toBe('museum.a1b2c.tmprl.cloud:7233');
    expect(c.temporal.namespace).toBe('museum.a1b2c');
    expect(c.temporal.connect.connectionOptions).toMatchObject({ apiKey: 'key-from-profile' });
    expect(c.temporal.connect.connectionOptions.tls).toBeTruthy();
  });

  it('fails at start-up naming the variable when an API key would travel without TLS', () => {
    expect(() => production({ ...CLOUD, TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })).toThrow(
      /TEMPORAL_API_KEY needs TLS/,
    );
  });

  it('fails at start-up naming TEMPORAL_ADDRESS when production has none', () => {
    expect(() => loadConfig({ ...PRODUCTION, TEMPORAL_ADDRESS: undefined })).toThrow(
      /TEMPORAL_ADDRESS is required/,
    );
  });
});
