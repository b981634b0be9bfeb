import type { Pool, PoolClient } from 'pg';
import { emptyReplayCounts, type ReplayCounts } from '../common/replay-counts';

/**
 * Replay of stored rejects, the engine's half: paging, horizons and outcomes over a dataset's
 * reject table. What a reject becomes when judged again is the dataset's half (`Dataset.replay`).
 * A reject that now passes is stored under its SAME source position (so it can never be loaded
 * twice) and stays in the reject table as history, marked `replay_outcome = 'loaded'`; one that
 * still fails is marked `replay_outcome = '<reason>: <detail>'`.
 */

/** What `replay_outcome` holds for a reject that a replay loaded. */
export const REPLAY_LOADED = 'loaded';

export const MAX_REPLAY_BATCH = 5000;

/** Where a dataset keeps its rejects: the same columns in every such table but the id and the type. */
export interface RejectStore {
  /** Schema-qualified where not in `public`. */
  readonly table: string;
  readonly idColumn: string;
  /** SQL for the record type of a reject (`null::text` when the dataset has one type). */
  readonly recordType: string;
  /** The reasons of the dataset's contract, in check order. */
  readonly reasons: readonly string[];
}

export interface ReplayHorizon {
  /** The highest reject id to replay (rejects stored later wait for the next replay); null: nothing to do. */
  upToId: string | null;
  /** Rejects not loaded yet, up to that id. */
  pending: number;
}

/** One page of a replay: ids in (afterId, upToId], at most batchSize of them. */
export interface ReplayPage {
  afterId: string;
  upToId: string;
  batchSize: number;
}

export interface ReplayPageResult extends ReplayCounts {
  /** The cursor for the next page; null when the page was empty. */
  lastId: string | null;
  /** No rejects remain after this page (up to the horizon). */
  done: boolean;
}

/** A dataset's replay of one page in the caller's transaction: lock, judge again, store what passes, mark every reject. */
export type ReplayPageFn = (
  client: PoolClient,
  page: ReplayPage,
  reason: string | null,
  now: number,
) => Promise<ReplayPageResult>;

export function emptyReplayPage(): ReplayPageResult {
  return { ...emptyReplayCounts(), lastId: null, done: true };
}

/** Where a replay stops, so rejects arriving during it (live ingest) do not prolong it. */
export async function replayHorizon(
  db: Pool,
  store: RejectStore,
  reason: string | null,
): Promise<ReplayHorizon> {
  const { rows } = await db.query<{ up_to: string | null; pending: string }>(
    `select max(${store.idColumn})::text as up_to, count(*) as pending from ${store.table}
     where replay_outcome is distinct from $1 and ($2::text is null or reason = $2)`,
    [REPLAY_LOADED, reason],
  );
  return { upToId: rows[0]?.up_to ?? null, pending: Number(rows[0]?.pending ?? 0) };
}

/** The next page's candidate ids, oldest first, not locked yet. */
export async function pageCandidates(
  client: PoolClient,
  store: RejectStore,
  page: ReplayPage,
  reason: string | null,
): Promise<Array<{ id: string; source_position: string; record_type: string | null }>> {
  const { rows } = await client.query<{ id: string; source_position: string; record_type: string | null }>(
    `select ${store.idColumn}::text as id, source_position(source_id, source_seq), ${store.recordType} as record_type
     from ${store.table}
     where ${store.idColumn} > $1 and ${store.idColumn} <= $2
       and replay_outcome is distinct from $3 and ($4::text is null or reason = $4)
     order by ${store.idColumn} limit $5`,
    [page.afterId, page.upToId, REPLAY_LOADED, reason, page.batchSize],
  );
  return rows;
}

/** A reject of a page, locked for the page's transaction. */
export interface LockedReject {
  id: string;
  source_position: string;
  record_type: string | null;
  reason: string;
  detail: string;
  /** Null when larger than `maxRawBytes`: the rules reject it whatever it holds, so it is not read. */
  raw: Buffer | null;
}

/**
 * Locks the page's rejects that no concurrent replay loaded meanwhile, and reads them: a page must
 * stay small in memory, so a payload over `maxRawBytes` (too large today as then) is not read.
 */
export async function lockRejects(
  client: PoolClient,
  store: RejectStore,
  ids: readonly string[],
  maxRawBytes: number,
): Promise<LockedReject[]> {
  const { rows } = await client.query<LockedReject>(
    `select ${store.idColumn}::text as id, source_position(source_id, source_seq), ${store.recordType} as record_type,
            reason, detail,
            case when octet_length(raw) <= $3 then raw end as raw
     from ${store.table}
     where ${store.idColumn} = any($1::bigint[]) and replay_outcome is distinct from $2
     order by ${store.idColumn} for update`,
    [ids, REPLAY_LOADED, maxRawBytes],
  );
  return rows;
}

/** Marks the rejects a page loaded, and each still rejected with its outcome. */
export async function markReplayed(
  client: PoolClient,
  store: RejectStore,
  loadedIds: readonly string[],
  failed: ReadonlyArray<{ id: string; outcome: string }>,
): Promise<void> {
  if (loadedIds.length > 0) {
    await client.query(
      `update ${store.table} set replayed_at = now(), replay_outcome = $2
       where ${store.idColumn} = any($1::bigint[])`,
      [loadedIds, REPLAY_LOADED],
    );
  }
  if (failed.length > 0) {
    await client.query(
      `update ${store.table} r set replayed_at = now(), replay_outcome = u.outcome
       from unnest($1::bigint[], $2::text[]) as u(id, outcome) where r.${store.idColumn} = u.id`,
      [failed.map((f) => f.id), failed.map((f) => f.outcome)],
    );
  }
}

/** `<reason>: <detail>`, storable as PostgreSQL text (no NUL) and bounded. */
export function outcomeText(reason: string, detail: string): string {
  return `${reason}: ${detail}`.split('\u0000').join('\\0').slice(0, 1000);
}

/** Whether the page ended the replay: it was short, or reached the horizon. */
export function pageDone(page: ReplayPage, candidates: number, lastId: string): boolean {
  return candidates < page.batchSize || lastId === page.upToId;
}
