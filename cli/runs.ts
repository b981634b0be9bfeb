import type { Client, WorkflowStartOptions } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { workflowUrl, type Config } from '../config';
import { connectTemporalClient } from '../worker/connections';
import { EXIT, fail } from './output';

export async function temporalClientOrExit(config: Config): Promise<Client> {
  try {
    return await connectTemporalClient(config);
  } catch (err) {
    return fail(
      `cannot reach Temporal at ${config.temporal.address} (${(err as Error).message}); is the stack up (museum-etl stack up) or TEMPORAL_ADDRESS right?`,
      EXIT.unavailable,
    );
  }
}

/** A query no worker answered: say which task queue needs one, exit 3; any other error is left alone. */
export function failIfNoWorker(err: unknown, config: Config): void {
  if (/Failed to query/i.test((err as Error).message)) {
    fail(
      `no worker answered the query: is a worker polling task queue ${config.temporal.taskQueue}? (museum-etl worker, or museum-etl up)`,
      EXIT.unavailable,
    );
  }
}

/** Starts a workflow, prints its UI link, and with `wait` prints the result or fails with exit 1. */
export async function startRun<R>(
  config: Config,
  /** The workflow's typed definition (preferred) or, for older callers, its type name. */
  workflow: Workflow | string,
  options: Omit<WorkflowStartOptions, 'taskQueue'> & { workflowId: string },
  wait: boolean,
  render: (result: R) => void,
): Promise<void> {
  const client = await temporalClientOrExit(config);
  const workflowType = typeof workflow === 'string' ? workflow : workflow.name;
  const handle = await client.workflow.start(workflow, {
    taskQueue: config.temporal.taskQueue,
    ...options,
  });
  console.error(`started ${workflowType} ${handle.workflowId}`);
  console.error(`  ${workflowUrl(config, handle.workflowId, handle.firstExecutionRunId)}`);
  if (!wait) return;
  try {
    render((await handle.result()) as R);
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    fail(
      `${workflowType} ${handle.workflowId} failed: ${cause?.message ?? (err as Error).message}`,
      EXIT.failed,
    );
  } finally {
    await client.connection.close();
  }
}
