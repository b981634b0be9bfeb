import fs from 'node:fs';
import path from 'node:path';
import { componentPaths, ensureDir, type Component, type ComponentName } from './component';
import { kafkaComponent } from './components/kafka';
import { postgresComponent } from './components/postgres';
import { s3Component } from './components/s3';
import { temporalComponent } from './components/temporal';
import { commandLineOf, isAlive, portOpen, readPid, sleep, StackError, stopGroup, tail } from './proc';
import { loadStackSettings, type StackSettings } from '../../config/stack-settings';

export const COMPONENT_NAMES: ComponentName[] = ['postgres', 'kafka', 's3', 'temporal'];
const START_TIMEOUT_MS = Number(process.env.STACK_START_TIMEOUT_MS ?? 120_000);

export interface ComponentStatus {
  component: ComponentName;
  running: boolean;
  pid: number | null;
  address: string;
  version: string;
  healthy: boolean;
  health: string;
  source: string;
}

export type Progress = (component: ComponentName, message: string) => void;

export class LocalStack {
  readonly components: Component[];

  constructor(readonly settings: StackSettings = loadStackSettings()) {
    this.components = [
      postgresComponent(settings),
      kafkaComponent(settings),
      s3Component(settings),
      temporalComponent(settings),
    ];
  }

  select(names?: ComponentName[]): Component[] {
    if (!names || names.length === 0) return this.components;
    return this.components.filter((c) => names.includes(c.name));
  }

  /** The pid `up` recorded, if that process is still ours and alive. */
  ownPid(c: Component): number | undefined {
    const pid = readPid(componentPaths(this.settings, c.name).pidFile);
    if (pid === undefined || !isAlive(pid)) return undefined;
    return commandLineOf(pid).includes(c.commandMarker) ? pid : undefined;
  }

  /** Idempotent: installs what is missing, starts what is not running, then bootstraps each component. */
  async up(progress: Progress = () => undefined, names?: ComponentName[]): Promise<void> {
    ensureDir(path.join(this.settings.root, 'run'));
    ensureDir(path.join(this.settings.root, 'logs'));
    const selected = this.select(names);
    const failures: string[] = [];
    await Promise.all(
      selected.map(async (c) => {
        try {
          await this.upOne(c, progress);
        } catch (err) {
          failures.push(`${c.name}: ${(err as Error).message}`);
          progress(c.name, 'failed');
        }
      }),
    );
    if (failures.length > 0)
      throw new StackError(`the local stack did not come up:\n\n${failures.join('\n\n')}`);
  }

  private async upOne(c: Component, progress: Progress): Promise<void> {
    const { pidFile, logFile } = componentPaths(this.settings, c.name);
    const running = this.ownPid(c);
    if (running !== undefined) {
      await this.waitHealthy(c, running, logFile);
    } else {
      for (const { port, variable } of c.ports()) {
        if (await portOpen(port)) {
          throw new StackError(
            `port ${port} is already in use by a process that museum-etl did not start; stop it or set ${variable} to a free port`,
          );
        }
      }
      progress(c.name, 'installing');
      await c.install();
      progress(c.name, 'starting');
      const pid = await c.spawn();
      fs.writeFileSync(pidFile, String(pid));
      await this.waitHealthy(c, pid, logFile);
    }
    progress(c.name, 'bootstrapping');
    await c.bootstrap();
    progress(c.name, 'ready');
  }

  private async waitHealthy(c: Component, pid: number, logFile: string): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let last = 'not checked yet';
    while (Date.now() < deadline) {
      if (!isAlive(pid)) {
        throw new StackError(`${c.name} exited during start-up (${last})`, tail(logFile));
      }
      const h = await c.health();
      if (h.ok) return;
      last = h.detail;
      await sleep(500);
    }
    await stopGroup(pid, 5000);
    throw new StackError(
      `${c.name} did not become healthy within ${START_TIMEOUT_MS / 1000}s (${last})`,
      tail(logFile),
    );
  }

  /** Stops only processes this stack started (pid file + command line match). */
  async down(progress: Progress = () => undefined, names?: ComponentName[]): Promise<void> {
    await Promise.all(
      this.select(names).map(async (c) => {
        const { pidFile } = componentPaths(this.settings, c.name);
        const pid = this.ownPid(c);
        if (pid !== undefined) {
          progress(c.name, 'stopping');
          await stopGroupWith(pid, c.stopSignal);
        }
        fs.rmSync(pidFile, { force: true });
        progress(c.name, 'stopped');
      }),
    );
  }

  /** Stops everything and wipes state (data, logs); installs are kept so the next `up` is fast. */
  async reset(progress: Progress = () => undefined): Promise<void> {
    await this.down(progress);
    for (const c of this.components) {
      for (const dir of c.stateDirs()) fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(componentPaths(this.settings, c.name).logFile, { force: true });
      progress(c.name, 'state wiped');
    }
  }

  async status(): Promise<ComponentStatus[]> {
    return Promise.all(
      this.components.map(async (c) => {
        const pid = this.ownPid(c);
        let version = 'not installed';
        try {
          version = c.version();
        } catch {
          /* keep 'not installed' */
        }
        const health = pid === undefined ? { ok: false, detail: 'not running' } : await c.health();
        return {
          component: c.name,
          running: pid !== undefined,
          pid: pid ?? null,
          address: c.address(),
          version,
          healthy: health.ok,
          health: health.detail,
          source: c.source,
        };
      }),
    );
  }

  logFile(name: ComponentName): string {
    return componentPaths(this.settings, name).logFile;
  }
}

async function stopGroupWith(pid: number, signal: NodeJS.Signals): Promise<void> {
  if (signal !== 'SIGTERM') {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(200);
  }
  await stopGroup(pid);
}
