import type { PoolClient } from 'pg';
import type { PinterestType, RowOf } from './rules';
import type { LoadCounts } from '../../pipeline/dataset';
import type { StagedBatch } from '../../pipeline/staging';
import { sortAgainstStored, writeAccepted } from './accept';
import { lockPinterestType, readStoredRows } from './stored-rows';
import type { PositionSources } from '../../pipeline/position';

/** A position with an outcome already (row, duplicate or reject): processed again, it changes nothing. */
const HAS_OUTCOME = `(exists (select 1 from pinterest.row_origin o
                      where (o.source_id, o.source_seq) = (v.source_id, v.source_seq))
  or exists (select 1 from pinterest.duplicate_record d where (d.source_id, d.source_seq) = (v.source_id, v.source_seq))
  or exists (select 1 from pinterest.rejected_record r where (r.source_id, r.source_seq) = (v.source_id, v.source_seq)))`;

/**
 * Check 14 and the writes, inside the load transaction. Each staged row is compared with the stored
 * row of its identity, or with an earlier record of the same ind in this batch (partition, then
 * offset order): a new row, a duplicate, or a `conflicting_record` reject. A handful of set-based
 * statements per batch, whatever its size.
 */
export function loadPinterestVerdicts(
  client: PoolClient,
  batch: StagedBatch,
  type: PinterestType,
  sources: PositionSources,
): Promise<LoadCounts> {
  return loadPinterestBatches(client, [batch.batchId], batch.messages, type, sources);
}

/**
 * The same over several batches of one type: the chunks of a sink object, whose verdicts carry
 * their raw line (the chunk's staged lines are freed once judged) and whose offsets are line numbers,
 * so partition-then-offset order is file order. `staged`: the verdicts under the batches.
 */
export async function loadPinterestBatches(
  client: PoolClient,
  batchIds: readonly string[],
  staged: number,
  type: PinterestType,
  sources: PositionSources,
): Promise<LoadCounts> {
  // Live and batch loads of one type would otherwise both see "nothing stored" for the same ind.
  await lockPinterestType(client, type);
  const { rows: fresh } = await client.query<{ position: string; row: RowOf[PinterestType] }>(
    `select source_position(v.source_id, v.source_seq) as position, v.row_json as row from staged_pinterest_verdict v
     where v.batch_id = any($1::uuid[]) and v.kind = 0 and not ${HAS_OUTCOME}
     order by v.partition, v."offset"`,
    [batchIds],
  );
  const stored = await readStoredRows(
    client,
    type,
    fresh.map((c) => c.row.ind),
  );
  const sorted = sortAgainstStored(type, fresh, stored);
  const accepted = await writeAccepted(client, type, sorted, sources);

  const run = async (sql: string, params: unknown[]) => (await client.query(sql, params)).rowCount ?? 0;
  const conflicts = await sources.compactAll(sorted.conflicts.map((c) => c.position));
  const conflicting = await run(
    `insert into pinterest.rejected_record (record_type, source_id, source_seq, raw, reason, detail)
     select v.record_type, v.source_id, v.source_seq, coalesce(v.raw, m.value, ''::bytea), 'conflicting_record', c.detail
     from unnest($2::int[], $3::bigint[], $4::text[]) as c(id, seq, detail)
     join staged_pinterest_verdict v
       on v.batch_id = any($1::uuid[]) and (v.source_id, v.source_seq) = (c.id, c.seq)
     left join staged_message m
       on m.batch_id = v.batch_id and m.partition = v.partition and m."offset" = v."offset"`,
    [batchIds, conflicts.ids, conflicts.seqs, sorted.conflicts.map((c) => c.detail)],
  );
  const judgedAlone = await run(
    `insert into pinterest.rejected_record (record_type, source_id, source_seq, raw, reason, detail)
     select v.record_type, v.source_id, v.source_seq, v.raw, v.reason, v.detail from staged_pinterest_verdict v
     where v.batch_id = any($1::uuid[]) and v.kind = 2 and not ${HAS_OUTCOME}`,
    [batchIds],
  );
  const reject = conflicting + judgedAlone;
  return {
    inserted: { row: accepted.rows, duplicate: accepted.duplicates, reject },
    alreadyLoaded: staged - accepted.rows - accepted.duplicates - reject,
    rejectsByReason: conflicting > 0 ? { conflicting_record: conflicting } : {},
  };
}
