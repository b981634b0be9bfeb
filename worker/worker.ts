import fs from 'node:fs';
import {
  DefaultLogger,
  Runtime,
  Worker,
  bundleWorkflowCode,
  makeTelemetryFilterString,
  type LogLevel,
  type WorkerOptions,
} from '@temporalio/worker';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { isExpectedSdkWarning } from './logger';
import { buildActivityDeps, createActivities } from '../activities';
import { INSTALLED_DATASETS } from '../datasets';
import type { Config } from '../config';
import { migrate, readMigrations } from '../db/migrate';
import { connectTemporalWorker, createKafka, createPgPool, createS3 } from './connections';
import { isPortFree } from './metrics-port';
import { WORKFLOW_BUNDLE_PATH } from './workflow-bundle';
import { hostQueueName } from '../pipeline/held-batches';

let runtimeInstalled = false;

/** Routes the Temporal SDK's own logs into our structured logger (once per process). */
async function installRuntime(config: Config, logger: Logger): Promise<void> {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const metricsPort = config.metrics.port > 0 && (await metricsPortOrWarn(config.metrics.port, logger));
  const level = (
    config.log.level === 'silent' || config.log.level === 'fatal' ? 'ERROR' : config.log.level.toUpperCase()
  ) as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const { level: l, message, meta } = entry;
      const fn =
        l === 'ERROR'
          ? 'error'
          : l === 'WARN' && !isExpectedSdkWarning(message)
            ? 'warn'
            : l === 'DEBUG' || l === 'TRACE' || l === 'WARN'
              ? 'debug'
              : 'info';
      logger[fn]({ ...meta, sdk: 'temporal' }, message);
    }),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(metricsPort ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.metrics.port}` } } } : {}),
    },
  });
}

async function metricsPortOrWarn(port: number, logger: Logger): Promise<boolean> {
  if (await isPortFree(port)) return true;
  logger.warn(
    { port, variable: 'METRICS_PORT' },
    `metrics port ${port} is taken (another worker on this host?): this worker runs without metrics; set METRICS_PORT to a free port to scrape it too`,
  );
  return false;
}

/**
 * Workflow code for Worker.create, by one switch as in Temporal's production sample: with
 * NODE_ENV=production the bundle `npm run build` made (what was deployed is what runs); otherwise
 * a bundle made now from the sources, so a change anywhere they reach is never run stale.
 */
export async function workflowCode(logger: Logger): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  if (process.env.NODE_ENV === 'production') {
    if (!fs.existsSync(WORKFLOW_BUNDLE_PATH)) {
      throw new Error(
        `NODE_ENV=production needs the pre-built workflow bundle ${WORKFLOW_BUNDLE_PATH}: run \`npm run build\``,
      );
    }
    logger.debug({ codePath: WORKFLOW_BUNDLE_PATH }, 'using the pre-built workflow bundle');
    return { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } };
  }
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: bundlerLogger(logger),
  });
  logger.info(
    { ms: Date.now() - started, hint: 'NODE_ENV=production uses the bundle npm run build makes' },
    'workflow code bundled at start',
  );
  return { workflowBundle: { code } };
}

/** The bundler's logger: everything at debug except warnings and errors. */
export function bundlerLogger(logger: Logger): DefaultLogger {
  return new DefaultLogger('TRACE', ({ level, message, meta }) => {
    const fn =
      level === 'ERROR' ? 'error' : level === 'WARN' ? 'warn' : level === 'TRACE' ? 'trace' : 'debug';
    logger[fn]({ ...meta, sdk: 'temporal', component: 'workflow-bundler' }, message);
  });
}

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has drained and every connection is closed. */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * Every activity needs the schema, so a worker brings it up to date before it takes a task: a
 * command started on a database nobody migrated then runs instead of retrying a missing table.
 */
async function migrateAtStart(db: Pool, config: Config, logger: Logger): Promise<void> {
  const where = `${config.pg.database} on ${config.pg.host}:${config.pg.port}`;
  try {
    const { applied } = await migrate(db, readMigrations(INSTALLED_DATASETS.migrationDirs));
    if (applied.length > 0) logger.info({ applied, database: where }, 'database schema migrated');
    else logger.debug({ database: where }, 'database schema up to date');
  } catch (err) {
    await db.end().catch(() => undefined);
    throw new Error(
      `cannot bring the database schema of ${where} up to date (PGHOST, PGPORT, PGDATABASE, PGUSER): ${(err as Error).message}`,
    );
  }
}

/** Config -> connections -> registrations, in that order, and teardown in reverse. */
export async function createMuseumWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  await installRuntime(config, logger);
  const db = createPgPool(config);
  await migrateAtStart(db, config, logger);
  const kafka = createKafka(config);
  const s3 = createS3(config);
  const connection = await connectTemporalWorker(config);
  const hostQueue = hostQueueName(config.temporal.taskQueue);
  const activityDeps = buildActivityDeps({ config, db, kafka, s3 }, INSTALLED_DATASETS, hostQueue);
  const activities = createActivities(activityDeps);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(await workflowCode(logger)),
    activities,
    shutdownGraceTime: '20 seconds',
  });
  // The transform and load of the live batches this process holds in memory (worker-specific task queues).
  const host = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: hostQueue,
    activities,
    shutdownGraceTime: '20 seconds',
  });
  logger.debug({ hostQueue }, "polling this process's own task queue for the batches it holds");
  return {
    worker,
    async run() {
      try {
        await runTogether(worker, host);
      } finally {
        await activityDeps.close();
        await db.end().catch(() => undefined);
        s3.destroy();
        await connection.close().catch(() => undefined);
      }
    },
    shutdown: () => {
      for (const w of [worker, host]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}

/** Runs both workers until both stop; when one fails, the other is shut down, then the failure is raised. */
async function runTogether(...workers: Worker[]): Promise<void> {
  const results = await Promise.allSettled(
    workers.map((w) =>
      w.run().catch((err: unknown) => {
        for (const other of workers) if (other !== w && other.getState() === 'RUNNING') other.shutdown();
        throw err;
      }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
