import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRejects } from '../../cli/rejects';
import { migrate, readMigrations } from '../../db/migrate';
import { INSTALLED_DATASETS } from '../../datasets';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { replayRejectsWorkflow } from '../../workflows/replay-rejects';
import { stackConfig, uniqueName } from '../support/env';
import { truncatePinterest } from '../support/pinterest';
import { positionSources } from '../../pipeline/position';
import { startTestWorker, type TestWorker } from '../support/worker';

const config = stackConfig();
const db = createPgPool(config);
const kafka = createKafka(config);
const s3 = createS3(config);
let tw: TestWorker;

const pin = (changes: Record<string, unknown> = {}) =>
  JSON.stringify({
    index: 7001,
    unique_id: 'c4bd2577-a7bb-4409-bb7a-17d5ed7e1cf1',
    title: 'TireBuyer',
    description: 'Nissan GT-R. Sick.',
    poster_name: 'Ray Uyemura',
    follower_count: '26k',
    tag_list: 'Lowrider',
    is_image_or_video: 'image',
    image_src: 'https://i.pinimg.com/originals/x.jpg',
    downloaded: 1,
    save_location: 'Local save in /data/vehicles',
    category: 'vehicles',
    ...changes,
  });
const geo = (ind: number) =>
  JSON.stringify({
    ind,
    timestamp: '2021-03-04 05:06:07',
    latitude: -12.5,
    longitude: 100.25,
    country: 'Aruba',
  });

/** Stores rejects as an ingest would have, under positions of their own. */
async function storeRejects(rejects: { type: string; raw: string; reason: string }[]): Promise<string[]> {
  const topic = uniqueName('pinterest-replay');
  const positions = rejects.map((_, i) => `kafka:${topic}:0:${i}`);
  const at = await positionSources(db).compactAll(positions);
  await db.query(
    `insert into pinterest.rejected_record (record_type, source_id, source_seq, raw, reason, detail)
     select t, id, seq, convert_to(r, 'UTF8'), reason, 'as first judged'
     from unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[]) as u(t, id, seq, r, reason)`,
    [rejects.map((r) => r.type), at.ids, at.seqs, rejects.map((r) => r.raw), rejects.map((r) => r.reason)],
  );
  return positions;
}

async function replayOutcomes(positions: string[]) {
  const { rows } = await db.query<{ source_position: string; replay_outcome: string | null }>(
    'select source_position(source_id, source_seq), replay_outcome from pinterest.rejected_record where (source_id, source_seq) in (select k.* from unnest($1::text[]) as u(p), position_key(u.p) as k) order by 1',
    [positions],
  );
  return Object.fromEntries(rows.map((r) => [r.source_position, r.replay_outcome?.split(':')[0] ?? null]));
}

beforeAll(async () => {
  await migrate(db, readMigrations(INSTALLED_DATASETS.migrationDirs));
  await truncatePinterest(db, 'all');
  tw = await startTestWorker({ config, db, kafka, s3 });
});

afterAll(async () => {
  await tw?.close();
  await db.end();
  s3.destroy();
});

describe('Pinterest rejects', () => {
  it('replays stored rejects with today’s rules: rows, duplicates, and those still rejected', async () => {
    const positions = await storeRejects([
      // Judged while the clock was behind: passes today.
      { type: 'geo', raw: geo(7001), reason: 'future_timestamp' },
      { type: 'geo', raw: geo(7001), reason: 'future_timestamp' },
      { type: 'pin', raw: pin(), reason: 'bad_follower_count' },
      { type: 'pin', raw: pin({ title: 'TireBuyer Deals' }), reason: 'bad_follower_count' },
      { type: 'user', raw: '{"ind": 7001, ', reason: 'malformed' },
    ]);
    const result = await tw.client.workflow.execute(replayRejectsWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: uniqueName('replay-pinterest'),
      args: [{ dataset: 'pinterest', batchSize: 2 }],
    });
    expect(result).toMatchObject({
      dataset: 'pinterest',
      examined: 5,
      loaded: 3,
      loadedByKind: { row: 2, duplicate: 1 },
      stillRejected: 2,
      stillRejectedByReason: { conflicting_record: 1, malformed: 1 },
    });
    const [geoFirst, geoSecond, pinFirst, pinConflict, userBroken] = positions as [
      string,
      string,
      string,
      string,
      string,
    ];
    expect(await replayOutcomes(positions)).toEqual({
      [geoFirst]: 'loaded',
      [geoSecond]: 'loaded',
      [pinFirst]: 'loaded',
      [pinConflict]: 'conflicting_record',
      [userBroken]: 'malformed',
    });
    // A loaded reject keeps its position: the row or duplicate it became is recorded under it.
    const { rows } = await db.query<{ source_position: string; outcome: string }>(
      `select source_position(source_id, source_seq), 'row' as outcome from pinterest.row_origin where (source_id, source_seq) in (select k.* from unnest($1::text[]) as u(p), position_key(u.p) as k)
       union all select source_position(source_id, source_seq), 'duplicate' from pinterest.duplicate_record where (source_id, source_seq) in (select k.* from unnest($1::text[]) as u(p), position_key(u.p) as k)
       order by 1`,
      [positions],
    );
    expect(rows).toEqual([
      { source_position: geoFirst, outcome: 'row' },
      { source_position: geoSecond, outcome: 'duplicate' },
      { source_position: pinFirst, outcome: 'row' },
    ]);
    const stored = await db.query('select follower_count, title from pinterest.pin where ind = 7001');
    expect(stored.rows).toEqual([{ follower_count: 26000, title: 'TireBuyer' }]);

    const again = await tw.client.workflow.execute(replayRejectsWorkflow, {
      taskQueue: tw.taskQueue,
      workflowId: uniqueName('replay-pinterest'),
      args: [{ dataset: 'pinterest' }],
    });
    expect(again).toMatchObject({ examined: 2, loaded: 0, stillRejected: 2 });
  });

  it('lists Pinterest rejects with their record type, loaded ones hidden', async () => {
    const listing = await listRejects(db, { dataset: 'pinterest', limit: 10 });
    expect(listing.matching).toBe(2);
    expect(listing.loadedHidden).toBe(3);
    expect(listing.rejects.map((r) => [r.recordType, r.reason]).sort()).toEqual([
      ['pin', 'bad_follower_count'],
      ['user', 'malformed'],
    ]);
    const conflicts = await listRejects(db, {
      dataset: 'pinterest',
      reason: 'bad_follower_count',
      limit: 10,
      all: true,
    });
    expect(conflicts.rejects.map((r) => r.replayOutcome?.split(':')[0]).sort()).toEqual([
      'conflicting_record',
      'loaded',
    ]);
  });
});
