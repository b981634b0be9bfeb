import type { PoolClient } from 'pg';
import { judgeAgainstStored, type PinterestType, type RowOf } from './rules';
import { TABLE_OF } from './stored-rows';

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
): Promise<{ rows: number; duplicates: number }> {
  const run = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rowCount ?? 0;
  const rows =
    sorted.rows.length === 0
      ? 0
      : await run(
          `insert into ${TABLE_OF[type]} select * from jsonb_populate_recordset(null::${TABLE_OF[type]}, $1::jsonb)`,
          [JSON.stringify(sorted.rows.map((c) => c.row))],
        );
  await run(
    `insert into pinterest.row_origin (record_type, ind, source_position)
     select $1, ind, position from unnest($2::int[], $3::text[]) as o(ind, position)`,
    [type, sorted.rows.map((c) => c.row.ind), sorted.rows.map((c) => c.position)],
  );
  const duplicates = await run(
    `insert into pinterest.duplicate_record (record_type, ind, source_position)
     select $1, ind, position from unnest($2::int[], $3::text[]) as d(ind, position)`,
    [type, sorted.duplicates.map((c) => c.row.ind), sorted.duplicates.map((c) => c.position)],
  );
  return { rows, duplicates };
}
