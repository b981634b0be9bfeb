import type { Kafka } from 'kafkajs';
import { uniqueName } from './env';

/** A topic of its own for one test, so counts and offsets belong to that test alone. */
export async function createTestTopic(kafka: Kafka, prefix: string, partitions = 1): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return topic;
}
