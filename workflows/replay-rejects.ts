import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ReplayDataset, ReplayPageResult } from '../activities/rejects';
import { emptyReplayCounts, type ReplayCounts } from '../common/replay-counts';
import { RECORDED_DEFAULT_DATASET } from './recorded-inputs';

// A page is one short transaction; a database outage is waited out, a bad input fails at once
// (the activity raises a non-retryable BadReplayInput).
const { rejectsReplayHorizon, replayRejectsPage } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
  },
});

export interface ReplayRejectsInput {
  /** Whose rejects: a dataset's name (default: the first installed). */
  dataset?: ReplayDataset;
  /** Replay only rejects stored with this reason (e.g. unknown_site); all reasons by default. */
  reason?: string;
  /** Rejects per page, one transaction each (default 500, at most 5000). */
  batchSize?: number;
  /** Pages per run before continue-as-new (default 200); keeps the history short. */
  pagesPerRun?: number;
  /** The totals so far, carried across continue-as-new (its afterId is the cursor); not for callers. */
  resume?: ReplayRejectsResult;
}

export interface ReplayRejectsResult extends ReplayCounts {
  dataset: ReplayDataset;
  reason: string | null;
  /** Rejects not yet loaded when the replay started (its horizon). */
  pending: number;
  pages: number;
  /** Runs of this workflow id (1 + continue-as-new count). */
  runs: number;
  /** The last rejected_event_id examined ('0' before the first page). */
  afterId: string;
  /** The highest rejected_event_id this replay covers (null: nothing to replay). */
  upToId: string | null;
}

export const replayProgressQuery = defineQuery<ReplayRejectsResult>('progress');

export const DEFAULT_REPLAY_BATCH = 500;
const DEFAULT_PAGES_PER_RUN = 200;

/**
 * Re-judges stored rejects with today's rules and catalogue, page by page in rejected_event_id
 * order up to the horizon fixed at the start. Idempotent: loaded rejects are marked and skipped,
 * and positions are unique, so running it twice loads nothing twice.
 */
export async function replayRejectsWorkflow(input: ReplayRejectsInput = {}): Promise<ReplayRejectsResult> {
  const reason = input.reason ?? null;
  const dataset = input.dataset ?? RECORDED_DEFAULT_DATASET;
  const batchSize = input.batchSize ?? DEFAULT_REPLAY_BATCH;
  const pagesPerRun = Math.max(1, input.pagesPerRun ?? DEFAULT_PAGES_PER_RUN);
  const totals: ReplayRejectsResult = input.resume ?? {
    dataset,
    reason,
    pending: 0,
    ...emptyReplayCounts(),
    pages: 0,
    runs: 0,
    afterId: '0',
    upToId: null,
  };
  totals.runs++;
  setHandler(replayProgressQuery, () => totals);

  if (!input.resume) {
    const horizon = await rejectsReplayHorizon({ dataset, ...(reason === null ? {} : { reason }) });
    totals.upToId = horizon.upToId;
    totals.pending = horizon.pending;
  }
  const upToId = totals.upToId;
  if (upToId === null) return totals;

  for (let pagesThisRun = 0; ; ) {
    const page = await replayRejectsPage({
      dataset,
      ...(reason === null ? {} : { reason }),
      afterId: totals.afterId,
      upToId,
      batchSize,
    });
    addPage(totals, page);
    if (page.done) return totals;
    pagesThisRun++;
    if (pagesThisRun >= pagesPerRun || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof replayRejectsWorkflow>({
        ...input,
        resume: totals,
      });
    }
  }
}

function addPage(totals: ReplayRejectsResult, page: ReplayPageResult): void {
  totals.pages++;
  totals.examined += page.examined;
  totals.loaded += page.loaded;
  totals.ratings += page.ratings;
  totals.requests += page.requests;
  totals.alreadyPresent += page.alreadyPresent;
  totals.stillRejected += page.stillRejected;
  for (const [k, n] of Object.entries(page.loadedByKind)) {
    totals.loadedByKind[k] = (totals.loadedByKind[k] ?? 0) + n;
  }
  for (const [r, n] of Object.entries(page.stillRejectedByReason)) {
    totals.stillRejectedByReason[r] = (totals.stillRejectedByReason[r] ?? 0) + n;
  }
  if (page.lastId !== null) totals.afterId = page.lastId;
}
