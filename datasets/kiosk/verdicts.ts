import type { PoolClient } from 'pg';
import type { Verdict } from './rules';
import { CopyTextBuffer } from '../../pipeline/copy-text';
import type { JudgedBatch, LoadCounts, TransformCounts } from '../../pipeline/dataset';
import { copyInto, copyOnce } from '../../pipeline/copy';
import { lockCatalogueKeys, type CatalogueKeys } from './catalogue-keys';
import type { CompactPosition, PositionSources } from '../../pipeline/position';

/** staged_kiosk_verdict.kind */
const KIND = { rating: 0, request: 1, reject: 2 } as const;

const VERDICT_COLUMNS =
  'staged_kiosk_verdict (batch_id, source_id, source_seq, kind, exhibition_id, value, event_at, raw, reason, detail)';

/** Every kiosk event table's unique key: its stored position. */
const POSITION_KEY = 'source_id, source_seq';
const RATING_COLUMNS = ['exhibition_id', 'rating_id', 'event_at', 'source_id', 'source_seq'];
const REQUEST_COLUMNS = ['exhibition_id', 'request_id', 'event_at', 'source_id', 'source_seq'];
const REJECT_COLUMNS = ['source_id', 'source_seq', 'raw', 'reason', 'detail'];

/**
 * `writeVerdict` for one staged batch, each verdict at its readable position; the positions'
 * sources must have been resolved (`sources.resolve`) before.
 */
export function stagedVerdictWriter(
  text: CopyTextBuffer,
  batchId: string,
  sources: PositionSources,
  exhibitionIds: ReadonlyMap<string, number>,
): (position: string, raw: Buffer, verdict: Verdict) => void {
  return (position, raw, verdict) =>
    writeVerdict(text, batchId, sources.compact(position), raw, verdict, exhibitionIds);
}

/** One verdict as a staged_kiosk_verdict row, whether it came from Kafka or from a history file. */
function writeVerdict(
  text: CopyTextBuffer,
  batchId: string,
  position: CompactPosition,
  raw: Buffer,
  verdict: Verdict,
  exhibitionIds: ReadonlyMap<string, number>,
): void {
  if (verdict.kind === 'rejected') {
    const detail = verdict.detail.slice(0, 1000);
    text.row([batchId, ...position, String(KIND.reject), null, null, null, raw, verdict.reason, detail]);
    return;
  }
  const id = exhibitionIds.get(verdict.exhibitionPublicId);
  // The rules accepted the site against this same snapshot, so a miss is a bug, never data to drop.
  if (id === undefined) throw new Error(`exhibition ${verdict.exhibitionPublicId} is not in the snapshot`);
  const [kind, value] =
    verdict.kind === 'rating' ? [KIND.rating, verdict.rating] : [KIND.request, verdict.request];
  text.row([
    batchId,
    ...position,
    String(kind),
    String(id),
    String(value),
    verdict.eventAt.iso,
    null,
    null,
    null,
  ]);
}

/** Replaces the batch's staged verdicts with `text` (a retried transform leaves one set). */
export async function stageVerdicts(
  client: PoolClient,
  batchId: string,
  text: CopyTextBuffer,
): Promise<void> {
  await client.query('delete from staged_kiosk_verdict where batch_id = $1', [batchId]);
  await copyInto(client, VERDICT_COLUMNS, text);
}

export async function countStagedVerdicts(client: PoolClient, batchIds: readonly string[]): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    'select count(*)::int as n from staged_kiosk_verdict where batch_id = any($1::uuid[])',
    [batchIds],
  );
  return rows[0]!.n;
}

/**
 * Three set-based statements, never a row at a time. With `dedupe`, positions already stored are
 * skipped; without, a plain insert (cheaper) lets a clash fail loudly instead of doubling a row.
 */
export async function loadStagedVerdicts(
  client: PoolClient,
  batchIds: readonly string[],
  staged: number,
  dedupe = true,
): Promise<LoadCounts> {
  const onConflict = dedupe ? `on conflict (${POSITION_KEY}) do nothing` : '';
  await lockCatalogueKeys(client, await stagedCatalogueKeys(client, batchIds));
  const insert = async (sql: string) => (await client.query(sql, [batchIds])).rowCount ?? 0;
  const rating = await insert(
    `insert into rating_interaction (exhibition_id, rating_id, event_at, source_id, source_seq)
     select exhibition_id, value, event_at, source_id, source_seq from staged_kiosk_verdict
     where batch_id = any($1::uuid[]) and kind = 0 ${onConflict}`,
  );
  const request = await insert(
    `insert into request_interaction (exhibition_id, request_id, event_at, source_id, source_seq)
     select exhibition_id, value, event_at, source_id, source_seq from staged_kiosk_verdict
     where batch_id = any($1::uuid[]) and kind = 1 ${onConflict}`,
  );
  const reject = await insert(
    `insert into rejected_event (source_id, source_seq, raw, reason, detail)
     select source_id, source_seq, raw, reason, detail from staged_kiosk_verdict
     where batch_id = any($1::uuid[]) and kind = 2 ${onConflict}`,
  );
  return { inserted: { rating, request, reject }, alreadyLoaded: staged - rating - request - reject };
}

/**
 * A live batch's verdicts as rows of the final tables, encoded as they are judged; load COPYs each
 * table once. The batch's events are written nowhere else. The sources of the positions added must
 * have been resolved (`sources.resolve`) before: encoding them needs their ids.
 */
export class KioskFinalRows implements JudgedBatch {
  private readonly ratings = new CopyTextBuffer(64 * 1024);
  private readonly requests = new CopyTextBuffer(64 * 1024);
  private readonly rejects = new CopyTextBuffer(64 * 1024);
  private readonly keys = {
    exhibitions: new Set<number>(),
    ratings: new Set<number>(),
    requests: new Set<number>(),
  };

  constructor(
    readonly counts: TransformCounts,
    private readonly exhibitionIds: ReadonlyMap<string, number>,
    private readonly sources: PositionSources,
  ) {}

  add(position: string, raw: Buffer, verdict: Verdict): void {
    if (verdict.kind === 'rejected') {
      this.rejects.row([
        ...this.sources.compact(position),
        raw,
        verdict.reason,
        verdict.detail.slice(0, 1000),
      ]);
      return;
    }
    const id = this.exhibitionIds.get(verdict.exhibitionPublicId);
    if (id === undefined) throw new Error(`exhibition ${verdict.exhibitionPublicId} is not in the snapshot`);
    const [target, value, keys] =
      verdict.kind === 'rating'
        ? [this.ratings, verdict.rating, this.keys.ratings]
        : [this.requests, verdict.request, this.keys.requests];
    target.row([String(id), String(value), verdict.eventAt.iso, ...this.sources.compact(position)]);
    this.keys.exhibitions.add(id);
    keys.add(value);
  }

  async load(client: PoolClient): Promise<LoadCounts> {
    await lockCatalogueKeys(client, this.keys);
    const key = POSITION_KEY;
    const rating = await copyOnce(client, 'rating_interaction', RATING_COLUMNS, key, this.ratings);
    const request = await copyOnce(client, 'request_interaction', REQUEST_COLUMNS, key, this.requests);
    const reject = await copyOnce(client, 'rejected_event', REJECT_COLUMNS, key, this.rejects);
    const judged = this.ratings.rows + this.requests.rows + this.rejects.rows;
    return { inserted: { rating, request, reject }, alreadyLoaded: judged - rating - request - reject };
  }
}

async function stagedCatalogueKeys(client: PoolClient, batchIds: readonly string[]): Promise<CatalogueKeys> {
  const { rows } = await client.query<{ e: number[] | null; r: number[] | null; q: number[] | null }>(
    `select array_agg(distinct exhibition_id) filter (where kind in (0, 1)) as e,
            array_agg(distinct value) filter (where kind = 0) as r,
            array_agg(distinct value) filter (where kind = 1) as q
     from staged_kiosk_verdict where batch_id = any($1::uuid[])`,
    [batchIds],
  );
  const { e, r, q } = rows[0]!;
  return { exhibitions: new Set(e ?? []), ratings: new Set(r ?? []), requests: new Set(q ?? []) };
}
