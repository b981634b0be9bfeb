import type { Kafka } from 'kafkajs';
import { uniqueName } from './env';

/** Topics this test file made: `test/support/cleanup.ts` deletes them once the file is done. */
const created = new Set<string>();

/** Topics made some other way (by a command under test, say) that the file's cleanup should delete. */
export function deleteAfterFile(...topics: string[]): void {
  for (const t of topics) created.add(t);
}

/** Creates topics, waits for their leaders, and deletes them once the test file is done. */
export async function createTopics(kafka: Kafka, topics: string[], numPartitions: number): Promise<void> {
  deleteAfterFile(...topics);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** A topic of its own for one test, so counts and offsets belong to that test alone. */
export async function createTestTopic(kafka: Kafka, prefix: string, partitions = 1): Promise<string> {
  const topic = uniqueName(prefix);
  await createTopics(kafka, [topic], partitions);
  return topic;
}

/** Deletes the file's topics that still exist, so a persistent `.stack` does not fill up with them. */
export async function deleteCreatedTopics(kafka: Kafka): Promise<void> {
  if (created.size === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const present = new Set(await admin.listTopics());
    const topics = [...created].filter((t) => present.has(t));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    created.clear();
  } finally {
    await admin.disconnect();
  }
}
