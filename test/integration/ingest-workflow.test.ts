import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { ExtractedBatch, ExtractTopicInput, LoadResult, TransformResult } from '../../activities/ingest';
import { FailureType } from '../../common/failures';
import {
  drainSignal,
  liveIngestStatsQuery,
  liveIngestWorkflow,
  pauseSignal,
  resumeSignal,
} from '../../workflows/ingest';
import { waitFor } from '../support/catalogue';
import { uniqueName } from '../support/env';
import { useTestWorkflowEnvironment } from '../support/workflow-env';

/**
 * The live workflow's logic with stubbed activities on a real Temporal dev server: a topic of one
 * partition held in memory, batches of at most 10 messages, and a log of every activity call.
 */
const env = useTestWorkflowEnvironment();

const BATCH = 10;

function fakeTopic(total: number, faults: { missingOnce?: number; supersedeOnce?: number } = {}) {
  const calls: string[] = [];
  let checkpoint = 0;
  let produced = total;
  const loadedOffsets: number[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const activities = {
    async extractTopicBatch(input: ExtractTopicInput): Promise<ExtractedBatch> {
      const from = Number(input.after?.['0'] ?? checkpoint);
      const next = Math.min(from + BATCH, produced);
      calls.push(`extract ${from}-${next}`);
      if (next === from) await sleep(50); // an idle long poll that ran out
      return {
        batchId: next === from ? '' : `${input.batchKey}`,
        batchKey: input.batchKey,
        dataset: input.dataset,
        source: input.topic,
        ranges: { '0': [String(from), String(next)] },
        messages: next - from,
        bytes: 0,
        highWatermarks: { '0': String(produced) },
        lag: { '0': produced - next },
        firstBrokerAt: null,
        durationMs: 1,
        attempt: 1,
      };
    },
    async transformTopicBatch({ batch }: { batch: ExtractedBatch }): Promise<TransformResult> {
      calls.push(`transform ${batch.ranges['0']!.join('-')}`);
      if (faults.missingOnce !== undefined && Number(batch.ranges['0']![0]) === faults.missingOnce) {
        faults.missingOnce = undefined;
        throw ApplicationFailure.nonRetryable('staging lost', FailureType.StagedBatchMissing);
      }
      return { byKind: { rating: batch.messages }, rejectsByReason: {}, durationMs: 1, attempt: 1 };
    },
    async loadTopicBatch({ batch }: { batch: ExtractedBatch }): Promise<LoadResult> {
      const [first, next] = batch.ranges['0']!.map(Number) as [number, number];
      calls.push(`load ${first}-${next}`);
      if (faults.supersedeOnce === first) {
        faults.supersedeOnce = undefined;
        checkpoint = next; // another attempt got there first
        for (let o = first; o < next; o++) loadedOffsets.push(o);
        return { inserted: {}, alreadyLoaded: 0, outcome: 'superseded', durationMs: 1, attempt: 1 };
      }
      if (first !== checkpoint)
        return { inserted: {}, alreadyLoaded: 0, outcome: 'superseded', durationMs: 1, attempt: 1 };
      for (let o = first; o < next; o++) loadedOffsets.push(o);
      checkpoint = next;
      return {
        inserted: { rating: next - first },
        alreadyLoaded: 0,
        outcome: 'loaded',
        durationMs: 1,
        attempt: 1,
      };
    },
  };
  return {
    activities,
    calls,
    loadedOffsets,
    checkpoint: async () => checkpoint,
    produce: (n: number) => void (produced += n),
  };
}

type FakeTopic = ReturnType<typeof fakeTopic>;

/** One stub worker for several fake topics: each call goes to the topic it names. */
function byTopic(topics: Record<string, FakeTopic>): FakeTopic['activities'] {
  const of = (topic: string) => topics[topic]!.activities;
  return {
    extractTopicBatch: (input) => of(input.topic).extractTopicBatch(input),
    transformTopicBatch: (args) => of(args.batch.source).transformTopicBatch(args),
    loadTopicBatch: (args) => of(args.batch.source).loadTopicBatch(args),
  };
}

describe('live ingest workflow (stubbed activities)', () => {
  it('runs extract, transform and load in order, loads in sequence and prefetches the next extract', async () => {
    const topic = fakeTopic(35);
    const stats = await env.withStubWorker(topic.activities, (taskQueue) =>
      env.client.workflow.execute(liveIngestWorkflow, {
        taskQueue,
        workflowId: uniqueName('ingest'),
        args: [{ topic: 't', maxBatches: 4 }],
      }),
    );
    expect(topic.loadedOffsets).toEqual([...Array(35).keys()]);
    expect(stats.batches).toBe(4);
    expect(stats.consumed).toBe(35);
    expect(stats.inserted).toEqual({ rating: 35 });
    // Each batch: its transform and load follow its own extract; the next extract is a prefetch.
    const loads = topic.calls.filter((c) => c.startsWith('load'));
    expect(loads).toEqual(['load 0-10', 'load 10-20', 'load 20-30', 'load 30-35']);
    for (const range of ['0-10', '10-20', '20-30', '30-35']) {
      const e = topic.calls.indexOf(`extract ${range}`);
      const t = topic.calls.indexOf(`transform ${range}`);
      const l = topic.calls.indexOf(`load ${range}`);
      expect(e).toBeGreaterThanOrEqual(0);
      expect(e).toBeLessThan(t);
      expect(t).toBeLessThan(l);
    }
    expect(stats.stages.extract.runs).toBeGreaterThanOrEqual(4);
    expect(stats.stages.load.runs).toBe(4);
  });

  it('schedules neither transform nor load for an empty batch', async () => {
    const topic = fakeTopic(0);
    await env.withStubWorker(topic.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start(liveIngestWorkflow, {
        taskQueue,
        workflowId: uniqueName('ingest'),
        args: [{ topic: 't' }],
      });
      await waitFor(
        () => handle.query(liveIngestStatsQuery),
        (s) => s.stages.extract.runs >= 3,
        { what: 'three empty polls' },
      );
      await handle.signal(drainSignal);
      const stats = await handle.result();
      expect(stats.state).toBe('drained');
      expect(stats.batches).toBe(0);
    });
    expect(topic.calls.filter((c) => !c.startsWith('extract'))).toEqual([]);
  });

  it('pauses after the batch in flight, resumes, and drains to completion', async () => {
    const topic = fakeTopic(20);
    // A second, running ingest on the same worker: its loads say how far the worker has got.
    const control = fakeTopic(0);
    await env.withStubWorker(byTopic({ t: topic, c: control }), async (taskQueue) => {
      const handle = await env.client.workflow.start(liveIngestWorkflow, {
        taskQueue,
        workflowId: uniqueName('ingest'),
        args: [{ topic: 't' }],
      });
      const controlHandle = await env.client.workflow.start(liveIngestWorkflow, {
        taskQueue,
        workflowId: uniqueName('ingest'),
        args: [{ topic: 'c' }],
      });
      await waitFor(topic.checkpoint, (c) => c === 20, { what: 'first 20 loaded' });
      await handle.signal(pauseSignal);
      await waitFor(
        () => handle.query(liveIngestStatsQuery),
        (s) => s.state === 'paused',
        { what: 'paused' },
      );
      topic.produce(15);
      // The positive signal first: the running ingest loaded messages produced after these.
      control.produce(10);
      await waitFor(control.checkpoint, (c) => c === 10, { what: 'the control ingest to load' });
      await controlHandle.signal(drainSignal);
      await controlHandle.result();
      expect(await topic.checkpoint()).toBe(20);
      await handle.signal(resumeSignal);
      await waitFor(topic.checkpoint, (c) => c === 35, { what: 'resumed' });
      await handle.signal(drainSignal);
      const stats = await handle.result();
      expect(stats.state).toBe('drained');
      expect(stats.consumed).toBe(35);
    });
    expect(topic.loadedOffsets).toEqual([...Array(35).keys()]);
  });

  it('continues as new with its counters and batch numbers, and loads everything once', async () => {
    const topic = fakeTopic(200);
    const workflowId = uniqueName('ingest');
    const stats = await env.withStubWorker(topic.activities, (taskQueue) =>
      env.client.workflow.execute(liveIngestWorkflow, {
        taskQueue,
        workflowId,
        args: [{ topic: 't', maxBatches: 20, historyLimit: 60 }],
      }),
    );
    expect(stats.batches).toBe(20);
    expect(stats.consumed).toBe(200);
    expect(topic.loadedOffsets).toEqual([...Array(200).keys()]);
    const runs = [];
    for await (const w of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w);
    expect(runs.length).toBeGreaterThan(1);
  });

  it('extracts a batch again when its staging is gone, and restarts from the checkpoint when superseded', async () => {
    const topic = fakeTopic(40, { missingOnce: 10, supersedeOnce: 20 });
    const stats = await env.withStubWorker(topic.activities, (taskQueue) =>
      env.client.workflow.execute(liveIngestWorkflow, {
        taskQueue,
        workflowId: uniqueName('ingest'),
        args: [{ topic: 't', maxBatches: 3 }],
      }),
    );
    expect(topic.loadedOffsets).toEqual([...Array(40).keys()]);
    expect(stats.restaged).toBe(1);
    expect(stats.superseded).toBe(1);
    expect(topic.calls.filter((c) => c === 'extract 10-20').length).toBe(2);
  });
});
