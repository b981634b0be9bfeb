import type { PoolClient } from 'pg';
import {
  judgePinterestRecord,
  MAX_PAYLOAD_BYTES,
  PINTEREST_TYPES,
  type PinterestRejectReason,
  type PinterestType,
} from '../domain/pinterest';
import { sortAgainstStored, writeAccepted, type Candidate } from '../pipeline/pinterest/accept';
import { lockPinterestType, readStoredRows } from '../pipeline/pinterest/stored-rows';
import { emptyReplayPage, outcomeText, type ReplayPageInput, type ReplayPageResult } from './rejects';

/**
 * Replay of stored Pinterest rejects: each is judged again with today's rules (checks 1..13) and
 * against today's stored rows (check 14). One that now passes becomes a row or a duplicate under
 * its SAME source position and stays in pinterest.rejected_record as history, marked
 * `replay_outcome = 'loaded'`; so per type, consumed = rows + duplicates + rejects not loaded.
 */

export async function pinterestReplayHorizon(
  db: Pick<PoolClient, 'query'>,
  reason: string | null,
  loaded: string,
): Promise<{ upToId: string | null; pending: number }> {
  const { rows } = await db.query<{ up_to: string | null; pending: string }>(
    `select max(rejected_record_id)::text as up_to, count(*) as pending from pinterest.rejected_record
     where replay_outcome is distinct from $1 and ($2::text is null or reason = $2)`,
    [loaded, reason],
  );
  return { upToId: rows[0]?.up_to ?? null, pending: Number(rows[0]?.pending ?? 0) };
}

interface StoredReject {
  id: string;
  record_type: PinterestType;
  source_position: string;
  reason: PinterestRejectReason;
  detail: string;
  /** Null when over the size limit: too_large today as then, so its bytes are not read. */
  raw: Buffer | null;
}

/** One page in the caller's transaction: lock, judge again, write what passes, mark every reject. */
export async function replayPinterestPage(
  client: PoolClient,
  input: ReplayPageInput,
  reason: string | null,
  loaded: string,
  now: number,
): Promise<ReplayPageResult> {
  const candidates = await client.query<{ id: string; record_type: PinterestType }>(
    `select rejected_record_id::text as id, record_type from pinterest.rejected_record
     where rejected_record_id > $1 and rejected_record_id <= $2
       and replay_outcome is distinct from $3 and ($4::text is null or reason = $4)
     order by rejected_record_id limit $5`,
    [input.afterId, input.upToId, loaded, reason, input.batchSize],
  );
  const last = candidates.rows[candidates.rows.length - 1];
  if (!last) return emptyReplayPage();
  // In PINTEREST_TYPES order, as every holder of more than one takes them: no lock-order deadlock.
  for (const type of PINTEREST_TYPES) {
    if (candidates.rows.some((r) => r.record_type === type)) await lockPinterestType(client, type);
  }
  const locked = await client.query<StoredReject>(
    `select rejected_record_id::text as id, record_type, source_position, reason, detail,
            case when octet_length(raw) <= $3 then raw end as raw
     from pinterest.rejected_record
     where rejected_record_id = any($1::bigint[]) and replay_outcome is distinct from $2
     order by rejected_record_id for update`,
    [candidates.rows.map((r) => r.id), loaded, MAX_PAYLOAD_BYTES],
  );

  const idOf = new Map(locked.rows.map((r) => [r.source_position, r.id]));
  const failed: { id: string; outcome: string; reason: string }[] = [];
  const accepted: Record<PinterestType, Candidate[]> = { pin: [], geo: [], user: [] };
  for (const r of locked.rows) {
    const verdict =
      r.raw === null
        ? { kind: 'rejected' as const, reason: r.reason, detail: r.detail }
        : judgePinterestRecord(r.record_type, Buffer.from(r.raw), { now });
    if (verdict.kind === 'rejected')
      failed.push({ id: r.id, reason: verdict.reason, outcome: outcomeText(verdict.reason, verdict.detail) });
    else accepted[r.record_type].push({ position: r.source_position, row: verdict.row });
  }
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
    const written = await writeAccepted(client, type, sorted);
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
  await client.query(
    `update pinterest.rejected_record set replayed_at = now(), replay_outcome = $2
     where rejected_record_id = any($1::bigint[])`,
    [loadedIds, loaded],
  );
  await client.query(
    `update pinterest.rejected_record r set replayed_at = now(), replay_outcome = u.outcome
     from unnest($1::bigint[], $2::text[]) as u(id, outcome) where r.rejected_record_id = u.id`,
    [failed.map((f) => f.id), failed.map((f) => f.outcome)],
  );
  const stillRejectedByReason: Record<string, number> = {};
  for (const f of failed) stillRejectedByReason[f.reason] = (stillRejectedByReason[f.reason] ?? 0) + 1;
  return {
    ...emptyReplayPage(),
    examined: locked.rows.length,
    loaded: loadedIds.length,
    loadedByKind,
    stillRejected: failed.length,
    stillRejectedByReason,
    lastId: last.id,
    done: candidates.rows.length < input.batchSize || last.id === input.upToId,
  };
}
