import { describe, expect, it } from 'vitest';
import { loadConfig, workflowUrl } from '../../config';
import { configProblems } from '../support/config-problems';

const problems = configProblems;

/** The least a production worker needs. */
const PRODUCTION = {
  MUSEUM_ENV: 'production',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  KAFKA_BROKERS: 'b-1:9092',
  S3_BUCKET: 'museum-history',
  AWS_REGION: 'eu-west-2',
  PGHOST: 'db.internal',
  PGUSER: 'museum_writer',
  PGDATABASE: 'museum',
};

describe('config', () => {
  it('defaults every connection to the embedded stack', () => {
    const c = loadConfig({});
    expect(c.env).toBe('local');
    expect(c.temporal.address).toBe('127.0.0.1:7233');
    expect(c.temporal.namespace).toBe('default');
    expect(c.temporal.taskQueue).toBe('museum-etl');
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.kafka.topic).toBe('lmnh');
    expect(c.s3).toMatchObject({ bucket: 'lmnh', endpoint: 'http://127.0.0.1:8333', forcePathStyle: true });
    expect(c.pg).toMatchObject({ host: '127.0.0.1', port: 5432, database: 'museum', ssl: false });
    expect(c.museum.timeZone).toBe('Europe/London');
  });

  it('follows the stack port overrides', () => {
    const c = loadConfig({ STACK_PG_PORT: '55432', STACK_TEMPORAL_PORT: '17233' });
    expect(c.pg.port).toBe(55432);
    expect(c.temporal.address).toBe('127.0.0.1:17233');
  });

  it('names each bad variable and the expected form', () => {
    const p = problems({
      PGPORT: 'abc',
      LOG_LEVEL: 'loud',
      MUSEUM_TIME_ZONE: 'Mars/Olympus',
      KAFKA_BROKERS: 'nohost',
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PGPORT must be an integer 1\.\.65535, got "abc"/),
        expect.stringMatching(/^LOG_LEVEL must be one of/),
        expect.stringMatching(/^MUSEUM_TIME_ZONE must be an IANA time zone/),
        expect.stringMatching(/^KAFKA_BROKERS entry "nohost" is not host:port/),
      ]),
    );
  });

  it('requires everything explicitly in production', () => {
    const p = problems({ MUSEUM_ENV: 'production' });
    for (const name of [
      'TEMPORAL_ADDRESS',
      'KAFKA_BROKERS',
      'S3_BUCKET',
      'AWS_REGION',
      'PGHOST',
      'PGUSER',
      'PGDATABASE',
    ]) {
      expect(
        p.some((m) => m.startsWith(`${name} is required`)),
        name,
      ).toBe(true);
    }
  });

  it('builds a Temporal Cloud API-key connection with TLS', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'museum.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'museum.a1b2c',
      TEMPORAL_API_KEY: 'secret-key',
    });
    expect(c.temporal.connect.connectionOptions.address).toBe('museum.a1b2c.tmprl.cloud:7233');
    expect(c.temporal.connect.connectionOptions.apiKey).toBe('secret-key');
    expect(c.temporal.connect.connectionOptions.tls).toBeTruthy();
    expect(workflowUrl(c, 'ingest-lmnh')).toBe(
      'https://cloud.temporal.io/namespaces/museum.a1b2c/workflows/ingest-lmnh',
    );
  });

  it('rejects an API key with TLS disabled', () => {
    expect(problems({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })).toEqual([
      expect.stringMatching(/^TEMPORAL_API_KEY needs TLS/),
    ]);
  });

  it('configures Kafka SASL_SSL and refuses SASL in clear', () => {
    const c = loadConfig({
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(c.kafka.ssl).toBe(true);
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^KAFKA_SASL_USERNAME is required/)]),
    );
    expect(
      problems({
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SSL: 'false',
      }),
    ).toEqual([expect.stringMatching(/^KAFKA_SSL=false with KAFKA_SASL_MECHANISM/)]);
  });

  it('maps PGSSLMODE to node-postgres TLS options', () => {
    expect(loadConfig({ PGSSLMODE: 'require' }).pg.ssl).toEqual({ rejectUnauthorized: false });
    expect(loadConfig({ PGSSLMODE: 'verify-full' }).pg.ssl).toEqual({ rejectUnauthorized: true });
    expect(problems({ PGSSLMODE: 'sometimes' })).toEqual([expect.stringMatching(/^PGSSLMODE must be/)]);
  });

  it('uses the default AWS credential chain when no keys are given in production', () => {
    const c = loadConfig(PRODUCTION);
    expect(c.s3.credentials).toBeUndefined();
    expect(c.s3.endpoint).toBeUndefined();
    expect(c.s3.forcePathStyle).toBe(false);
  });
});

describe('config for the dashboard', () => {
  const forDashboard = { dashboard: true };

  it('needs its own reporting login in production, named by variable', () => {
    expect(problems(PRODUCTION, forDashboard)).toEqual([
      expect.stringMatching(/^PG_READER_USER is required \(a login that is a member of museum_reporting/),
      expect.stringMatching(/^PG_READER_PASSWORD is required/),
    ]);
    // A worker on the same host does not need it.
    expect(problems(PRODUCTION)).toEqual([]);
  });

  it('connects as the reporting login, never as the writer', () => {
    const config = loadConfig(
      {
        ...PRODUCTION,
        PGPASSWORD: 'writer-secret',
        PG_READER_USER: 'museum_dashboard',
        PG_READER_PASSWORD: 'reader-secret',
      },
      forDashboard,
    );
    expect(config.pg).toMatchObject({ readerUser: 'museum_dashboard', readerPassword: 'reader-secret' });
    expect(
      problems({ ...PRODUCTION, PG_READER_USER: 'museum_writer', PG_READER_PASSWORD: 'x' }, forDashboard),
    ).toEqual([expect.stringMatching(/^PG_READER_USER must be the read-only reporting login, not PGUSER/)]);
  });

  it('keeps the local reader default', () => {
    expect(loadConfig({}, forDashboard).pg).toMatchObject({
      readerUser: 'museum_reader',
      readerPassword: 'museum_reader',
    });
  });
});
