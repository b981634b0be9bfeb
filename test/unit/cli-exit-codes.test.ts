import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The built CLI (npm test builds before it tests); usage errors must exit 2 in every command, as the
// README promises, so scripts can tell "you called me wrong" from "the operation failed".
const BIN = path.resolve(__dirname, '../../bin/museum-etl.js');

// A CLI starts in about half a second on an idle machine and in several on a busy one: each test
// waits as long as its child may run, not vitest's 5 s default.
const CHILD_MS = 30_000;

function run(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: CHILD_MS });
  return { status: r.status, stderr: r.stderr };
}

describe('museum-etl exit codes', () => {
  it.each([
    [['--no-such-flag']],
    [['no-such-command']],
    [['stack', '--no-such-flag']],
    [['ingest', 'start', '--no-such-flag']],
    [['backfill', 'run', '--no-such-flag']],
    [['rejects', 'list', '--no-such-flag']],
    [['simulate', 'live', '--rate', 'abc']],
    [['schedule']],
    [['ingest', 'start', '--dataset', 'bogus']],
    [['ingest', 'status', '--dataset', 'pinterest', '--topic', 'lmnh']],
    [['simulate', 'pinterest', '--posts', 'abc']],
    [['rejects', 'list', '--dataset', 'bogus']],
    [['rejects', 'list', '--dataset', 'pinterest', '--reason', 'unknown_site']],
    [['archive']],
    [['archive', 'start', '--no-such-flag']],
    [['archive', 'status', '--topic']],
  ])(
    'usage error %j exits 2',
    (args) => {
      const r = run(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/error|Usage/i);
    },
    CHILD_MS,
  );

  it.each([
    [['--help']],
    [['--version']],
    [['stack', '--help']],
    [['ingest', 'start', '--help']],
    [['simulate', 'pinterest', '--help']],
    [['archive', '--help']],
    [['archive', 'start', '--help']],
    [['archive', 'status', '--help']],
    [['archive', 'stop', '--help']],
  ])(
    '%j exits 0',
    (args) => {
      expect(run(args).status).toBe(0);
    },
    CHILD_MS,
  );
});
