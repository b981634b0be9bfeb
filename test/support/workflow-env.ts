import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { loadStackSettings } from '../../config/stack-settings';
import { venvBin } from '../../infra/local/python-tools';
import { uniqueName, WORKFLOWS_PATH } from './env';

/**
 * A Temporal test server of the file's own (the stack's Temporal CLI, no download) for workflow
 * logic with stubbed activities; `withStubWorker` runs `fn` while a worker with them polls.
 */
export function useTestWorkflowEnvironment() {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: venvBin(loadStackSettings(), 'temporal') } },
    });
  }, 120_000);
  afterAll(async () => {
    await env?.teardown();
  });
  const current = () => {
    if (!env) throw new Error('the test workflow environment is not started yet');
    return env;
  };
  return {
    get client() {
      return current().client;
    },
    async withStubWorker<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
      const taskQueue = uniqueName('wf');
      const worker = await Worker.create({
        connection: current().nativeConnection,
        taskQueue,
        workflowsPath: WORKFLOWS_PATH,
        activities,
      });
      return worker.runUntil(fn(taskQueue));
    },
  };
}
