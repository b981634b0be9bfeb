import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../config/paths';
import { TEST_DATABASE, TEST_NAMESPACE } from './env';

export interface WorkerProcess {
  child: ChildProcess;
  logFile: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A real `museum-etl worker` process (the built CLI), so tests can kill -9 it. */
export function spawnWorkerProcess(taskQueue: string, env: Record<string, string> = {}): WorkerProcess {
  return spawnCli(['worker', '--no-schedule'], taskQueue, { TEMPORAL_TASK_QUEUE: taskQueue, ...env });
}

/** Any `museum-etl` command as a real process on the test stack, its output in a log file. */
export function spawnCli(args: string[], name: string, env: Record<string, string> = {}): WorkerProcess {
  const bin = path.join(REPO_ROOT, 'bin', 'museum-etl.js');
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the integration tests');
  }
  const logFile = path.join(os.tmpdir(), `museum-etl-${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [bin, ...args], {
    env: {
      ...process.env,
      MUSEUM_ENV: 'local',
      // As deployed: the workflow bundle `npm test` has just built, not webpack at every start.
      NODE_ENV: 'production',
      PGDATABASE: TEST_DATABASE,
      TEMPORAL_NAMESPACE: TEST_NAMESPACE,
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    logFile,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
