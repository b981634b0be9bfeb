import { spawnSync } from 'node:child_process';
import type { Kafka } from 'kafkajs';
import { createLogger } from '../../worker/logger';
import { startRestProxy, type RestProxy } from '../../rest-proxy/server';
import { stackConfig, uniqueName } from './env';
import { createTopics } from './kafka';

export interface ReadMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
}

/** Every message of a topic from the start, once `count` have arrived (or throws after `timeoutMs`). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 60_000,
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('rest-proxy-read'), maxBytes: 10 * 1024 * 1024 });
  await consumer.connect();
  const messages: ReadMessage[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${count} messages of ${topic}`)),
        timeoutMs,
      );
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            messages.push({
              partition: batch.partition,
              offset: Number(m.offset),
              key: m.key?.toString() ?? null,
              value: m.value,
            });
          }
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export function createTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  return createTopics(kafka, [topic], numPartitions);
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

/** An in-process proxy on a free loopback port, configured by REST_PROXY_* overrides. */
export function startTestProxy(env: Record<string, string>, host = '127.0.0.1'): Promise<RestProxy> {
  const config = stackConfig(env);
  return startRestProxy(config, { host, port: 0, logger: createLogger({ level: 'silent' }) });
}

/** Whether a program runs here (curl, python3 …). */
export function hasProgram(program: string, args: string[] = ['--version']): boolean {
  return spawnSync(program, args, { stdio: 'ignore' }).status === 0;
}
