import { execFileSync } from 'node:child_process';
import { isAlive } from '../../infra/local/proc';
import type { LocalStack } from '../../infra/local/stack';

/**
 * kill -9 of the stack's postmaster: what a power cut does to the database. PostgreSQL restarts
 * with crash recovery, which empties every unlogged table (the staging).
 */
export async function killPostmaster(stack: LocalStack): Promise<void> {
  const component = stack.components.find((c) => c.name === 'postgres')!;
  const pid = stack.ownPid(component);
  if (pid === undefined) throw new Error('the stack has no running PostgreSQL to kill');
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
  process.kill(pid, 'SIGKILL');
  // Orphaned backends notice the postmaster is gone and exit; until they have, they hold the
  // shared memory a new postmaster refuses to start beside.
  const deadline = Date.now() + 15_000;
  while ([pid, ...children].some(isAlive)) {
    if (Date.now() > deadline) {
      for (const c of children.filter(isAlive)) process.kill(c, 'SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The stack's own start (`museum-etl stack up` for PostgreSQL alone): recovery, then ready. */
export async function startPostgres(stack: LocalStack): Promise<void> {
  await stack.up(() => undefined, ['postgres']);
}
