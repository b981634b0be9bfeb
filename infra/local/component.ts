import fs from 'node:fs';
import path from 'node:path';
import type { StackSettings } from '../../config/stack-settings';

export type ComponentName = 'postgres' | 'kafka' | 's3' | 'temporal';

export interface Health {
  ok: boolean;
  detail: string;
}

/** One server of the embedded stack: how it is installed, started, checked and stopped. */
export interface Component {
  readonly name: ComponentName;
  /** Where the component comes from, for `stack status` and the README. */
  readonly source: string;
  /** Ports it must own; a port already taken by someone else stops `up` with a clear error. */
  ports(): Array<{ port: number; variable: string }>;
  address(): string;
  install(): Promise<void>;
  version(): string;
  /** Returns the pid of the started process (the group leader). */
  spawn(): Promise<number>;
  health(): Promise<Health>;
  /** Idempotent post-start setup: database, topic, bucket. */
  bootstrap(): Promise<void>;
  /** Signal that stops it cleanly (PostgreSQL: SIGINT = fast shutdown). */
  readonly stopSignal: NodeJS.Signals;
  /** A substring of the process command line, so `down` never kills a stranger reusing a pid. */
  readonly commandMarker: string;
  /** State folders that `reset` wipes. */
  stateDirs(): string[];
}

export function componentPaths(s: StackSettings, name: ComponentName) {
  const dir = path.join(s.root, name);
  return {
    dir,
    pidFile: path.join(s.root, 'run', `${name}.pid`),
    logFile: path.join(s.root, 'logs', `${name}.log`),
  };
}

export function ensureDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Marker files record which pinned inputs an install came from, so later runs reuse it. */
export function installedMatches(markerFile: string, fingerprint: string): boolean {
  try {
    return fs.readFileSync(markerFile, 'utf8') === fingerprint;
  } catch {
    return false;
  }
}

export function markInstalled(markerFile: string, fingerprint: string): void {
  fs.writeFileSync(markerFile, fingerprint);
}
