import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { componentPaths } from '../../infra/local/component';
import { LocalStack } from '../../infra/local/stack';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A real database crash: kill -9 of the postmaster, then the project's stack starts it again and
 * PostgreSQL runs crash recovery, which empties every unlogged table (the pipeline's staging).
 */
export async function crashPostgres(stack = new LocalStack()): Promise<void> {
  await killPostmaster(stack);
  await startPostgres(stack);
}

/** kill -9 of the postmaster alone, for a test that lets the pipeline run into the outage. */
export async function killPostmaster(stack = new LocalStack()): Promise<void> {
  const pid = Number(fs.readFileSync(componentPaths(stack.settings, 'postgres').pidFile, 'utf8'));
  const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
  process.kill(pid, 'SIGKILL');
  // Backends leave by themselves once they see the postmaster gone; a new one cannot start while
  // any of them still holds the old shared memory.
  const deadline = Date.now() + 30_000;
  while ([pid, ...children].some(alive)) {
    if (Date.now() > deadline) throw new Error('PostgreSQL backends outlived their postmaster by 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The stack's own start of PostgreSQL (crash recovery, then ready). */
export async function startPostgres(stack = new LocalStack()): Promise<void> {
  await stack.up(() => undefined, ['postgres']);
}
