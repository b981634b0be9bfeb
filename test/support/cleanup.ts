import { afterAll } from 'vitest';
import { createKafka } from '../../worker/connections';
import { stackConfig } from './env';
import { deleteCreatedTopics } from './kafka';

// A setup file: its afterAll runs after the test file's own (hooks unwind as a stack), so a
// broker that a test restarted is back by then.
afterAll(async () => {
  await deleteCreatedTopics(createKafka(stackConfig()));
}, 60_000);
