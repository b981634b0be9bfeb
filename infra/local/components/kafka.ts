import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { componentPaths, ensureDir, installedMatches, markInstalled, type Component } from '../component';
import { run, startDetached } from '../proc';
import type { StackSettings } from '../../../config/stack-settings';

const KAFKA_VERSION = '4.1.1';

/**
 * A cluster id as Kafka's own `random-uuid` draws it: 16 random bytes in URL-safe base64 without
 * padding, drawn again while it begins with `-` (Kafka's `Uuid.randomUuid` does the same, since a
 * leading `-` reads as an option on a command line).
 */
export function newClusterId(draw: () => Buffer = () => crypto.randomBytes(16)): string {
  for (;;) {
    const id = draw().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The storage tool's arguments; `--cluster-id=<id>` binds the id to its option whatever it begins with. */
export function storageFormatArgs(clusterId: string, config: string): string[] {
  return [
    'kafka.tools.StorageTool',
    'format',
    `--cluster-id=${clusterId}`,
    '--config',
    config,
    '--standalone',
  ];
}

/** Apache Kafka in KRaft mode (one broker+controller), class path resolved from Maven Central. */
export function kafkaComponent(s: StackSettings): Component {
  const paths = componentPaths(s, 'kafka');
  const libs = path.join(paths.dir, 'libs');
  const dataDir = path.join(paths.dir, 'data');
  const configDir = path.join(s.repoRoot, 'infra', 'local', 'kafka');
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const classPath = `${libs}/*`;

  const admin = () =>
    new Kafka({
      clientId: 'museum-etl-stack',
      brokers: [`127.0.0.1:${s.ports.kafka}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2000,
      retry: { retries: 1 },
    }).admin();

  function writeServerProperties(): string {
    const file = path.join(paths.dir, 'server.properties');
    const lines = [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${s.ports.kafkaController}`,
      `listeners=PLAINTEXT://127.0.0.1:${s.ports.kafka},CONTROLLER://127.0.0.1:${s.ports.kafkaController}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${s.ports.kafka}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${dataDir}`,
      `num.partitions=${s.kafkaPartitions}`,
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      // Big enough for the spec's oversized-payload faults (>64 KiB) to reach the pipeline as rejects.
      'message.max.bytes=2097152',
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  return {
    name: 'kafka',
    source: `Maven Central org.apache.kafka:kafka_2.13:${KAFKA_VERSION} (KRaft) + log4j-slf4j-impl 2.24.3`,
    stopSignal: 'SIGTERM',
    commandMarker: 'kafka.Kafka',
    ports: () => [
      { port: s.ports.kafka, variable: 'STACK_KAFKA_PORT' },
      { port: s.ports.kafkaController, variable: 'STACK_KAFKA_CONTROLLER_PORT' },
    ],
    address: () =>
      `127.0.0.1:${s.ports.kafka} (topic${s.kafkaTopics.length > 1 ? 's' : ''} ${s.kafkaTopics.join(', ')}, ${s.kafkaPartitions} partitions)`,
    async install() {
      const pom = path.join(configDir, 'pom.xml');
      const fingerprint = crypto.createHash('sha256').update(fs.readFileSync(pom)).digest('hex');
      const marker = path.join(libs, '.museum-etl-installed');
      if (installedMatches(marker, fingerprint)) return;
      fs.rmSync(libs, { recursive: true, force: true });
      ensureDir(libs);
      await run('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], {
        what: 'resolve Kafka from Maven Central (needs mvn and Java 17+)',
      });
      markInstalled(marker, fingerprint);
    },
    version: () => `Apache Kafka ${KAFKA_VERSION}`,
    async spawn() {
      ensureDir(dataDir);
      const config = writeServerProperties();
      if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
        await run(java, ['-cp', classPath, ...storageFormatArgs(newClusterId(), config)], {
          what: 'format the Kafka KRaft storage',
        });
      }
      return startDetached(
        java,
        [
          '-Xms512m',
          '-Xmx512m',
          '-XX:+UseG1GC',
          '-Djava.awt.headless=true',
          `-Dlog4j2.configurationFile=${path.join(configDir, 'log4j2.xml')}`,
          '-cp',
          classPath,
          'kafka.Kafka',
          config,
        ],
        { logFile: paths.logFile, cwd: paths.dir },
      );
    },
    async health() {
      const a = admin();
      try {
        await a.connect();
        const cluster = await a.describeCluster();
        return { ok: true, detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller}` };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      } finally {
        await a.disconnect().catch(() => undefined);
      }
    },
    async bootstrap() {
      const a = admin();
      try {
        await a.connect();
        const existing = await a.listTopics();
        const missing = s.kafkaTopics.filter((t) => !existing.includes(t));
        if (missing.length > 0) {
          await a.createTopics({
            waitForLeaders: true,
            topics: missing.map((topic) => ({
              topic,
              numPartitions: s.kafkaPartitions,
              replicationFactor: 1,
            })),
          });
        }
        const present = s.kafkaTopics.filter((t) => existing.includes(t));
        if (present.length === 0) return;
        const grow = (await a.fetchTopicMetadata({ topics: present })).topics
          .filter((t) => t.partitions.length < s.kafkaPartitions)
          .map((t) => ({ topic: t.name, count: s.kafkaPartitions }));
        if (grow.length > 0) await a.createPartitions({ topicPartitions: grow });
      } finally {
        await a.disconnect().catch(() => undefined);
      }
    },
    stateDirs: () => [dataDir],
  };
}
