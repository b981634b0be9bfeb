import { NativeConnection } from '@temporalio/worker';
import { Connection, Client } from '@temporalio/client';
import { S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { Pool, type PoolConfig } from 'pg';
import type { Config } from '../config';

export function pgPoolConfig(config: Config, overrides: Partial<PoolConfig> = {}): PoolConfig {
  return {
    host: config.pg.host,
    port: config.pg.port,
    user: config.pg.user,
    password: config.pg.password,
    database: config.pg.database,
    ssl: config.pg.ssl,
    max: 10,
    application_name: 'museum-etl',
    ...overrides,
  };
}

export function createPgPool(config: Config, overrides: Partial<PoolConfig> = {}): Pool {
  const pool = new Pool(pgPoolConfig(config, overrides));
  // A client losing its connection (database restart) must not crash the process: idle ones report
  // through the pool, checked-out ones through their own 'error' event, which pg emits between
  // queries. The query in flight (or the next one) still fails, so the activity retries.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function kafkaConfig(config: Config): KafkaConfig {
  const sasl: SASLOptions | undefined = config.kafka.sasl
    ? ({
        mechanism: config.kafka.sasl.mechanism,
        username: config.kafka.sasl.username,
        password: config.kafka.sasl.password,
      } as SASLOptions)
    : undefined;
  return {
    clientId: config.kafka.clientId,
    brokers: config.kafka.brokers,
    ssl: config.kafka.ssl,
    ...(sasl ? { sasl } : {}),
    logLevel: logLevel.WARN,
    retry: { retries: 5, initialRetryTime: 300 },
  };
}

export function createKafka(config: Config): Kafka {
  return new Kafka(kafkaConfig(config));
}

export function createS3(config: Config): S3Client {
  return new S3Client({
    region: config.s3.region,
    forcePathStyle: config.s3.forcePathStyle,
    ...(config.s3.endpoint ? { endpoint: config.s3.endpoint } : {}),
    ...(config.s3.credentials ? { credentials: config.s3.credentials } : {}),
  });
}

export async function connectTemporalClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({
    ...config.temporal.connect.connectionOptions,
    connectTimeout: 10_000,
  });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export function connectTemporalWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(config.temporal.connect.connectionOptions);
}
