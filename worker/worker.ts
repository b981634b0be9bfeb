import fs from 'node:fs';
import path from 'node:path';
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
import { buildActivityDeps, createActivities } from '../activities';
import type { Config } from '../config';
import { migrate } from '../db/migrate';
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

/** Where `npm run build` (scripts/build-workflow-bundle.ts) writes the pre-bundled workflow code. */
export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'workflow-bundle.js');
/** The compiled folders whose code ends up in the workflow bundle. */
const BUNDLED_DIRS = ['workflows', 'activities', 'domain'].map((d) => path.join(__dirname, '..', d));

/**
 * The workflow bundle built by `npm run build`, unless it is missing or older than any compiled
 * file it could contain (e.g. after `tsc --watch`, or when running from the TypeScript sources,
 * where no bundle sits beside the code).
 */
function prebuiltBundle(): string | undefined {
  let built: number;
  try {
    built = fs.statSync(WORKFLOW_BUNDLE_PATH).mtimeMs;
  } catch {
    return undefined;
  }
  for (const dir of BUNDLED_DIRS) {
    let files: string[];
    try {
      files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
    } catch {
      continue;
    }
    for (const f of files) {
      if (f.endsWith('.js') && fs.statSync(path.join(dir, f)).mtimeMs > built) return undefined;
    }
  }
  return WORKFLOW_BUNDLE_PATH;
}

/**
 * Workflow code for Worker.create: the pre-built bundle when it is current (production), else a
 * bundle made now from the sources (development). Either way webpack's multi-line report goes to
 * debug, not info.
 */
export async function workflowCode(logger: Logger): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  const codePath = prebuiltBundle();
  if (codePath) {
    logger.debug({ codePath }, 'using the pre-built workflow bundle');
    return { workflowBundle: { codePath } };
  }
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: bundlerLogger(logger),
  });
  logger.info(
    { ms: Date.now() - started, hint: 'npm run build pre-bundles it' },
    'workflow code bundled at start (no current pre-built bundle)',
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
    const { applied } = await migrate(db);
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
  const activityDeps = buildActivityDeps({ config, db, kafka, s3 });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(await workflowCode(logger)),
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
