import { log, metricMeter } from '@temporalio/activity';
import { FailureType, permanentFailure } from '../common/failures';
import { emptyReplayCounts, type ReplayCounts } from '../common/replay-counts';
import { PINTEREST_REJECT_REASONS } from '../domain/pinterest';
import { pinterestReplayHorizon, replayPinterestPage } from './pinterest-rejects';
import type { PoolClient } from 'pg';
import {
  catalogueFromPublicIds,
  MAX_PAYLOAD_BYTES,
  parsePosition,
  REJECT_REASONS,
  s3KeyLock,
  validateCsvRow,
  validateKafkaPayload,
  type RejectReason,
  type RuleContext,
  type Verdict,
} from '../domain';
import { MAX_LINE_BYTES } from '../pipeline/line-splitter';
import { decodeLine, splitFields } from '../pipeline/kiosk/history-csv';
import type { ActivityDeps } from './index';
import { inTransaction } from '../db/transaction';
import { loadSplitBatch } from '../pipeline/kiosk/load-split';
import { addVerdict, emptySplit } from '../pipeline/kiosk/split';

/**
 * Replay of stored rejects: each is judged again with today's rules and catalogue. One that now
 * passes is inserted into rating_interaction / request_interaction under its SAME source position
 * (so it can never be loaded twice) and stays in rejected_event as history, marked
 * `replay_outcome = 'loaded'`; one that still fails is marked `replay_outcome = '<reason>: <detail>'`.
 * Reconciliation therefore reads: consumed = ratings + requests + rejects not loaded.
 */

/** What `replay_outcome` holds for a reject that a replay loaded. */
export const REPLAY_LOADED = 'loaded';

/** The columns of the history files (docs/spec/kiosk-events.md); a stored CSV reject is one data line. */
export const HISTORY_HEADER: readonly string[] = ['at', 'site', 'val', 'type'];

export const MAX_REPLAY_BATCH = 5000;

/** Whose rejects: kiosk (rejected_event, the default) or pinterest (pinterest.rejected_record). */
export type ReplayDataset = 'kiosk' | 'pinterest';

export interface ReplayHorizonInput {
  reason?: string;
  dataset?: ReplayDataset;
}

export interface ReplayHorizon {
  /** The highest rejected_event_id to replay (rejects stored later wait for the next replay); null: nothing to do. */
  upToId: string | null;
  /** Rejects not loaded yet, up to that id. */
  pending: number;
}

export interface ReplayPageInput {
  reason?: string;
  dataset?: ReplayDataset;
  /** Exclusive lower bound of rejected_event_id (the previous page's last id; '0' to start). */
  afterId: string;
  /** Inclusive upper bound, from the horizon. */
  upToId: string;
  batchSize: number;
}

export type { ReplayCounts };

export interface ReplayPageResult extends ReplayCounts {
  /** The cursor for the next page; null when the page was empty. */
  lastId: string | null;
  /** No rejects remain after this page (up to the horizon). */
  done: boolean;
}

interface RejectRowInDb {
  id: string;
  source_position: string;
  /** Null when larger than any acceptable payload (not read: a page must stay small in memory). */
  raw: Buffer | null;
  reason: string;
  detail: string;
}

/** Judges one stored reject by the source its position names. */
export function judgeStoredReject(position: string, raw: Buffer, ctx: RuleContext): Verdict {
  const kind = parsePosition(position)?.kind;
  if (kind === 's3') return judgeCsvLine(raw, ctx);
  if (kind === 'kafka') return validateKafkaPayload(raw, ctx);
  return {
    kind: 'rejected',
    reason: 'malformed',
    detail: `unknown source position ${position.slice(0, 80)}`,
  };
}

/** A history line as the backfill judged it: UTF-8 (BOM dropped), split with csv-parse when quoted. */
function judgeCsvLine(raw: Buffer, ctx: RuleContext): Verdict {
  // The backfill keeps at most MAX_LINE_BYTES of a line and judged a longer one too_large.
  if (raw.length >= MAX_LINE_BYTES) {
    return { kind: 'rejected', reason: 'too_large', detail: `line longer than ${raw.length} bytes` };
  }
  const decoded = decodeLine(raw);
  if (!('text' in decoded)) return { kind: 'rejected', reason: 'malformed', detail: decoded.error };
  const split = splitFields(decoded.text);
  if (!('fields' in split)) return { kind: 'rejected', reason: 'malformed', detail: split.error };
  return validateCsvRow(HISTORY_HEADER, split.fields, decoded.text, ctx);
}

/** The lock the backfill serialises an S3 key's swaps on, for a position of that key. */
function keyLockOf(position: string): string | undefined {
  const p = parsePosition(position);
  return p?.kind === 's3' ? s3KeyLock(p.bucket, p.key) : undefined;
}

function checkReason(
  reason: string | null | undefined,
  dataset: ReplayDataset = 'kiosk',
): RejectReason | null {
  if (reason === undefined || reason === null) return null;
  const reasons: readonly string[] = dataset === 'pinterest' ? PINTEREST_REJECT_REASONS : REJECT_REASONS;
  if (!reasons.includes(reason)) {
    throw permanentFailure(
      FailureType.BadReplayInput,
      `unknown ${dataset} reject reason ${JSON.stringify(reason)}; one of ${reasons.join(', ')}`,
    );
  }
  return reason as RejectReason;
}

export function emptyReplayPage(): ReplayPageResult {
  return { ...emptyReplayCounts(), lastId: null, done: true };
}

const ID = /^[0-9]{1,19}$/;

export function createRejectActivities({ config, db }: ActivityDeps) {
  return {
    /** Fixes where a replay stops, so rejects arriving during it (live ingest) do not prolong it. */
    async rejectsReplayHorizon(input: ReplayHorizonInput): Promise<ReplayHorizon> {
      const reason = checkReason(input.reason, input.dataset);
      if (input.dataset === 'pinterest') return pinterestReplayHorizon(db, reason, REPLAY_LOADED);
      const { rows } = await db.query<{ up_to: string | null; pending: string }>(
        `select max(rejected_event_id)::text as up_to, count(*) as pending from rejected_event
         where replay_outcome is distinct from $1 and ($2::text is null or reason = $2)`,
        [REPLAY_LOADED, reason],
      );
      return { upToId: rows[0]?.up_to ?? null, pending: Number(rows[0]?.pending ?? 0) };
    },

    /**
     * One bounded page, in one transaction: lock the next rejects not yet loaded, judge them with
     * today's rules and catalogue, insert those that pass under their own position, and mark each.
     * A retried page redoes only what is still unmarked, and positions are unique, so nothing is
     * ever loaded twice.
     */
    async replayRejectsPage(input: ReplayPageInput): Promise<ReplayPageResult> {
      const reason = checkReason(input.reason, input.dataset);
      if (!ID.test(input.afterId) || !ID.test(input.upToId)) {
        throw permanentFailure(FailureType.BadReplayInput, 'afterId and upToId must be decimal ids');
      }
      if (!Number.isInteger(input.batchSize) || input.batchSize < 1 || input.batchSize > MAX_REPLAY_BATCH) {
        throw permanentFailure(
          FailureType.BadReplayInput,
          `batchSize must be an integer 1..${MAX_REPLAY_BATCH}`,
        );
      }
      if (input.dataset === 'pinterest') {
        const result = await inTransaction(db, (client) =>
          replayPinterestPage(client, input, reason, REPLAY_LOADED, Date.now()),
        );
        recordReplay(result, 'pinterest');
        return result;
      }
      const result = await inTransaction(db, async (client) => {
        // The catalogue as this transaction sees it (not the per-process cache, which may be a few
        // seconds old): an exhibition seeded just before the replay counts.
        const exhibitions = await client.query<{ exhibition_id: number; public_id: string }>(
          'select exhibition_id, public_id from exhibition',
        );
        const ctx: RuleContext = {
          catalogue: catalogueFromPublicIds(exhibitions.rows.map((e) => e.public_id)),
          now: Date.now(),
          timeZone: config.museum.timeZone,
        };
        const exhibitionIds = new Map(exhibitions.rows.map((e) => [e.public_id, e.exhibition_id]));
        return replayPage(client, input, reason, ctx, exhibitionIds);
      });
      recordReplay(result);
      log.info('rejects replayed', {
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

async function replayPage(
  client: PoolClient,
  input: ReplayPageInput,
  reason: RejectReason | null,
  ctx: RuleContext,
  exhibitionIds: ReadonlyMap<string, number>,
): Promise<ReplayPageResult> {
  const candidates = await client.query<{ id: string; source_position: string }>(
    `select rejected_event_id::text as id, source_position from rejected_event
     where rejected_event_id > $1 and rejected_event_id <= $2
       and replay_outcome is distinct from $3 and ($4::text is null or reason = $4)
     order by rejected_event_id limit $5`,
    [input.afterId, input.upToId, REPLAY_LOADED, reason, input.batchSize],
  );
  const last = candidates.rows[candidates.rows.length - 1];
  if (!last) return emptyReplayPage();

  // A backfill replacing an S3 object deletes its old version's rows under this lock; holding it
  // too means a row we load cannot outlive the version it belongs to. Sorted: no lock-order deadlock.
  const keys = [
    ...new Set(candidates.rows.map((r) => keyLockOf(r.source_position)).filter((k) => k !== undefined)),
  ].sort();
  for (const k of keys) {
    await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [k]);
  }
  // Re-read under row locks: a concurrent replay may have loaded some, a backfill deleted some.
  // A payload over the size limit fails today as it did then (the rules reject it whatever it
  // holds), so its bytes (up to 1 MiB each) are not read.
  const locked = await client.query<RejectRowInDb>(
    `select rejected_event_id::text as id, source_position, reason, detail,
            case when octet_length(raw) <= $3 then raw end as raw
     from rejected_event
     where rejected_event_id = any($1::bigint[]) and replay_outcome is distinct from $2
     order by rejected_event_id for update`,
    [candidates.rows.map((r) => r.id), REPLAY_LOADED, MAX_PAYLOAD_BYTES + 3],
  );

  const split = emptySplit();
  const loadedIds: string[] = [];
  const failedIds: string[] = [];
  const failedOutcomes: string[] = [];
  const stillRejectedByReason: Record<string, number> = {};
  for (const row of locked.rows) {
    const raw = row.raw === null ? null : Buffer.from(row.raw);
    const verdict: Verdict =
      raw === null
        ? { kind: 'rejected', reason: row.reason as RejectReason, detail: row.detail }
        : judgeStoredReject(row.source_position, raw, ctx);
    if (verdict.kind === 'rejected') {
      failedIds.push(row.id);
      failedOutcomes.push(outcomeText(verdict.reason, verdict.detail));
      stillRejectedByReason[verdict.reason] = (stillRejectedByReason[verdict.reason] ?? 0) + 1;
    } else {
      addVerdict(split, row.source_position, raw ?? Buffer.alloc(0), verdict);
      loadedIds.push(row.id);
    }
  }
  const written = await loadSplitBatch(client, split, exhibitionIds);
  if (loadedIds.length > 0) {
    await client.query(
      `update rejected_event set replayed_at = now(), replay_outcome = $2
       where rejected_event_id = any($1::bigint[])`,
      [loadedIds, REPLAY_LOADED],
    );
  }
  if (failedIds.length > 0) {
    await client.query(
      `update rejected_event r set replayed_at = now(), replay_outcome = u.outcome
       from unnest($1::bigint[], $2::text[]) as u(id, outcome) where r.rejected_event_id = u.id`,
      [failedIds, failedOutcomes],
    );
  }
  return {
    examined: locked.rows.length,
    loaded: loadedIds.length,
    ratings: written.ratings,
    requests: written.requests,
    loadedByKind: { rating: written.ratings, request: written.requests },
    alreadyPresent: loadedIds.length - written.ratings - written.requests,
    stillRejected: failedIds.length,
    stillRejectedByReason,
    lastId: last.id,
    done: candidates.rows.length < input.batchSize || last.id === input.upToId,
  };
}

/** `<reason>: <detail>`, storable as PostgreSQL text (no NUL) and bounded. */
export function outcomeText(reason: string, detail: string): string {
  return `${reason}: ${detail}`.split('\u0000').join('\\0').slice(0, 1000);
}

function recordReplay(r: ReplayPageResult, dataset: ReplayDataset = 'kiosk'): void {
  // A name of its own: museum_events_loaded carries topic/partition labels that a replay has not.
  const replayed = metricMeter.createCounter(
    'museum_rejects_replayed',
    'events',
    'Stored rejects judged again by a replay, by outcome (rating/request inserted, still_rejected)',
  );
  for (const [outcome, n] of Object.entries(r.loadedByKind)) replayed.withTags({ dataset, outcome }).add(n);
  replayed.withTags({ dataset, outcome: 'still_rejected' }).add(r.stillRejected);
}
