import { describe, expect, it } from 'vitest';
import type { ExtractedBatch, ExtractTopicInput, LoadResult, TransformResult } from '../../activities/ingest';
import { drainSignal, liveIngestStatsQuery, liveIngestWorkflow } from '../../workflows/ingest';
import { waitFor } from '../support/catalogue';
import { uniqueName } from '../support/env';
import { useTestWorkflowEnvironment } from '../support/workflow-env';

/**
 * Lanes with stubbed activities on a real Temporal dev server: a topic of four partitions held in
 * memory, batches of at most 10 messages, loads that take a little while so lanes can overlap.
 */
const env = useTestWorkflowEnvironment();

const PARTITIONS = 4;
const BATCH = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeTopic(perPartition: number) {
  const produced = Array<number>(PARTITIONS).fill(perPartition);
  const checkpoint = Array<number>(PARTITIONS).fill(0);
  const loaded: number[][] = Array.from({ length: PARTITIONS }, () => []);
  const extracts: (number[] | 'all')[] = [];
  let loading = 0;
  let mostLoading = 0;
  const activities = {
    async extractTopicBatch(input: ExtractTopicInput): Promise<ExtractedBatch> {
      const partitions = input.partitions ?? [...Array(PARTITIONS).keys()];
      extracts.push(input.partitions ?? 'all');
      const ranges: Record<string, [string, string]> = {};
      const lag: Record<string, number> = {};
      let room = BATCH;
      for (const p of partitions) {
        const from = Number(input.after?.[String(p)] ?? checkpoint[p]);
        const next = Math.min(from + room, produced[p]!);
        room -= next - from;
        ranges[String(p)] = [String(from), String(next)];
        lag[String(p)] = produced[p]! - next;
      }
      const messages = Object.values(ranges).reduce((n, [a, b]) => n + Number(b) - Number(a), 0);
      if (messages === 0) await sleep(50);
      return {
        batchId: messages === 0 ? '' : input.batchKey,
        batchKey: input.batchKey,
        dataset: input.dataset,
        source: input.topic,
        ranges,
        messages,
        bytes: 0,
        highWatermarks: Object.fromEntries(partitions.map((p) => [String(p), String(produced[p])])),
        lag,
        firstBrokerAt: null,
        durationMs: 1,
        attempt: 1,
      };
    },
    async transformTopicBatch({ batch }: { batch: ExtractedBatch }): Promise<TransformResult> {
      return { byKind: { rating: batch.messages }, rejectsByReason: {}, durationMs: 1, attempt: 1 };
    },
    async loadTopicBatch({ batch }: { batch: ExtractedBatch }): Promise<LoadResult> {
      loading++;
      mostLoading = Math.max(mostLoading, loading);
      try {
        await sleep(30);
        const moved = Object.entries(batch.ranges).filter(([, [a, b]]) => a !== b);
        if (moved.some(([p, [first]]) => checkpoint[Number(p)] !== Number(first)))
          return { inserted: {}, alreadyLoaded: 0, outcome: 'superseded', durationMs: 30, attempt: 1 };
        for (const [p, [first, next]] of moved) {
          for (let o = Number(first); o < Number(next); o++) loaded[Number(p)]!.push(o);
          checkpoint[Number(p)] = Number(next);
        }
        return {
          inserted: { rating: batch.messages },
          alreadyLoaded: 0,
          outcome: 'loaded',
          durationMs: 30,
          attempt: 1,
        };
      } finally {
        loading--;
      }
    },
  };
  return {
    activities,
    loaded,
    extracts,
    mostLoading: () => mostLoading,
    checkpoints: async () => [...checkpoint],
    produce: (n: number) => produced.forEach((_, p) => (produced[p]! += n)),
  };
}

const range = (n: number) => [...Array(n).keys()];

describe('live ingest lanes (stubbed activities)', () => {
  it('opens lanes over disjoint partitions for a backlog, loads side by side, and narrows once caught up', async () => {
    const topic = fakeTopic(60);
    await env.withStubWorker(topic.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start(liveIngestWorkflow, {
        taskQueue,
        workflowId: uniqueName('ingest'),
        args: [{ topic: 't', maxLanes: 2, widenAtLag: 40 }],
      });
      await waitFor(topic.checkpoints, (c) => c.every((o) => o === 60), { what: 'backlog loaded' });
      // Caught up: one pipeline over every partition again, which also takes what comes next.
      await waitFor(
        () => handle.query(liveIngestStatsQuery),
        (s) => s.lanes === 1,
        { what: 'one lane again' },
      );
      topic.produce(3);
      await waitFor(topic.checkpoints, (c) => c.every((o) => o === 63), { what: 'new messages loaded' });
      await handle.signal(drainSignal);
      const stats = await handle.result();
      expect(stats.consumed).toBe(4 * 63);
      expect(stats.widened).toBeGreaterThanOrEqual(1);
      expect(stats.superseded).toBe(0);
    });
    for (const offsets of topic.loaded) expect(offsets).toEqual(range(63));
    expect(topic.mostLoading()).toBe(2);
    const laneExtracts = topic.extracts.filter((e) => e !== 'all');
    expect(new Set(laneExtracts.map((e) => e.join(',')))).toEqual(new Set(['0,2', '1,3']));
    expect(topic.extracts[topic.extracts.length - 1]).toBe('all');
  });

  it('stays on one pipeline when the lag never reaches the threshold, or with one lane allowed', async () => {
    for (const args of [{ widenAtLag: 1_000 }, { maxLanes: 1, widenAtLag: 40 }]) {
      const topic = fakeTopic(60);
      const stats = await env.withStubWorker(topic.activities, (taskQueue) =>
        env.client.workflow.execute(liveIngestWorkflow, {
          taskQueue,
          workflowId: uniqueName('ingest'),
          args: [{ topic: 't', maxBatches: 24, ...args }],
        }),
      );
      expect(stats.consumed).toBe(240);
      expect(stats.widened).toBe(0);
      expect(topic.mostLoading()).toBe(1);
      expect(topic.extracts.every((e) => e === 'all')).toBe(true);
    }
  });

  it('continues as new in the middle of lanes and still loads every offset once', async () => {
    const topic = fakeTopic(200);
    const workflowId = uniqueName('ingest');
    await env.withStubWorker(topic.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start(liveIngestWorkflow, {
        taskQueue,
        workflowId,
        args: [{ topic: 't', maxLanes: 4, widenAtLag: 40, historyLimit: 80 }],
      });
      await waitFor(topic.checkpoints, (c) => c.every((o) => o === 200), { what: 'backlog loaded' });
      await handle.signal(drainSignal);
      expect((await handle.result()).consumed).toBe(800);
    });
    for (const offsets of topic.loaded) expect(offsets).toEqual(range(200));
    const runs = [];
    for await (const w of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w);
    expect(runs.length).toBeGreaterThan(1);
  });
});
