import type { PoolClient } from 'pg';
import { judgeAgainstStored, type PinterestType, type RowOf } from './rules';
import { TABLE_OF } from './stored-rows';
import type { PositionSources } from '../../pipeline/position';

/** A record that passed checks 1..13, at its source position. */
export interface Candidate<T extends PinterestType = PinterestType> {
  position: string;
  row: RowOf[T];
}

export interface SortedCandidates<T extends PinterestType = PinterestType> {
  rows: Candidate<T>[];
  duplicates: Candidate<T>[];
  conflicts: { position: string; detail: string }[];
}

/**
 * Check 14 over candidates in order: each is compared with the stored row of its identity, or with
 * an earlier candidate that became a row, by the domain's rules. A conflict claims nothing.
 */
export function sortAgainstStored<T extends PinterestType>(
  type: T,
  candidates: readonly Candidate<T>[],
  stored: Map<number, RowOf[T]>,
): SortedCandidates<T> {
  const sorted: SortedCandidates<T> = { rows: [], duplicates: [], conflicts: [] };
  for (const candidate of candidates) {
    const verdict = judgeAgainstStored(type, candidate.row, stored.get(candidate.row.ind));
    if (verdict.kind === 'row') {
      sorted.rows.push(candidate);
      stored.set(candidate.row.ind, candidate.row);
    } else if (verdict.kind === 'duplicate') {
      sorted.duplicates.push(candidate);
    } else {
      sorted.conflicts.push({ position: candidate.position, detail: verdict.detail });
    }
  }
  return sorted;
}

/** Inserts new rows with their origin, and records duplicates: three statements, whatever the count. */
export async function writeAccepted<T extends PinterestType>(
  client: PoolClient,
  type: T,
  sorted: Pick<SortedCandidates<T>, 'rows' | 'duplicates'>,
  sources: PositionSources,
): Promise<{ rows: number; duplicates: number }> {
  const run = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rowCount ?? 0;
  const rows =
    sorted.rows.length === 0
      ? 0
      : await run(
          `insert into ${TABLE_OF[type]} select * from jsonb_populate_recordset(null::${TABLE_OF[type]}, $1::jsonb)`,
          [JSON.stringify(sorted.rows.map((c) => c.row))],
        );
  const origins = await sources.compactAll(sorted.rows.map((c) => c.position));
  await run(
    `insert into pinterest.row_origin (record_type, ind, source_id, source_seq)
     select $1, ind, id, seq from unnest($2::int[], $3::int[], $4::bigint[]) as o(ind, id, seq)`,
    [type, sorted.rows.map((c) => c.row.ind), origins.ids, origins.seqs],
  );
  const seen = await sources.compactAll(sorted.duplicates.map((c) => c.position));
  const duplicates = await run(
    `insert into pinterest.duplicate_record (record_type, ind, source_id, source_seq)
     select $1, ind, id, seq from unnest($2::int[], $3::int[], $4::bigint[]) as d(ind, id, seq)`,
    [type, sorted.duplicates.map((c) => c.row.ind), seen.ids, seen.seqs],
  );
  return { rows, duplicates };
}
