import type { PoolClient } from 'pg';
import type { SplitBatch } from './split';

export interface LoadCounts {
  ratings: number;
  requests: number;
  rejects: number;
}

/**
 * Writes one split batch with three array-parameter statements (never a query per row). Positions
 * already stored are skipped, so a retried batch inserts nothing twice. Must run inside the
 * caller's transaction, beside the checkpoint or manifest that records the batch.
 */
export async function loadSplitBatch(
  client: PoolClient,
  batch: SplitBatch,
  exhibitionIds: ReadonlyMap<string, number>,
): Promise<LoadCounts> {
  const idOf = (publicId: string) => {
    const id = exhibitionIds.get(publicId);
    // The validator accepted it against this same snapshot, so a miss is a bug, never data to drop.
    if (id === undefined) throw new Error(`exhibition ${publicId} is not in the catalogue snapshot`);
    return id;
  };
  let ratings = 0;
  let requests = 0;
  let rejects = 0;
  if (batch.ratings.length > 0) {
    const r = await client.query(
      `insert into rating_interaction (exhibition_id, rating_id, event_at, source_position)
       select * from unnest($1::int[], $2::smallint[], $3::timestamptz[], $4::text[])
       on conflict (source_position) do nothing`,
      [
        batch.ratings.map((x) => idOf(x.publicId)),
        batch.ratings.map((x) => x.rating),
        batch.ratings.map((x) => x.eventAt),
        batch.ratings.map((x) => x.position),
      ],
    );
    ratings = r.rowCount ?? 0;
  }
  if (batch.requests.length > 0) {
    const r = await client.query(
      `insert into request_interaction (exhibition_id, request_id, event_at, source_position)
       select * from unnest($1::int[], $2::smallint[], $3::timestamptz[], $4::text[])
       on conflict (source_position) do nothing`,
      [
        batch.requests.map((x) => idOf(x.publicId)),
        batch.requests.map((x) => x.request),
        batch.requests.map((x) => x.eventAt),
        batch.requests.map((x) => x.position),
      ],
    );
    requests = r.rowCount ?? 0;
  }
  if (batch.rejects.length > 0) {
    const r = await client.query(
      `insert into rejected_event (source_position, raw, reason, detail)
       select * from unnest($1::text[], $2::bytea[], $3::text[], $4::text[])
       on conflict (source_position) do nothing`,
      [
        batch.rejects.map((x) => x.position),
        batch.rejects.map((x) => x.raw),
        batch.rejects.map((x) => x.reason),
        batch.rejects.map((x) => x.detail),
      ],
    );
    rejects = r.rowCount ?? 0;
  }
  return { ratings, requests, rejects };
}
