import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';

const DIR = path.resolve(__dirname, '../fixtures/histories');
const WORKFLOWS = path.resolve(__dirname, '../../workflows/index.ts');
const CHANGED_WORKFLOWS = path.resolve(__dirname, '../fixtures/nondeterministic/index.ts');

Runtime.install({ logger: new DefaultLogger('WARN') });

/** Recorded histories of real runs must replay against today's workflow code: a non-deterministic change fails here. */
describe('workflow replay', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  for (const file of files) {
    it(`replays ${file}`, async () => {
      const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
      await expect(
        Worker.runReplayHistory({ workflowsPath: WORKFLOWS, replayName: file }, history),
      ).resolves.toBeUndefined();
    }, 60_000);
  }

  it('fails on a deliberately non-deterministic change, so the check above can catch one', async () => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, 'live-ingest.json'), 'utf8')));
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: CHANGED_WORKFLOWS, replayName: 'changed live ingest' },
        history,
      ),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  }, 60_000);
});
