import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type {
  ArchiveBatch,
  ArchiveLoadResult,
  ArchiveTransformResult,
  ExtractArchiveInput,
} from '../../activities/archive';
import { FailureType } from '../../common/failures';
import { sinkObjectKey } from '../../pipeline/sink-layout';
import { archiveStatsQuery, archiveStopSignal, archiveTopicWorkflow } from '../../workflows/archive';
import { waitFor } from '../support/catalogue';
import { uniqueName } from '../support/env';
import { useTestWorkflowEnvironment } from '../support/workflow-env';

/** The archive workflow's logic with stubbed activities: a one-partition topic held in memory. */
const env = useTestWorkflowEnvironment();

function fakeTopic(total: number, faults: { missingOnce?: number; supersedeOnce?: number } = {}) {
  const calls: string[] = [];
  let checkpoint = 0;
  let produced = total;
  /** Start offset → the objects "put", in order. */
  const puts: string[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const activities = {
    async extractArchiveBatch(input: ExtractArchiveInput): Promise<ArchiveBatch> {
      const from = Number(input.after?.['0'] ?? checkpoint);
      const next = Math.min(from + input.rule.flushMessages, produced);
      calls.push(`extract ${from}-${next}`);
      if (next === from) await sleep(50);
      const objects =
        next === from
          ? []
          : [
              {
                partition: 0,
                start: String(from),
                end: String(next - 1),
                key: sinkObjectKey(input.destination.prefix, input.topic, 0, from),
              },
            ];
      return {
        batchId: next === from ? '' : input.batchKey,
        batchKey: input.batchKey,
        dataset: 'archive',
        source: input.topic,
        ranges: next === from ? {} : { '0': [String(from), String(next)] },
        messages: next - from,
        bytes: 0,
        destination: input.destination,
        objects,
        highWatermarks: { '0': String(produced) },
        lag: { '0': produced - next },
        durationMs: 1,
        attempt: 1,
      };
    },
    async transformArchiveBatch({ batch }: { batch: ArchiveBatch }): Promise<ArchiveTransformResult> {
      calls.push(`transform ${batch.ranges['0']!.join('-')}`);
      return { objects: 1, bytes: batch.messages, tombstones: 0, valuesWithLf: 0, durationMs: 1, attempt: 1 };
    },
    async loadArchiveBatch({ batch }: { batch: ArchiveBatch }): Promise<ArchiveLoadResult> {
      const [first, next] = batch.ranges['0']!.map(Number) as [number, number];
      calls.push(`load ${first}-${next}`);
      const result = {
        put: 0,
        found: 0,
        already: 0,
        superseded: 0,
        messages: 0,
        bytes: 0,
        lastKey: null,
        durationMs: 1,
        attempt: 1,
      };
      if (faults.missingOnce === first) {
        faults.missingOnce = undefined;
        throw ApplicationFailure.nonRetryable('staging lost', FailureType.StagedBatchMissing);
      }
      if (faults.supersedeOnce === first) {
        faults.supersedeOnce = undefined;
        puts.push(batch.objects[0]!.key);
        checkpoint = next; // another attempt got there first
        return { ...result, superseded: 1 };
      }
      if (first !== checkpoint) return { ...result, superseded: 1 };
      puts.push(batch.objects[0]!.key);
      checkpoint = next;
      return {
        ...result,
        put: 1,
        messages: next - first,
        lastKey: batch.objects[0]!.key,
      } as ArchiveLoadResult;
    },
  };
  return {
    activities,
    calls,
    puts,
    checkpoint: async () => checkpoint,
    produce: (n: number) => void (produced += n),
  };
}

const input = { topic: 't', bucket: 'b', prefix: 'topics/', flushMessages: 10, flushSeconds: 1 };
const keys = (...starts: number[]) => starts.map((s) => sinkObjectKey('topics/', 't', 0, s));

describe('archive workflow (stubbed activities)', () => {
  it('extracts, transforms and loads range after range, in order, prefetching the next extract', async () => {
    const topic = fakeTopic(35);
    const stats = await env.withStubWorker(topic.activities, (taskQueue) =>
      env.client.workflow.execute(archiveTopicWorkflow, {
        taskQueue,
        workflowId: uniqueName('archive'),
        args: [{ ...input, maxBatches: 4 }],
      }),
    );
    expect(topic.puts).toEqual(keys(0, 10, 20, 30));
    expect(stats).toMatchObject({ batches: 4, objects: 4, messages: 35, state: 'stopped' });
    for (const range of ['0-10', '10-20', '20-30', '30-35']) {
      const e = topic.calls.indexOf(`extract ${range}`);
      const t = topic.calls.indexOf(`transform ${range}`);
      const l = topic.calls.indexOf(`load ${range}`);
      expect(e).toBeGreaterThanOrEqual(0);
      expect(e).toBeLessThan(t);
      expect(t).toBeLessThan(l);
    }
  });

  it('long-polls an idle topic, answers the stats query and stops on the stop signal', async () => {
    const topic = fakeTopic(0);
    await env.withStubWorker(topic.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start(archiveTopicWorkflow, {
        taskQueue,
        workflowId: uniqueName('archive'),
        args: [input],
      });
      await waitFor(
        () => handle.query(archiveStatsQuery),
        (s) => s.stages.extract.runs >= 3,
        { what: 'three empty polls' },
      );
      topic.produce(12);
      await waitFor(topic.checkpoint, (c) => c === 12, { what: 'the new messages archived' });
      await handle.signal(archiveStopSignal);
      const stats = await handle.result();
      expect(stats.state).toBe('stopped');
      expect(stats.messages).toBe(12);
    });
    expect(topic.puts).toEqual(keys(0, 10));
  });

  it('continues as new with its counters, archiving everything once', async () => {
    const topic = fakeTopic(200);
    const workflowId = uniqueName('archive');
    const stats = await env.withStubWorker(topic.activities, (taskQueue) =>
      env.client.workflow.execute(archiveTopicWorkflow, {
        taskQueue,
        workflowId,
        args: [{ ...input, maxBatches: 20, historyLimit: 60 }],
      }),
    );
    expect(stats.batches).toBe(20);
    expect(stats.messages).toBe(200);
    expect(topic.puts).toEqual(keys(...Array.from({ length: 20 }, (_, i) => i * 10)));
    const runs = [];
    for await (const w of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w);
    expect(runs.length).toBeGreaterThan(1);
  });

  it('extracts again from the checkpoint when staging is gone or the checkpoint moved', async () => {
    const topic = fakeTopic(40, { missingOnce: 10, supersedeOnce: 20 });
    const stats = await env.withStubWorker(topic.activities, (taskQueue) =>
      env.client.workflow.execute(archiveTopicWorkflow, {
        taskQueue,
        workflowId: uniqueName('archive'),
        args: [{ ...input, maxBatches: 4 }],
      }),
    );
    expect(topic.puts).toEqual(keys(0, 10, 20, 30));
    expect(stats.restaged).toBe(1);
    expect(stats.superseded).toBe(1);
    expect(topic.calls.filter((c) => c === 'extract 10-20').length).toBe(2);
  });
});
