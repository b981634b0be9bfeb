import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/paths';
import { kafkaComponent } from '../../infra/local/components/kafka';
import { loadStackSettings } from '../../config/stack-settings';
import { createKafka } from '../../worker/connections';
import { stackConfig, uniqueName } from '../support/env';

const config = stackConfig();
const kafka = createKafka(config);
const created: string[] = [];

/** The built CLI, as an operator runs it, against the test stack's brokers. */
function cli(args: string[], env: Record<string, string> = {}) {
  const bin = path.join(REPO_ROOT, 'bin', 'museum-etl.js');
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the integration tests');
  }
  const started = Date.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: {
      ...process.env,
      MUSEUM_ENV: 'local',
      KAFKA_BROKERS: config.kafka.brokers.join(','),
      LOG_LEVEL: 'warn',
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

async function partitionsOf(topic: string): Promise<number | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return undefined;
    const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    return meta?.partitions.length;
  } finally {
    await admin.disconnect();
  }
}

afterAll(async () => {
  if (created.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
});

describe('museum-etl topics', () => {
  const topic = uniqueName('topics-it');

  it('creates a topic with the asked partitions and lists it', async () => {
    created.push(topic);
    const r = cli(['topics', 'create', topic, '--partitions', '3', '--replication-factor', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`created topic ${topic}: 3 partition(s), replication factor 1`);
    expect(await partitionsOf(topic)).toBe(3);

    const list = cli(['topics', 'list', '--json']);
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<{
      topic: string;
      partitions: number;
      replicationFactor: number;
    }>;
    expect(rows).toContainEqual({ topic, partitions: 3, replicationFactor: 1 });
    expect(rows.some((t) => t.topic.startsWith('__'))).toBe(false);

    const table = cli(['topics', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+REPLICATION/);
    expect(table.stdout).toMatch(new RegExp(`^${topic}\\s+3\\s+1$`, 'm'));
  });

  it('creating an existing topic is fine when the partitions match, and an error when they do not', () => {
    const same = cli(['topics', 'create', topic, '--partitions', '3']);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain(`topic ${topic} already exists (3 partition(s)`);

    const unspecified = cli(['topics', 'create', topic]);
    expect(unspecified.code).toBe(0);
    expect(unspecified.stdout).toContain('already exists');

    const different = cli(['topics', 'create', topic, '--partitions', '5']);
    expect(different.code).toBe(1);
    expect(different.stderr).toContain(`topic ${topic} already exists with 3 partition(s), not 5`);
  });

  it('usage errors exit 2; --help shows examples and exits 0', () => {
    for (const args of [
      ['topics', 'create'],
      ['topics', 'create', 'x', '--partitions', 'many'],
      ['topics', 'create', 'x', '--partitions', '0'],
      ['topics', 'create', 'x', '--replication-factor', '1.5'],
      ['topics', 'create', 'no spaces allowed'],
      ['topics', 'list', '--bogus'],
    ]) {
      const r = cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
    }
    for (const sub of ['create', 'list']) {
      const help = cli(['topics', sub, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
      expect(help.stdout).toContain(`$ museum-etl topics ${sub}`);
    }
  });

  it('an unreachable broker is a clear error naming KAFKA_BROKERS after a bounded wait', () => {
    const r = cli(['topics', 'list'], { KAFKA_BROKERS: '127.0.0.1:1' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot reach Kafka at 127.0.0.1:1 (KAFKA_BROKERS)');
    expect(r.ms).toBeLessThan(30_000);
  });

  it('ingest start for a missing topic fails at once, suggesting topics create', () => {
    const missing = uniqueName('topics-missing');
    const r = cli(['ingest', 'start', '--topic', missing], {
      TEMPORAL_TASK_QUEUE: uniqueName('topics-queue'),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`topic ${missing} does not exist`);
    expect(r.stderr).toContain(`museum-etl topics create ${missing}`);
  });
});

describe('stack up', () => {
  it('creates every topic named in the stack configuration', async () => {
    const extra = [uniqueName('stack-a'), uniqueName('stack-b')];
    created.push(...extra);
    const settings = loadStackSettings({ ...process.env, STACK_KAFKA_TOPICS: extra.join(',') });
    expect(settings.kafkaTopics).toEqual([settings.kafkaTopic, ...extra]);
    const kafkaSide = kafkaComponent(settings);
    await kafkaSide.bootstrap();
    for (const t of settings.kafkaTopics) expect(await partitionsOf(t)).toBe(settings.kafkaPartitions);
    await kafkaSide.bootstrap(); // idempotent
  });
});
