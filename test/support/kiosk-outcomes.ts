import type { Pool } from 'pg';

/**
 * What the kiosk tables hold from one topic: distinct positions, rows (a position stored twice
 * counts twice) and the offsets its checkpoint has passed. Exactly once: all three equal.
 */
export async function storedFromTopic(db: Pool, topic: string) {
  const { rows } = await db.query<{ positions: string; stored: string; offsets: string }>(
    `with stored as (
       select source_position(source_id, source_seq) from rating_interaction where source_id in (select source_id from position_source where prefix like $1)
       union all select source_position(source_id, source_seq) from request_interaction where source_id in (select source_id from position_source where prefix like $1)
       union all select source_position(source_id, source_seq) from rejected_event where source_id in (select source_id from position_source where prefix like $1))
     select (select count(distinct source_position) from stored) as positions,
            (select count(*) from stored) as stored,
            (select coalesce(sum(next_offset), 0) from ingest_checkpoint where topic = $2) as offsets`,
    [`kafka:${topic}:%`, topic],
  );
  const r = rows[0]!;
  return { positions: Number(r.positions), stored: Number(r.stored), offsets: Number(r.offsets) };
}
