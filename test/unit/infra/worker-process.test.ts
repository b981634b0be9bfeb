import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKER_PROCESS_ENV } from '../../../bench/harness';
import { repoPath } from '../../../config/paths';

/** `Environment=` lines of a systemd unit, quotes removed: name -> value. */
function unitEnvironment(unitFile: string): Map<string, string> {
  const lines = fs.readFileSync(unitFile, 'utf8').split('\n');
  const pairs = lines
    .filter((l) => l.startsWith('Environment='))
    .map((l) => l.slice('Environment='.length).replace(/^"(.*)"$/, '$1'))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const);
  return new Map(pairs);
}

describe('the worker process', () => {
  it('runs in the benchmarks with the memory settings the systemd unit deploys', () => {
    const unit = unitEnvironment(repoPath('infra', 'systemd', 'museum-etl-worker.service'));
    for (const [name, value] of Object.entries(WORKER_PROCESS_ENV)) expect(unit.get(name), name).toBe(value);
  });
});
