import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

/**
 * Registers a namespace on the dev server unless it exists, and waits until the frontend serves
 * it. Tests and benchmarks run in namespaces of their own; the short retention lets the server
 * clean their runs up by itself.
 */
export async function ensureNamespace(
  address: string,
  namespace: string,
  description: string,
): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 10_000 });
  try {
    await connection.workflowService
      .registerNamespace({ namespace, description, workflowExecutionRetentionPeriod: msToTs('1 day') })
      .catch((err: { code?: number }) => {
        if (err.code !== 6) throw err; // ALREADY_EXISTS: an earlier run registered it
      });
    // A new namespace reaches the frontend's cache a moment after it is registered.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await connection.close();
  }
}
