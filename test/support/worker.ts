import type { S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { buildActivityDeps, createActivities, type Activities } from '../../activities';
import { INSTALLED_DATASETS } from '../../datasets';
import type { DatasetRegistry } from '../../pipeline/dataset-plugin';
import type { Config } from '../../config';
import { uniqueName, WORKFLOWS_PATH } from './env';
import { hostQueueName } from '../../pipeline/held-batches';

export interface TestWorker {
  client: Client;
  taskQueue: string;
  worker: Worker;
  close(): Promise<void>;
}

/** A real worker on the dev server, on a private task queue so no other worker steals its tasks. */
export async function startTestWorker(deps: {
  config: Config;
  db: Pool;
  kafka: Kafka;
  s3: S3Client;
  /** Wraps the real activities, e.g. to crash a dependency between two of them. */
  wrap?: (activities: Activities) => Activities;
  /** The installed datasets; default the product's. */
  registry?: DatasetRegistry;
}): Promise<TestWorker> {
  const taskQueue = uniqueName('test');
  const nativeConnection = await NativeConnection.connect({ address: deps.config.temporal.address });
  const hostQueue = hostQueueName(taskQueue);
  const activityDeps = buildActivityDeps(deps, deps.registry ?? INSTALLED_DATASETS, hostQueue);
  const activities = (deps.wrap ?? ((a) => a))(createActivities(activityDeps));
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: deps.config.temporal.namespace,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities,
  });
  // As the product's worker: the batches it holds are transformed and loaded from its own queue.
  const host = await Worker.create({
    connection: nativeConnection,
    namespace: deps.config.temporal.namespace,
    taskQueue: hostQueue,
    activities,
  });
  const running = Promise.all([worker.run(), host.run()]);
  const connection = await Connection.connect({ address: deps.config.temporal.address });
  return {
    client: new Client({ connection, namespace: deps.config.temporal.namespace }),
    taskQueue,
    worker,
    async close() {
      worker.shutdown();
      host.shutdown();
      await running;
      await activityDeps.close();
      await connection.close();
      await nativeConnection.close();
    },
  };
}
