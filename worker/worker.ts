import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { buildActivityDeps, createActivities } from '../activities';
import type { Config } from '../config';
import { connectTemporalWorker, createKafka, createPgPool, createS3 } from './connections';
import { isPortFree } from './metrics-port';

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
        l === 'ERROR' ? 'error' : l === 'WARN' ? 'warn' : l === 'DEBUG' || l === 'TRACE' ? 'debug' : 'info';
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

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has drained and every connection is closed. */
  run(): Promise<void>;
  shutdown(): void;
}

/** Config -> connections -> registrations, in that order, and teardown in reverse. */
export async function createMuseumWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  await installRuntime(config, logger);
  const db = createPgPool(config);
  const kafka = createKafka(config);
  const s3 = createS3(config);
  const connection = await connectTemporalWorker(config);
  const activityDeps = buildActivityDeps({ config, db, kafka, s3 });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(activityDeps),
    shutdownGraceTime: '20 seconds',
  });
  return {
    worker,
    async run() {
      try {
        await worker.run();
      } finally {
        await activityDeps.close();
        await db.end().catch(() => undefined);
        s3.destroy();
        await connection.close().catch(() => undefined);
      }
    },
    shutdown: () => worker.shutdown(),
  };
}
