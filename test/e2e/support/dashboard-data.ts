/**
 * A known data set for the dashboard tests: deterministic kiosk presses over a window of museum days,
 * written straight into the interaction tables (unique source positions, so they can be removed
 * again), and the numbers the dashboard must show for it, computed here in plain TypeScript.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Pool } from 'pg';
import { buildActivityDeps } from '../../../activities';
import { INSTALLED_DATASETS } from '../../../datasets';
import { createSeedActivities } from '../../../activities/seed';
import type { Config } from '../../../config';
import { REFERENCE_CATALOGUE } from '../../../datasets/kiosk/rules';
import { exhibitionDocument, slugOf } from '../../../datasets/kiosk/simulator/exhibitions';
import { createKafka, createS3 } from '../../../worker/connections';
import { deleteBucket } from '../../support/backfill';
import { kafkaPosition, positionSources } from '../../../pipeline/position';
import { uniqueName } from '../../support/env';

export interface KnownEvent {
  publicId: string;
  kind: 'rating' | 'request';
  /** Rating 0..4, or request 0 assistance / 1 emergency. */
  value: number;
  /** Museum local time, `YYYY-MM-DD HH:MM:SS`. */
  local: string;
}

export const FLOOR_OF = new Map(REFERENCE_CATALOGUE.map((e) => [e.publicId, e.floor]));
export const NAME_OF = new Map(REFERENCE_CATALOGUE.map((e) => [e.publicId, e.name]));

/** mulberry32: a tiny seeded PRNG, so the data set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/**
 * `days` museum days from `firstDay`, every exhibition rated a few times a day (each with its own
 * leaning, so the ranking is clear) and asked for help now and then, emergencies among them.
 */
export function knownDataSet(firstDay: string, days: number, seed = 7): KnownEvent[] {
  const rand = prng(seed);
  const events: KnownEvent[] = [];
  const time = () => {
    // 09:00:00 .. 17:59:59, inside opening hours and clear of any DST gap.
    const s = Math.floor(rand() * 9 * 3600);
    return `${pad(9 + Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  };
  for (let d = 0; d < days; d++) {
    const day = addDays(firstDay, d);
    REFERENCE_CATALOGUE.forEach((e, i) => {
      const ratings = 3 + Math.floor(rand() * 6);
      for (let k = 0; k < ratings; k++) {
        // Exhibition i leans towards rating 4 - i*0.6: a clear, stable ranking.
        const lean = 4 - i * 0.6;
        const value = Math.max(0, Math.min(4, Math.round(lean + (rand() - 0.5) * 3)));
        events.push({ publicId: e.publicId, kind: 'rating', value, local: `${day} ${time()}` });
      }
      const requests = Math.floor(rand() * 3);
      for (let k = 0; k < requests; k++) {
        events.push({
          publicId: e.publicId,
          kind: 'request',
          value: rand() < 0.2 ? 1 : 0,
          local: `${day} ${time()}`,
        });
      }
    });
  }
  return events;
}

export interface Window {
  from?: string;
  to?: string;
  exhibitions?: string[];
  floors?: string[];
}

export function inWindow(e: KnownEvent, w: Window): boolean {
  const day = e.local.slice(0, 10);
  return (
    (w.from === undefined || day >= w.from) &&
    (w.to === undefined || day <= w.to) &&
    (w.exhibitions === undefined || w.exhibitions.includes(e.publicId)) &&
    (w.floors === undefined || w.floors.includes(FLOOR_OF.get(e.publicId)!))
  );
}

export interface ExpectedExhibition {
  exhibition: string;
  ratings: number;
  counts: number[];
  average: number | null;
  assistance: number;
  emergency: number;
}

/** What the dashboard must show for the events in a window, per exhibition (all six, zeros kept). */
export function expectedPerExhibition(events: KnownEvent[], w: Window): ExpectedExhibition[] {
  return REFERENCE_CATALOGUE.filter(
    (e) =>
      (w.exhibitions === undefined || w.exhibitions.includes(e.publicId)) &&
      (w.floors === undefined || w.floors.includes(e.floor)),
  ).map((e) => {
    const mine = events.filter((x) => x.publicId === e.publicId && inWindow(x, w));
    const counts = [0, 1, 2, 3, 4].map(
      (v) => mine.filter((x) => x.kind === 'rating' && x.value === v).length,
    );
    const ratings = counts.reduce((a, b) => a + b, 0);
    const score = counts.reduce((s, c, v) => s + c * v, 0);
    return {
      exhibition: e.publicId,
      ratings,
      counts,
      average: ratings ? score / ratings : null,
      assistance: mine.filter((x) => x.kind === 'request' && x.value === 0).length,
      emergency: mine.filter((x) => x.kind === 'request' && x.value === 1).length,
    };
  });
}

/**
 * Migrations, reference data and the reference catalogue (from a bucket of its own), through the
 * seed activities themselves: the same path the seed workflow takes, without needing a worker.
 */
export async function seedDashboardDatabase(config: Config, db: Pool): Promise<void> {
  const s3 = createS3(config);
  const deps = buildActivityDeps({ config, db, kafka: createKafka(config), s3 }, INSTALLED_DATASETS);
  const bucket = uniqueName('dash-catalogue').toLowerCase();
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const e of REFERENCE_CATALOGUE) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `lmnh_exhibition_${slugOf(e.name)}.json`,
          Body: exhibitionDocument(e),
        }),
      );
    }
    const seed = createSeedActivities(deps);
    await seed.applyMigrations();
    await seed.seedReferenceData();
    const listing = await seed.listExhibitionFiles({ bucket });
    const result = await seed.seedExhibitionFiles({ bucket, keys: listing.exhibitionKeys });
    if (result.failed.length > 0) throw new Error(`catalogue seed failed: ${JSON.stringify(result.failed)}`);
  } finally {
    await deps.close();
    // The catalogue is in the database now; the stack's S3 store keeps no bucket per test run.
    await deleteBucket(s3, bucket).catch(() => undefined);
    s3.destroy();
  }
}

/** Inserts events as one statement per table, each with a position under `tag` (a Kafka-like identity). */
export async function insertEvents(
  db: Pool,
  events: KnownEvent[],
  tag: string,
  timeZone: string,
): Promise<void> {
  for (const kind of ['rating', 'request'] as const) {
    const rows = events.map((e, i) => ({ e, i })).filter((x) => x.e.kind === kind);
    if (rows.length === 0) continue;
    const table = kind === 'rating' ? 'rating_interaction' : 'request_interaction';
    const idColumn = kind === 'rating' ? 'rating_id' : 'request_id';
    // Offset: the event's index among all of them, so ratings and requests never share one.
    const at = await positionSources(db).compactAll(rows.map((x) => kafkaPosition(tag, 0, x.i)));
    await db.query(
      `insert into ${table} (exhibition_id, ${idColumn}, event_at, source_id, source_seq)
       select x.exhibition_id, t.value, t.local::timestamp at time zone $5, t.id, t.seq
       from unnest($1::text[], $2::smallint[], $3::text[], $4::int[], $6::bigint[])
         as t(public_id, value, local, id, seq)
       join exhibition x on x.public_id = t.public_id`,
      [
        rows.map((x) => x.e.publicId),
        rows.map((x) => x.e.value),
        rows.map((x) => x.e.local),
        at.ids,
        timeZone,
        at.seqs,
      ],
    );
  }
}

export async function deleteEvents(db: Pool, tag: string): Promise<void> {
  for (const table of ['rating_interaction', 'request_interaction']) {
    await db.query(
      `delete from ${table} where source_id in (select source_id from position_source where prefix like $1)`,
      [`kafka:${tag}:%`],
    );
  }
}
