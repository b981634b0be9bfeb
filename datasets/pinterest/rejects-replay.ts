import type { PoolClient } from 'pg';
import {
  emptyReplayPage,
  lockRejects,
  markReplayed,
  outcomeText,
  pageCandidates,
  pageDone,
  type RejectStore,
  type ReplayPage,
  type ReplayPageResult,
} from '../../pipeline/reject-replay';
import { sortAgainstStored, writeAccepted, type Candidate } from './accept';
import {
  judgePinterestRecord,
  MAX_PAYLOAD_BYTES,
  PINTEREST_REJECT_REASONS,
  PINTEREST_TYPES,
  type PinterestRejectReason,
  type PinterestType,
} from './rules';
import { lockPinterestType, readStoredRows } from './stored-rows';
import type { PositionSources } from '../../pipeline/position';

/**
 * Replay of stored Pinterest rejects: each is judged again with today's rules (checks 1..13) and
 * against today's stored rows (check 14). One that now passes becomes a row or a duplicate under
 * its SAME source position and stays in pinterest.rejected_record as history, marked loaded; so
 * per type, consumed = rows + duplicates + rejects not loaded.
 */
export const PINTEREST_REJECTS: RejectStore = {
  table: 'pinterest.rejected_record',
  idColumn: 'rejected_record_id',
  recordType: 'record_type',
  reasons: PINTEREST_REJECT_REASONS,
};

type Failed = { id: string; outcome: string; reason: string };

/** The replay of one page, in the caller's transaction: lock, judge again, write what passes, mark every reject. */
export function pinterestReplay(sources: PositionSources) {
  return (client: PoolClient, page: ReplayPage, reason: string | null, now: number) =>
    replayPinterestPage(client, page, reason, now, sources);
}

async function replayPinterestPage(
  client: PoolClient,
  page: ReplayPage,
  reason: string | null,
  now: number,
  sources: PositionSources,
): Promise<ReplayPageResult> {
  const candidates = await pageCandidates(client, PINTEREST_REJECTS, page, reason);
  const last = candidates[candidates.length - 1];
  if (!last) return emptyReplayPage();
  // In PINTEREST_TYPES order, as every holder of more than one takes them: no lock-order deadlock.
  for (const type of PINTEREST_TYPES) {
    if (candidates.some((r) => r.record_type === type)) await lockPinterestType(client, type);
  }
  const locked = await lockRejects(
    client,
    PINTEREST_REJECTS,
    candidates.map((r) => r.id),
    MAX_PAYLOAD_BYTES,
  );

  const failed: Failed[] = [];
  const accepted: Record<PinterestType, Candidate[]> = { pin: [], geo: [], user: [] };
  for (const r of locked) {
    const type = r.record_type as PinterestType;
    const verdict =
      r.raw === null
        ? { kind: 'rejected' as const, reason: r.reason as PinterestRejectReason, detail: r.detail }
        : judgePinterestRecord(type, Buffer.from(r.raw), { now });
    if (verdict.kind === 'rejected')
      failed.push({ id: r.id, reason: verdict.reason, outcome: outcomeText(verdict.reason, verdict.detail) });
    else accepted[type].push({ position: r.source_position, row: verdict.row });
  }
  const idOf = new Map(locked.map((r) => [r.source_position, r.id]));
  const { loadedIds, loadedByKind } = await storeAccepted(client, accepted, idOf, failed, sources);
  await markReplayed(client, PINTEREST_REJECTS, loadedIds, failed);
  const stillRejectedByReason: Record<string, number> = {};
  for (const f of failed) stillRejectedByReason[f.reason] = (stillRejectedByReason[f.reason] ?? 0) + 1;
  return {
    ...emptyReplayPage(),
    examined: locked.length,
    loaded: loadedIds.length,
    loadedByKind,
    stillRejected: failed.length,
    stillRejectedByReason,
    lastId: last.id,
    done: pageDone(page, candidates.length, last.id),
  };
}

/** Check 14 against today's stored rows, then the writes; a conflict joins `failed`. */
async function storeAccepted(
  client: PoolClient,
  accepted: Record<PinterestType, Candidate[]>,
  idOf: ReadonlyMap<string, string>,
  failed: Failed[],
  sources: PositionSources,
) {
  const loadedByKind = { row: 0, duplicate: 0 };
  const loadedIds: string[] = [];
  for (const type of PINTEREST_TYPES) {
    if (accepted[type].length === 0) continue;
    const stored = await readStoredRows(
      client,
      type,
      accepted[type].map((c) => c.row.ind),
    );
    const sorted = sortAgainstStored(type, accepted[type], stored);
    const written = await writeAccepted(client, type, sorted, sources);
    loadedByKind.row += written.rows;
    loadedByKind.duplicate += written.duplicates;
    for (const c of [...sorted.rows, ...sorted.duplicates]) loadedIds.push(idOf.get(c.position)!);
    for (const c of sorted.conflicts) {
      failed.push({
        id: idOf.get(c.position)!,
        reason: 'conflicting_record',
        outcome: outcomeText('conflicting_record', c.detail),
      });
    }
  }
  return { loadedIds, loadedByKind };
}
