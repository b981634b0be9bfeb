import type { PoolClient } from 'pg';
import { parsePosition, s3KeyLock, splitPosition, type PositionSources } from '../../pipeline/position';
import { MAX_LINE_BYTES } from '../../pipeline/line-splitter';
import {
  markReplayed,
  outcomeText,
  pageCandidates,
  pageDone,
  emptyReplayPage,
  lockRejects,
  type LockedReject,
  type RejectStore,
  type ReplayPage,
  type ReplayPageResult,
} from '../../pipeline/reject-replay';
import { decodeLine, splitFields } from './history-csv';
import {
  catalogueFromPublicIds,
  MAX_PAYLOAD_BYTES,
  REJECT_REASONS,
  validateCsvRow,
  validateKafkaPayload,
  type RejectReason,
  type RuleContext,
  type Verdict,
} from './rules';
import { KioskFinalRows } from './verdicts';

/** Kiosk rejects: rejected_event, one record type. */
export const KIOSK_REJECTS: RejectStore = {
  table: 'rejected_event',
  idColumn: 'rejected_event_id',
  recordType: 'null::text',
  reasons: REJECT_REASONS,
};

/** The columns of the history files (docs/spec/kiosk-events.md); a stored CSV reject is one data line. */
export const HISTORY_HEADER: readonly string[] = ['at', 'site', 'val', 'type'];

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

/** The kiosk's replay of one page: today's rules and catalogue, accepted rows into the interaction tables. */
export function kioskReplay(timeZone: string, sources: PositionSources) {
  return async (
    client: PoolClient,
    page: ReplayPage,
    reason: string | null,
    now: number,
  ): Promise<ReplayPageResult> => {
    const candidates = await pageCandidates(client, KIOSK_REJECTS, page, reason);
    const last = candidates[candidates.length - 1];
    if (!last) return emptyReplayPage();
    // The catalogue as this transaction sees it (not the per-process cache, which may be a few
    // seconds old): an exhibition seeded just before the replay counts.
    const exhibitions = await client.query<{ exhibition_id: number; public_id: string }>(
      'select exhibition_id, public_id from exhibition',
    );
    const ctx: RuleContext = {
      catalogue: catalogueFromPublicIds(exhibitions.rows.map((e) => e.public_id)),
      now,
      timeZone,
    };
    const exhibitionIds = new Map(exhibitions.rows.map((e) => [e.public_id, e.exhibition_id]));
    const locked = await lockPage(client, candidates);
    // Stored already, so their sources exist: this only reads their ids (once per process).
    await sources.resolve(locked.map((r) => splitPosition(r.source_position).source));
    const rows = new KioskFinalRows({ byKind: {}, rejectsByReason: {} }, exhibitionIds, sources);
    const result = await judgeAndLoad(client, locked, ctx, rows);
    return { ...result, lastId: last.id, done: pageDone(page, candidates.length, last.id) };
  };
}

async function lockPage(
  client: PoolClient,
  candidates: ReadonlyArray<{ id: string; source_position: string }>,
): Promise<LockedReject[]> {
  // A backfill replacing an S3 object deletes its old version's rows under this lock; holding it
  // too means a row we load cannot outlive the version it belongs to. Sorted: no lock-order deadlock.
  const keys = [
    ...new Set(candidates.map((r) => keyLockOf(r.source_position)).filter((k) => k !== undefined)),
  ].sort();
  for (const k of keys) {
    await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [k]);
  }
  // Re-read under row locks: a concurrent replay may have loaded some, a backfill deleted some.
  return lockRejects(
    client,
    KIOSK_REJECTS,
    candidates.map((r) => r.id),
    MAX_PAYLOAD_BYTES + 3,
  );
}

async function judgeAndLoad(
  client: PoolClient,
  locked: readonly LockedReject[],
  ctx: RuleContext,
  // Through the kiosk's own load, as a live batch's: each accepted verdict COPYed once into its table.
  rows: KioskFinalRows,
): Promise<Omit<ReplayPageResult, 'lastId' | 'done'>> {
  const loadedIds: string[] = [];
  const failed: Array<{ id: string; outcome: string }> = [];
  const stillRejectedByReason: Record<string, number> = {};
  for (const row of locked) {
    const raw = row.raw === null ? null : Buffer.from(row.raw);
    const verdict: Verdict =
      raw === null
        ? { kind: 'rejected', reason: row.reason as RejectReason, detail: row.detail }
        : judgeStoredReject(row.source_position, raw, ctx);
    if (verdict.kind === 'rejected') {
      failed.push({ id: row.id, outcome: outcomeText(verdict.reason, verdict.detail) });
      stillRejectedByReason[verdict.reason] = (stillRejectedByReason[verdict.reason] ?? 0) + 1;
    } else {
      rows.add(row.source_position, raw ?? Buffer.alloc(0), verdict);
      loadedIds.push(row.id);
    }
  }
  const { inserted } = await rows.load(client);
  await markReplayed(client, KIOSK_REJECTS, loadedIds, failed);
  const ratings = inserted.rating ?? 0;
  const requests = inserted.request ?? 0;
  return {
    examined: locked.length,
    loaded: loadedIds.length,
    ratings,
    requests,
    loadedByKind: { rating: ratings, request: requests },
    alreadyPresent: loadedIds.length - ratings - requests,
    stillRejected: failed.length,
    stillRejectedByReason,
  };
}
