/**
 * The embedded stack's STACK_* settings. They live in config/ because the local defaults of every
 * connection derive from them; infra/local reads them from here to run the stack.
 */
import path from 'node:path';
import { REPO_ROOT } from './paths';

/** Where the embedded stack keeps installs, state, logs and pid files (git-ignored). */
export interface StackSettings {
  root: string;
  repoRoot: string;
  ports: {
    temporal: number;
    temporalUi: number;
    /** The dev server's Prometheus endpoint: its `action` counter is what Temporal Cloud bills. */
    temporalMetrics: number;
    kafka: number;
    kafkaController: number;
    s3: number;
    /** SeaweedFS's own master/volume/filer/admin ports start here when set; its defaults otherwise. */
    s3InternalBase?: number;
    postgres: number;
  };
  kafkaTopic: string;
  /** Every topic `stack up` creates: kafkaTopic first, then STACK_KAFKA_TOPICS (comma-separated). */
  kafkaTopics: string[];
  kafkaPartitions: number;
  s3Bucket: string;
  s3AccessKey: string;
  s3SecretKey: string;
  region: string;
  pgUser: string;
  pgPassword: string;
  pgDatabase: string;
  /** Unprivileged OS user that runs PostgreSQL when the stack is started as root. */
  pgOsUser: string;
}

export class StackSettingsError extends Error {}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StackSettingsError(`${name} must be a TCP port number 1..65535, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function loadStackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const partitions = Number(env.STACK_KAFKA_PARTITIONS ?? '4');
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1000) {
    throw new StackSettingsError(
      `STACK_KAFKA_PARTITIONS must be an integer 1..1000, got ${JSON.stringify(env.STACK_KAFKA_PARTITIONS)}`,
    );
  }
  const kafkaTopic = env.STACK_KAFKA_TOPIC || 'lmnh';
  const extraTopics = (env.STACK_KAFKA_TOPICS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const t of extraTopics) {
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(t) || t === '.' || t === '..') {
      throw new StackSettingsError(
        `STACK_KAFKA_TOPICS must be a comma-separated list of Kafka topic names, got ${JSON.stringify(t)}`,
      );
    }
  }
  return {
    root: path.resolve(env.MUSEUM_STACK_DIR || path.join(REPO_ROOT, '.stack')),
    repoRoot: REPO_ROOT,
    ports: {
      temporal: port(env, 'STACK_TEMPORAL_PORT', 7233),
      temporalUi: port(env, 'STACK_TEMPORAL_UI_PORT', 8233),
      temporalMetrics: port(env, 'STACK_TEMPORAL_METRICS_PORT', 8234),
      kafka: port(env, 'STACK_KAFKA_PORT', 9092),
      kafkaController: port(env, 'STACK_KAFKA_CONTROLLER_PORT', 9093),
      s3: port(env, 'STACK_S3_PORT', 8333),
      ...(env.STACK_S3_INTERNAL_PORT_BASE
        ? { s3InternalBase: port(env, 'STACK_S3_INTERNAL_PORT_BASE', 0) }
        : {}),
      postgres: port(env, 'STACK_PG_PORT', 5432),
    },
    kafkaTopic,
    kafkaTopics: [...new Set([kafkaTopic, ...extraTopics])],
    kafkaPartitions: partitions,
    s3Bucket: env.STACK_S3_BUCKET || 'lmnh',
    s3AccessKey: 'museum',
    s3SecretKey: 'museum-local-secret',
    region: 'eu-west-2',
    pgUser: 'museum',
    pgPassword: 'museum',
    pgDatabase: 'museum',
    pgOsUser: env.STACK_PG_OS_USER || 'museumpg',
  };
}

/** The ecosystem's standard variables, so psql, kcat, the aws CLI and the temporal CLI reach the stack. */
export function stackEnvironment(s: StackSettings): Record<string, string> {
  return {
    PGHOST: '127.0.0.1',
    PGPORT: String(s.ports.postgres),
    PGUSER: s.pgUser,
    PGPASSWORD: s.pgPassword,
    PGDATABASE: s.pgDatabase,
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s.ports.s3}`,
    AWS_REGION: s.region,
    AWS_ACCESS_KEY_ID: s.s3AccessKey,
    AWS_SECRET_ACCESS_KEY: s.s3SecretKey,
    TEMPORAL_ADDRESS: `127.0.0.1:${s.ports.temporal}`,
    TEMPORAL_NAMESPACE: 'default',
    KAFKA_BROKERS: `127.0.0.1:${s.ports.kafka}`,
    KAFKA_TOPIC: s.kafkaTopic,
    S3_BUCKET: s.s3Bucket,
  };
}
