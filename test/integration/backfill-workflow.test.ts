import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import type {
  ExtractHistoryInput,
  ExtractedHistoryFile,
  HistoryListing,
  LoadedHistoryFile,
  StagedFile,
  TransformedHistoryFile,
} from '../../activities/backfill';
import { FailureType } from '../../common/failures';
import { backfillProgressQuery, backfillWorkflow } from '../../workflows/backfill';
import { uniqueName } from '../support/env';
import { useTestWorkflowEnvironment } from '../support/workflow-env';

type BackfillActivities = Pick<Activities, 'listHistoryFiles' | 'extractFile' | 'transformFile' | 'loadFile'>;

const env = useTestWorkflowEnvironment();

const KEYS = ['lmnh_hist_data_0.csv', 'lmnh_hist_data_1.csv'];
const listing: HistoryListing = {
  bucket: 'stub',
  files: KEYS.map((key, number) => ({ key, etag: `etag${number}`, size: 10, number, loaded: false })),
};
const stagedFile = (input: ExtractHistoryInput, n: number): StagedFile => ({
  bucket: input.bucket,
  key: input.key,
  etag: input.etag,
  dataset: 'kiosk',
  fileId: `file-${input.key}-${n}`,
  source: `s3:${input.bucket}/${input.key}@${input.etag}`,
  lines: 3,
  bytes: 30,
  chunks: 1,
});
const transformed: TransformedHistoryFile = {
  ratings: 1,
  requests: 1,
  rejects: 0,
  rejectsByReason: {},
  headerLines: 0,
  blankLines: 0,
  lines: 3,
  complete: true,
  durationMs: 1,
  attempt: 1,
};
const loaded: LoadedHistoryFile = {
  status: 'loaded',
  inserted: { rating: 1, request: 1 },
  replaced: [],
  durationMs: 1,
  attempt: 1,
};

/** Stub activities that log each call as `<activity> <key>` and run `hooks` first. */
function stubs(
  calls: string[],
  hooks: Partial<Record<keyof BackfillActivities, (key: string, n: number) => void | Promise<void>>> = {},
) {
  const count = new Map<string, number>();
  const seen = async (name: keyof BackfillActivities, key: string, extra = '') => {
    calls.push(`${name} ${key}${extra}`);
    const n = (count.get(`${name} ${key}`) ?? 0) + 1;
    count.set(`${name} ${key}`, n);
    await hooks[name]?.(key, n);
    return n;
  };
  const activities: BackfillActivities = {
    listHistoryFiles: async () => listing,
    extractFile: async (input): Promise<ExtractedHistoryFile> => {
      const n = await seen('extractFile', input.key, input.restage ? ' (restage)' : '');
      return {
        status: 'extracted',
        file: stagedFile(input, n),
        resumedFromLine: 0,
        durationMs: 1,
        attempt: 1,
      };
    },
    transformFile: async ({ file }) => {
      await seen('transformFile', file.key);
      return transformed;
    },
    loadFile: async ({ file }) => {
      await seen('loadFile', file.key);
      return loaded;
    },
  };
  return activities;
}

/** The stages one file went through, in order. */
const stagesOf = (calls: string[], key: string) =>
  calls.filter((c) => c.split(' ')[1] === key).map((c) => c.replace(` ${key}`, ''));

async function run(activities: BackfillActivities) {
  return env.withStubWorker(activities, async (taskQueue) => {
    const handle = await env.client.workflow.start(backfillWorkflow, {
      taskQueue,
      workflowId: uniqueName('backfill'),
      args: [{ bucket: 'stub', concurrency: 1 }],
    });
    const summary = await handle.result();
    return { summary, progress: await handle.query(backfillProgressQuery) };
  });
}

describe('backfill workflow (stubbed activities on a real test server)', () => {
  it('runs extract, transform and load in order for each file, the next file extracted during a load', async () => {
    const calls: string[] = [];
    let extractedNext = () => {};
    const nextExtracted = new Promise<void>((resolve) => (extractedNext = resolve));
    const activities = stubs(calls, {
      extractFile: (key) => {
        if (key === KEYS[1]) extractedNext();
      },
      // One lane: this load can only end if the next file's extract runs meanwhile.
      loadFile: (key) => (key === KEYS[0] ? nextExtracted : undefined),
    });
    const { summary, progress } = await run(activities);
    for (const k of KEYS) {
      expect(stagesOf(calls, k)).toEqual(['extractFile', 'transformFile', 'loadFile']);
    }
    expect(calls.indexOf(`extractFile ${KEYS[1]}`)).toBeGreaterThan(
      calls.indexOf(`transformFile ${KEYS[0]}`),
    );
    expect(summary.loaded.map((f) => f.key)).toEqual(KEYS);
    expect(summary).toMatchObject({ ratings: 2, requests: 2, rejects: 0, failed: [] });
    expect(progress).toMatchObject({
      filesToLoad: 2,
      filesDone: 2,
      stages: { extract: 2, transform: 2, load: 2 },
      running: [],
      rowsAwaitingLoad: 0,
      finished: true,
    });
  });

  it('records an unreadable file as failed, without retrying it, and loads the others', async () => {
    const calls: string[] = [];
    const activities = stubs(calls, {
      extractFile: (key) => {
        if (key === KEYS[0]) {
          throw ApplicationFailure.nonRetryable(
            `cannot read s3://stub/${key}: NoSuchKey`,
            FailureType.ObjectUnreadable,
          );
        }
      },
    });
    const { summary, progress } = await run(activities);
    expect(stagesOf(calls, KEYS[0]!)).toEqual(['extractFile']);
    expect(stagesOf(calls, KEYS[1]!)).toEqual(['extractFile', 'transformFile', 'loadFile']);
    expect(summary.failed).toEqual([{ key: KEYS[0], error: expect.stringMatching(/NoSuchKey/) }]);
    expect(summary.loaded.map((f) => f.key)).toEqual([KEYS[1]]);
    expect(progress).toMatchObject({
      filesFailed: 1,
      filesDone: 1,
      stages: { extract: 1, transform: 1, load: 1 },
    });
  });

  for (const stage of ['transformFile', 'loadFile'] as const) {
    it(`extracts a file again when ${stage} finds its staging gone, and loads it once`, async () => {
      const calls: string[] = [];
      const activities = stubs(calls, {
        [stage]: (key: string, n: number) => {
          if (key === KEYS[0] && n === 1) {
            throw ApplicationFailure.nonRetryable('staged file is gone', FailureType.StagedBatchMissing);
          }
        },
      });
      const { summary, progress } = await run(activities);
      const [a, b] = KEYS as [string, string];
      expect(stagesOf(calls, a)).toEqual([
        'extractFile',
        'transformFile',
        ...(stage === 'loadFile' ? ['loadFile'] : []),
        'extractFile (restage)',
        'transformFile',
        'loadFile',
      ]);
      expect(stagesOf(calls, b)).toEqual(['extractFile', 'transformFile', 'loadFile']);
      expect(summary.failed).toEqual([]);
      // The restaged file may finish after the next one.
      expect(summary.loaded.map((f) => f.key).sort()).toEqual(KEYS);
      expect(progress).toMatchObject({ restaged: 1, stages: { extract: 2, transform: 2, load: 2 } });
    });
  }
});
