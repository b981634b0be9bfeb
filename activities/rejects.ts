import { log, metricMeter } from '@temporalio/activity';
import { FailureType, permanentFailure } from '../common/failures';
import type { Dataset } from '../pipeline/dataset';
import {
  MAX_REPLAY_BATCH,
  replayHorizon,
  type ReplayHorizon,
  type ReplayPageResult,
} from '../pipeline/reject-replay';
import { inTransaction } from '../db/transaction';
import type { ActivityDeps } from './index';

/**
 * Replay of stored rejects: each is judged again with today's rules by its dataset
 * (`Dataset.rejects`), page by page, each page one transaction. See pipeline/reject-replay.ts.
 */

export { MAX_REPLAY_BATCH, REPLAY_LOADED } from '../pipeline/reject-replay';
export type { ReplayCounts } from '../common/replay-counts';
export type { ReplayHorizon, ReplayPageResult } from '../pipeline/reject-replay';

/** Whose rejects: a dataset's name (default: the first installed). */
export type ReplayDataset = string;

export interface ReplayHorizonInput {
  reason?: string;
  dataset?: ReplayDataset;
}

export interface ReplayPageInput {
  reason?: string;
  dataset?: ReplayDataset;
  /** Exclusive lower bound of the reject id (the previous page's last id; '0' to start). */
  afterId: string;
  /** Inclusive upper bound, from the horizon. */
  upToId: string;
  batchSize: number;
}

const ID = /^[0-9]{1,19}$/;

export function createRejectActivities({ db, datasets, registry }: ActivityDeps) {
  /** The dataset's replay, and the reason checked against its contract. */
  const replayOf = (input: ReplayHorizonInput) => {
    const name = input.dataset ?? registry.defaultName;
    const rejects = datasets[name]?.rejects;
    if (!rejects) {
      throw permanentFailure(
        FailureType.BadReplayInput,
        `no dataset ${JSON.stringify(name)} keeps rejects; one of ${replayableNames(datasets).join(', ')}`,
      );
    }
    const reason = input.reason ?? null;
    if (reason !== null && !rejects.store.reasons.includes(reason)) {
      throw permanentFailure(
        FailureType.BadReplayInput,
        `unknown ${name} reject reason ${JSON.stringify(reason)}; one of ${rejects.store.reasons.join(', ')}`,
      );
    }
    return { name, rejects, reason };
  };

  return {
    /** Fixes where a replay stops, so rejects arriving during it (live ingest) do not prolong it. */
    async rejectsReplayHorizon(input: ReplayHorizonInput): Promise<ReplayHorizon> {
      const { rejects, reason } = replayOf(input);
      return replayHorizon(db, rejects.store, reason);
    },

    /**
     * One bounded page, in one transaction: lock the next rejects not yet loaded, judge them with
     * today's rules, store those that pass under their own position, and mark each. A retried
     * page redoes only what is still unmarked, and positions are unique, so nothing is ever
     * loaded twice.
     */
    async replayRejectsPage(input: ReplayPageInput): Promise<ReplayPageResult> {
      const { name, rejects, reason } = replayOf(input);
      checkPage(input);
      const result = await inTransaction(db, (client) =>
        rejects.replayPage(client, input, reason, Date.now()),
      );
      recordReplay(result, name);
      log.info('rejects replayed', {
        dataset: name,
        reason,
        afterId: input.afterId,
        lastId: result.lastId,
        examined: result.examined,
        loaded: result.loaded,
        stillRejected: result.stillRejected,
      });
      return result;
    },
  };
}

function replayableNames(datasets: Record<string, Dataset>): string[] {
  return Object.values(datasets)
    .filter((d) => d.rejects)
    .map((d) => d.name);
}

function checkPage(input: ReplayPageInput): void {
  if (!ID.test(input.afterId) || !ID.test(input.upToId)) {
    throw permanentFailure(FailureType.BadReplayInput, 'afterId and upToId must be decimal ids');
  }
  if (!Number.isInteger(input.batchSize) || input.batchSize < 1 || input.batchSize > MAX_REPLAY_BATCH) {
    throw permanentFailure(FailureType.BadReplayInput, `batchSize must be an integer 1..${MAX_REPLAY_BATCH}`);
  }
}

function recordReplay(r: ReplayPageResult, dataset: string): void {
  // A name of its own: museum_events_loaded carries topic/partition labels that a replay has not.
  const replayed = metricMeter.createCounter(
    'museum_rejects_replayed',
    'events',
    'Stored rejects judged again by a replay, by outcome (each kind inserted, still_rejected)',
  );
  for (const [outcome, n] of Object.entries(r.loadedByKind)) replayed.withTags({ dataset, outcome }).add(n);
  replayed.withTags({ dataset, outcome: 'still_rejected' }).add(r.stillRejected);
}
