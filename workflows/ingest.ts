import {
  ParentClosePolicy,
  condition,
  continueAsNew,
  defineQuery,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { IngestBatchInput } from '../activities/ingest';
import { drainSignal, ingestPartitionWorkflow, pauseSignal, resumeSignal } from './ingest-partition';

export interface LiveIngestInput {
  /** Kafka topic; default `lmnh`. */
  topic?: string;
  limits?: IngestBatchInput['limits'];
  /** How often to look for partitions added to the topic (ms). */
  partitionCheckMs?: number;
  paused?: boolean;
  started?: number[];
}

export interface LiveIngestStatus {
  topic: string;
  state: 'running' | 'paused' | 'draining';
  partitions: number[];
  childWorkflowIds: string[];
}

export const liveIngestStatusQuery = defineQuery<LiveIngestStatus>('stats');

const { describeTopic } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export const partitionWorkflowId = (topic: string, partition: number) => `ingest-${topic}-p${partition}`;

/**
 * One per topic (workflow id `ingest-<topic>`): fans out one child per partition, picks up partitions
 * added later, and forwards pause/resume/drain to the children. Children outlive a continue-as-new.
 */
export async function liveIngestWorkflow(input: LiveIngestInput = {}): Promise<LiveIngestStatus> {
  const topic = input.topic ?? 'lmnh';
  const started = new Set<number>(input.started ?? []);
  let paused = input.paused ?? false;
  let draining = false;
  const pending: Array<Promise<void>> = [];
  const forward = (signal: typeof pauseSignal | typeof resumeSignal | typeof drainSignal) => {
    for (const p of started) {
      pending.push(
        getExternalWorkflowHandle(partitionWorkflowId(topic, p))
          .signal(signal)
          .catch(() => undefined), // a child that already completed needs no signal
      );
    }
  };
  setHandler(pauseSignal, () => {
    paused = true;
    forward(pauseSignal);
  });
  setHandler(resumeSignal, () => {
    paused = false;
    forward(resumeSignal);
  });
  setHandler(drainSignal, () => {
    draining = true;
    forward(drainSignal);
  });
  const status = (): LiveIngestStatus => {
    const partitions = [...started].sort((a, b) => a - b);
    return {
      topic,
      state: draining ? 'draining' : paused ? 'paused' : 'running',
      partitions,
      childWorkflowIds: partitions.map((p) => partitionWorkflowId(topic, p)),
    };
  };
  setHandler(liveIngestStatusQuery, status);

  while (!draining) {
    const { partitions } = await describeTopic({ topic });
    for (let p = 0; p < partitions; p++) {
      if (started.has(p)) continue;
      try {
        await startChild(ingestPartitionWorkflow, {
          workflowId: partitionWorkflowId(topic, p),
          args: [{ topic, partition: p, limits: input.limits, paused }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
      } catch (err) {
        // Still running from an earlier run of this workflow: adopt it.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      started.add(p);
    }
    await condition(() => draining, input.partitionCheckMs ?? 60_000);
    const info = workflowInfo();
    if (!draining && (info.continueAsNewSuggested || info.historyLength > 2000)) {
      await Promise.all(pending);
      await continueAsNew<typeof liveIngestWorkflow>({ ...input, topic, paused, started: [...started] });
    }
  }
  await Promise.all(pending);
  return status();
}
