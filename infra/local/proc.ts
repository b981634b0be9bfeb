import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** A command failed during install or start; `logTail` carries what the component printed. */
export class StackError extends Error {
  constructor(
    message: string,
    readonly logTail?: string,
  ) {
    super(logTail ? `${message}\n--- last lines of the log ---\n${logTail}` : message);
  }
}

/** Runs an install or setup command to completion; failures carry the command's last output lines. */
export function run(
  cmd: string,
  args: string[],
  opts: { what: string; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-256 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => reject(new StackError(`${opts.what}: cannot run ${cmd}: ${err.message}`)));
    child.once('close', (code) => {
      if (code === 0) return resolve(out);
      const last = out.trim().split('\n').slice(-25).join('\n');
      reject(new StackError(`${opts.what} failed (exit ${code}): ${cmd} ${args.join(' ')}`, last));
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function commandLineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Starts a long-running process in its own process group so it outlives the CLI. */
export function startDetached(
  cmd: string,
  args: string[],
  opts: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): number {
  const fd = fs.openSync(opts.logFile, 'a');
  try {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new StackError(`cannot start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function tail(file: string, lines = 30): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '(no log yet)';
  }
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Stops a process group politely, then firmly; resolves once every member is gone. */
export async function stopGroup(pid: number, graceMs = 20_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) && !groupAlive(pid)) return;
    await sleep(200);
  }
  signal('SIGKILL');
  while (isAlive(pid) || groupAlive(pid)) await sleep(100);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
