import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config';
import { createLogger } from '../../worker/logger';

/**
 * Secrets never reach a log line: every secret the configuration can hold is set to a recognisable
 * value, whole configurations and nested fragments are logged through the real logger, and the
 * captured JSON lines must contain none of those values.
 */

const SECRETS = {
  PGPASSWORD: 'pg-password-0001',
  PG_READER_PASSWORD: 'pg-reader-password-0002',
  KAFKA_SASL_PASSWORD: 'kafka-sasl-password-0003',
  TEMPORAL_API_KEY: 'temporal-api-key-0004',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-access-key-0005',
} as const;
const SECRET_VALUES: string[] = Object.values(SECRETS);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'museum-logger-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function configWithSecrets(extra: Record<string, string> = {}): Config {
  return loadConfig({
    MUSEUM_ENV: 'production',
    TEMPORAL_ADDRESS: 'museum.a1b2c.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'museum.a1b2c',
    KAFKA_BROKERS: 'b-1.msk.example:9096',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'museum-etl',
    S3_BUCKET: 'museum-history',
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID',
    PGHOST: 'db.example',
    PGUSER: 'museum_app',
    PGDATABASE: 'museum',
    PGSSLMODE: 'require',
    ...SECRETS,
    ...extra,
  });
}

/** A logger writing into memory; returns the raw lines and their parsed objects. */
function capture(level: Config['log']['level'] = 'trace') {
  const lines: string[] = [];
  const logger = createLogger({ level }, { component: 'test' }, { write: (s: string) => void lines.push(s) });
  return {
    logger,
    text: () => lines.join(''),
    records: () =>
      lines
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function expectNoSecret(text: string, secrets: readonly string[] = SECRET_VALUES): void {
  for (const s of secrets) expect(text, `log output contains ${s}`).not.toContain(s);
}

/** The values at the given dotted paths of a parsed log record. */
function at(record: unknown, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      record,
    );
}

describe('log redaction', () => {
  it('writes JSON lines with level, time, service and bindings', () => {
    const { logger, records } = capture();
    logger.info({ rows: 3 }, 'loaded');
    const [r] = records();
    expect(r).toMatchObject({ level: 30, service: 'museum-etl', component: 'test', rows: 3, msg: 'loaded' });
    expect(typeof r!.time).toBe('string');
  });

  it('redacts every secret of a full Config logged under `config`', () => {
    const config = configWithSecrets();
    // The fixture really carries each secret, so a clean log proves redaction, not absence.
    const plain = JSON.stringify(config);
    for (const s of SECRET_VALUES) expect(plain).toContain(s);

    const { logger, text, records } = capture();
    logger.info({ config }, 'configuration loaded');
    expectNoSecret(text());
    const [r] = records();
    for (const p of [
      'config.pg.password',
      'config.pg.readerPassword',
      'config.kafka.sasl.password',
      'config.temporal.profile.apiKey',
      'config.temporal.connect.connectionOptions.apiKey',
      'config.s3.credentials.secretAccessKey',
    ]) {
      expect(at(r, p), p).toBe('[redacted]');
    }
    // What is not secret stays readable, or the line is useless.
    expect(at(r, 'config.kafka.sasl.username')).toBe('museum-etl');
    expect(at(r, 'config.kafka.sasl.mechanism')).toBe('scram-sha-512');
    expect(at(r, 'config.s3.credentials.accessKeyId')).toBe('AKIAEXAMPLEKEYID');
    expect(at(r, 'config.pg.host')).toBe('db.example');
    expect(at(r, 'config.temporal.address')).toBe('museum.a1b2c.tmprl.cloud:7233');
  });

  it('redacts a full Config logged as the merge object itself', () => {
    const { logger, text } = capture();
    logger.warn(configWithSecrets(), 'config at top level');
    expectNoSecret(text());
  });

  it('redacts the mTLS private key of the Temporal connection', () => {
    const keyPem = '-----BEGIN PRIVATE KEY-----\nbXRscy1wcml2YXRlLWtleS0wMDA2\n-----END PRIVATE KEY-----\n';
    const certFile = path.join(tmp, 'client.pem');
    const keyFile = path.join(tmp, 'client.key');
    fs.writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n');
    fs.writeFileSync(keyFile, keyPem);
    const config = configWithSecrets({
      TEMPORAL_API_KEY: '',
      TEMPORAL_TLS_CLIENT_CERT_PATH: certFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
    });
    const { logger, text } = capture();
    logger.info({ config }, 'mtls');
    logger.info({ temporal: config.temporal }, 'mtls section');
    const out = text();
    expect(out).not.toContain('bXRscy1wcml2YXRlLWtleS0wMDA2');
    // A Uint8Array serialises as {"0":45,...}: the key's bytes must not appear in any form.
    const keyBytes = [...Buffer.from(keyPem)].slice(28, 44).join(',');
    expect(out.replace(/"\d+":/g, '').replace(/[{}]/g, '')).not.toContain(keyBytes);
  });

  it('redacts the sections of a Config logged on their own, at any depth', () => {
    const config = configWithSecrets();
    const { logger, text } = capture();
    logger.info(config.pg, 'pg section at top level');
    logger.info(config.kafka, 'kafka section at top level');
    logger.info(config.s3, 'S3 section at top level');
    logger.info(config.temporal, 'temporal section at top level');
    logger.info({ pg: config.pg, kafka: config.kafka, s3: config.s3, temporal: config.temporal }, 'sections');
    logger.info({ startup: { deps: { config } } }, 'config three levels down');
    logger.info({ connection: config.temporal.connect.connectionOptions }, 'temporal connection options');
    logger.info({ sasl: config.kafka.sasl }, 'sasl');
    logger.info({ credentials: config.s3.credentials }, 'aws credentials');
    expectNoSecret(text());
  });

  it('redacts secrets in hand-made nested objects and arrays, and HTTP authorization headers', () => {
    const { logger, text } = capture();
    logger.info(
      {
        request: { headers: { authorization: `Bearer ${SECRETS.TEMPORAL_API_KEY}` } },
        brokers: [
          { host: 'b-1', sasl: { mechanism: 'plain', username: 'u', password: SECRETS.KAFKA_SASL_PASSWORD } },
        ],
        db: {
          primary: { password: SECRETS.PGPASSWORD },
          replica: { reader: { password: SECRETS.PGPASSWORD } },
        },
        aws: { s3: { credentials: { accessKeyId: 'AKIA', secretAccessKey: SECRETS.AWS_SECRET_ACCESS_KEY } } },
        temporal: { cloud: { connection: { apiKey: SECRETS.TEMPORAL_API_KEY } } },
      },
      'nested',
    );
    expectNoSecret(text());
  });

  it('redacts child-logger bindings and keeps the objects passed in untouched', () => {
    const config = configWithSecrets();
    const { logger, text } = capture();
    const child = logger.child({ config });
    child.info('from a child logger');
    expectNoSecret(text());
    // Redaction happens on the way out: the live config the worker uses keeps its secrets.
    expect(config.pg.password).toBe(SECRETS.PGPASSWORD);
    expect(config.temporal.connect.connectionOptions.apiKey).toBe(SECRETS.TEMPORAL_API_KEY);
  });

  it('keeps errors readable (message and stack) while redacting secrets beside them', () => {
    const { logger, records, text } = capture();
    logger.error({ err: new Error('connection refused'), pg: { password: SECRETS.PGPASSWORD } }, 'failed');
    expectNoSecret(text());
    const [r] = records();
    expect(at(r, 'err.message')).toBe('connection refused');
    expect(String(at(r, 'err.stack'))).toContain('connection refused');
  });
});
