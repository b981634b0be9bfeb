import type { PoolClient } from 'pg';
import type { PinterestType } from './rules';
import { copyInto } from '../../pipeline/copy';
import { CopyTextBuffer } from '../../pipeline/copy-text';
import type { JudgedBatch, LoadCounts, TransformCounts } from '../../pipeline/dataset';
import { sortAgainstStored, writeAccepted, type Candidate } from './accept';
import { lockPinterestType, readStoredRows } from './stored-rows';
import type { PositionSources } from '../../pipeline/position';

interface Reject {
  position: string;
  raw: Buffer;
  reason: string;
  detail: string;
}

/**
 * A live batch judged by checks 1..13, in memory. Load runs check 14 against the stored rows and
 * writes each record once: a row with its origin, a duplicate record, or a reject. The sources of
 * its positions are resolved (`sources.resolve`) when it is judged, before load's transaction.
 */
export class PinterestJudged implements JudgedBatch {
  /** Records that passed checks 1..13, in partition-then-offset order, with their raw bytes for a conflict. */
  readonly candidates: (Candidate & { raw: Buffer })[] = [];
  readonly rejects: Reject[] = [];

  constructor(
    private readonly type: PinterestType,
    readonly counts: TransformCounts,
    private readonly sources: PositionSources,
  ) {}

  async load(client: PoolClient): Promise<LoadCounts> {
    const total = this.candidates.length + this.rejects.length;
    // Live and batch loads of one type would otherwise both see "nothing stored" for the same ind.
    await lockPinterestType(client, this.type);
    const done = await positionsWithOutcome(client, this.sources, [
      ...this.candidates.map((c) => c.position),
      ...this.rejects.map((r) => r.position),
    ]);
    const fresh = this.candidates.filter((c) => !done.has(c.position));
    const stored = await readStoredRows(
      client,
      this.type,
      fresh.map((c) => c.row.ind),
    );
    const sorted = sortAgainstStored(this.type, fresh, stored);
    const accepted = await writeAccepted(client, this.type, sorted, this.sources);
    const rawOf = new Map(fresh.map((c) => [c.position, c.raw]));
    const conflicting = sorted.conflicts.map((c) => ({
      position: c.position,
      raw: rawOf.get(c.position)!,
      reason: 'conflicting_record',
      detail: c.detail,
    }));
    const reject = await this.writeRejects(client, [
      ...conflicting,
      ...this.rejects.filter((r) => !done.has(r.position)),
    ]);
    return {
      inserted: { row: accepted.rows, duplicate: accepted.duplicates, reject },
      alreadyLoaded: total - accepted.rows - accepted.duplicates - reject,
      rejectsByReason: conflicting.length > 0 ? { conflicting_record: conflicting.length } : {},
    };
  }

  private async writeRejects(client: PoolClient, rejects: readonly Reject[]): Promise<number> {
    const text = new CopyTextBuffer(64 * 1024);
    for (const r of rejects) {
      text.row([this.type, ...this.sources.compact(r.position), r.raw, r.reason, r.detail]);
    }
    await copyInto(
      client,
      'pinterest.rejected_record (record_type, source_id, source_seq, raw, reason, detail)',
      text,
    );
    return text.rows;
  }
}

/** Positions that already have an outcome (written by another path, such as a replay): skipped. */
async function positionsWithOutcome(
  client: PoolClient,
  sources: PositionSources,
  positions: readonly string[],
): Promise<Set<string>> {
  const { ids, seqs } = await sources.compactAll(positions);
  const { rows } = await client.query<{ position: string }>(
    `select p.position from unnest($1::text[], $2::int[], $3::bigint[]) as p(position, id, seq)
     where exists (select 1 from pinterest.row_origin o where (o.source_id, o.source_seq) = (p.id, p.seq))
        or exists (select 1 from pinterest.duplicate_record d where (d.source_id, d.source_seq) = (p.id, p.seq))
        or exists (select 1 from pinterest.rejected_record r where (r.source_id, r.source_seq) = (p.id, p.seq))`,
    [positions, ids, seqs],
  );
  return new Set(rows.map((r) => r.position));
}
