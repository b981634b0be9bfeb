/**
 * Dashboard API benchmark: `npm run bench:dashboard [-- --rows N --requests N --reuse --keep]`.
 *
 * Fills a database of its own (museum_bench_dash) with N interactions (default 10,000,000), then
 * times every API endpoint over varied filters and prints p50/p95 per endpoint. Target: p95 <= 200 ms.
 *
 * How the rows are made, honestly: with generate_series in SQL, 1,000,000 rows per INSERT statement,
 * straight into rating_interaction and request_interaction. That is not the simulator and backfill
 * path (that path is measured by bench:ingest and bench:backfill); it is the fastest way to reach the
 * volume, and it goes through the same table, indexes and rollup triggers as every real load, so
 * the dashboard reads exactly what ingest would have left. The rows spread over every museum day
 * from 2023-03-01 to yesterday, inside opening hours, across the six reference exhibitions, with
 * ratings leaning differently per exhibition, 10% requests and 1% of those emergencies.
 */
import { Client } from 'pg';
import { Command } from 'commander';
import { loadConfig, type Config } from '../config';
import { API_ROUTES } from '../dashboard/api-routes';
import { startDashboardServer } from '../dashboard/server';
import { createPgPool } from '../worker/connections';
import { kafkaPosition, positionSources, s3Position } from '../pipeline/position';
import { fmt, freshDatabase, percentile } from './setup';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DATABASE = 'museum_bench_dash';
const FIRST_DAY = '2023-03-01';
const CHUNK = 1_000_000;
const TARGET_P95_MS = 200;

// /api/health is a liveness check, not a page's call: left out of the timings.
const ENDPOINTS = API_ROUTES.filter((e) => e !== '/api/health');
const EXHIBITIONS_PAGE = ENDPOINTS.filter((e) => e.startsWith('/api/exhibitions/'));
const SAFETY_PAGE = ENDPOINTS.filter((e) => e.startsWith('/api/safety/'));

const VIEWS: Record<string, string[]> = {
  [`Exhibitions page refresh (${EXHIBITIONS_PAGE.length} calls at once)`]: EXHIBITIONS_PAGE,
  [`Safety page refresh (${SAFETY_PAGE.length} calls at once)`]: SAFETY_PAGE,
};

/** A small seeded PRNG so two runs time the same filters. */
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

async function databaseRows(config: Config): Promise<number | undefined> {
  const c = new Client({ ...adminOf(config), database: DATABASE });
  try {
    await c.connect();
    const { rows } = await c.query<{ n: string }>(
      `select (select count(*) from rating_interaction) + (select count(*) from request_interaction) as n`,
    );
    return Number(rows[0]!.n);
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function adminOf(config: Config) {
  return { host: config.pg.host, port: config.pg.port, user: config.pg.user, password: config.pg.password };
}

async function fill(config: Config, total: number): Promise<void> {
  const db = createPgPool(config, { max: 2 });
  try {
    const { rows } = await db.query<{ ids: number[]; days: number }>(
      `select array_agg(exhibition_id order by public_id) as ids,
              ((now() at time zone $2)::date - $1::date) as days
       from exhibition`,
      [FIRST_DAY, config.museum.timeZone],
    );
    const { ids, days } = rows[0]!;
    const requests = Math.round(total * 0.1);
    const ratings = total - requests;
    console.log(
      `filling ${DATABASE}: ${fmt(ratings)} ratings + ${fmt(requests)} requests over ${fmt(days)} museum days (${FIRST_DAY} to yesterday), ${fmt(CHUNK)} rows per statement`,
    );
    // Exhibition i (0..5) is chosen with a skew (some are more popular) and rates with its own lean.
    const pick = `1 + least(5, floor(power(random(), 1.3) * 6))::int`;
    const when = `((($2::date + floor(random() * $3)::int)::timestamp + interval '8 hours 45 minutes'
                  + ((random() + random()) / 2) * interval '9 hours 30 minutes') at time zone $4)`;
    const started = Date.now();
    let done = 0;
    for (const [table, count, valueColumn, value] of [
      [
        'rating_interaction',
        ratings,
        'rating_id',
        'least(4, floor(5 * power(random(), 0.35 + 0.3 * i)))::smallint',
      ],
      ['request_interaction', requests, 'request_id', '(random() < 0.01)::int::smallint'],
    ] as const) {
      // One history file's positions a table: line g of it.
      const source = (
        await positionSources(db).compactAll([s3Position('bench-dashboard', 'lmnh_hist_data.csv', table, 1)])
      ).ids[0];
      for (let lo = 1; lo <= count; lo += CHUNK) {
        const hi = Math.min(count, lo + CHUNK - 1);
        await db.query(
          `insert into ${table} (exhibition_id, ${valueColumn}, event_at, source_id, source_seq)
           select ($1::int[])[i], ${value}, ${when}, $7, g
           from (select g, ${pick} as i from generate_series($5::bigint, $6::bigint) g) s`,
          [ids, FIRST_DAY, days, config.museum.timeZone, lo, hi, source],
        );
        done += hi - lo + 1;
        const s = (Date.now() - started) / 1000;
        process.stderr.write(
          `\r  ${fmt(done)} / ${fmt(total)} rows, ${s.toFixed(0)} s (${fmt(done / s)} rows/s)   `,
        );
      }
    }
    process.stderr.write('\n');
    console.log(`filled in ${((Date.now() - started) / 1000).toFixed(1)} s; vacuum analyze...`);
    await db.query('vacuum analyze rating_interaction, request_interaction, reporting.interaction_hourly');
    const size = await db.query<{ rollup: string; pending: string; db: string }>(
      `select (select count(*) from reporting.interaction_hourly) as rollup,
              (select count(*) from reporting.interaction_hourly_pending) as pending,
              pg_size_pretty(pg_database_size(current_database())) as db`,
    );
    const r = size.rows[0]!;
    console.log(
      `rollup rows: ${fmt(Number(r.rollup))}, pending deltas: ${r.pending}, database size: ${r.db}`,
    );
  } finally {
    await db.end();
  }
}

interface Meta {
  today: string;
  dataRange: { first: string; last: string };
  exhibitions: Array<{ exhibition: string }>;
  floors: string[];
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Varied filters: all time, a year, a month, a week, a day; sometimes one exhibition, a floor, a type. */
function filterMaker(meta: Meta, seed: number): (endpoint: string) => string {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const span = Math.round((Date.parse(meta.dataRange.last) - Date.parse(meta.dataRange.first)) / 86_400_000);
  return (endpoint) => {
    if (endpoint === '/api/meta') return '';
    const p = new URLSearchParams();
    const days = pick([0, 365, 30, 7, 1]);
    if (days > 0) {
      const from = addDays(meta.dataRange.first, Math.floor(rand() * Math.max(1, span - days)));
      p.set('from', from);
      p.set('to', addDays(from, days - 1));
    }
    const r = rand();
    if (r < 0.3) p.set('exhibition', pick(meta.exhibitions).exhibition);
    else if (r < 0.5) p.set('floor', pick(meta.floors));
    if (endpoint.startsWith('/api/safety/') && rand() < 0.3) p.set('type', pick(['assistance', 'emergency']));
    if (endpoint.endsWith('/emergencies') && rand() < 0.3) p.set('limit', '100');
    return p.toString();
  };
}

/** The bench's own dashboard token, sent as a Bearer header on every request. */
const BENCH_TOKEN = `bench-${crypto.randomUUID()}`;
const AUTH = { authorization: `Bearer ${BENCH_TOKEN}` };

async function timeGet(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { headers: AUTH });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return performance.now() - started;
}

const LIVE_SECONDS = 15;
const LIVE_BATCH = 500;

/**
 * Live-ingest-like batches (500 rows in the current hour, as the Kafka loader writes them) for a few
 * seconds while a Safety page refreshes, then the same batches with the rollup triggers disabled: the
 * insert latency the rollup adds, and that neither side waits for the other. Rows are removed again.
 */
async function liveIngestAlongside(config: Config, url: string, make: (e: string) => string): Promise<void> {
  const writer = createPgPool(config, { max: 1 });
  const ids = (
    await writer.query<{ ids: number[] }>('select array_agg(exhibition_id) as ids from exhibition')
  ).rows[0]!.ids;
  let batch = 0;
  const insert = async (tag: string): Promise<number> => {
    // Each batch a partition of its own, its offsets 1..LIVE_BATCH.
    const at = await positionSources(writer).compactAll([kafkaPosition(`bench-live-${tag}`, batch++, 1)]);
    const started = performance.now();
    await writer.query(
      `insert into rating_interaction (exhibition_id, rating_id, event_at, source_id, source_seq)
       select ($1::int[])[1 + floor(random() * 6)::int], floor(random() * 5)::smallint, now() - random() * interval '1 second',
              $2, g
       from generate_series(1, ${LIVE_BATCH}) g`,
      [ids, at.ids[0]],
    );
    return performance.now() - started;
  };
  const run = async (tag: string, withPage: boolean) => {
    const inserts: number[] = [];
    const pages: number[] = [];
    const until = Date.now() + LIVE_SECONDS * 1000;
    const writing = (async () => {
      while (Date.now() < until) inserts.push(await insert(tag));
    })();
    const reading = (async () => {
      while (withPage && Date.now() < until) {
        const q = make('/api/safety/summary');
        const started = performance.now();
        await Promise.all(SAFETY_PAGE.map((e) => timeGet(`${url}${e.slice(1)}?${q}`)));
        pages.push(performance.now() - started);
      }
    })();
    await Promise.all([writing, reading]);
    inserts.sort((a, b) => a - b);
    pages.sort((a, b) => a - b);
    return { inserts, pages };
  };
  const line = (label: string, xs: number[]) =>
    console.log(
      `${label.padEnd(44)}${fmt(percentile(xs, 50), 1).padStart(9)}${fmt(percentile(xs, 95), 1).padStart(9)}${fmt(xs.at(-1)!, 1).padStart(9)}  (${xs.length})`,
    );
  try {
    console.log(`\nlive-ingest-like ${LIVE_BATCH}-row inserts for ${LIVE_SECONDS} s each:\n`);
    const on = await run('on', true);
    line('500-row insert, rollup triggers on', on.inserts);
    line('Safety page refresh meanwhile', on.pages);
    await writer.query('alter table rating_interaction disable trigger user');
    try {
      const off = await run('off', true);
      line('500-row insert, rollup triggers off', off.inserts);
      line('Safety page refresh meanwhile', off.pages);
      await writer.query(
        `delete from rating_interaction where source_id in (select source_id from position_source where prefix like 'kafka:bench-live-off:%')`,
      );
    } finally {
      await writer.query('alter table rating_interaction enable trigger user');
    }
    await writer.query(
      `delete from rating_interaction where source_id in (select source_id from position_source where prefix like 'kafka:bench-live-on:%')`,
    );
  } finally {
    await writer.end();
  }
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--rows <n>', 'interactions to load', '10000000')
    .option('--requests <n>', 'timed requests per endpoint', '50')
    .option('--reuse', `keep an existing ${DATABASE} that already holds --rows rows`)
    .option('--keep', `leave ${DATABASE} in place afterwards (default: drop it)`)
    .parse()
    .opts<{ rows: string; requests: string; reuse?: boolean; keep?: boolean }>();
  const total = Number(opts.rows);
  const requests = Number(opts.requests);
  if (!(total > 0) || !(requests > 0)) throw new Error('--rows and --requests must be positive');

  const base = loadConfig({ ...process.env, LOG_LEVEL: 'warn', METRICS_PORT: '0' });
  const config = loadConfig({
    ...process.env,
    LOG_LEVEL: 'warn',
    METRICS_PORT: '0',
    PGDATABASE: DATABASE,
    DASHBOARD_TOKEN: BENCH_TOKEN,
  });
  const existing = opts.reuse ? await databaseRows(base) : undefined;
  if (existing !== undefined && existing >= total) {
    console.log(`reusing ${DATABASE} with ${fmt(existing)} interactions`);
  } else {
    const { db, s3 } = await freshDatabase(DATABASE);
    await db.end();
    s3.destroy();
    await fill(config, total);
  }

  const server = await startDashboardServer(config, { port: 0 });
  try {
    const meta = (await (await fetch(`${server.url}api/meta`, { headers: AUTH })).json()) as Meta;
    console.log(
      `\ndashboard at ${server.url} reading as ${config.pg.readerUser}; data ${meta.dataRange.first} .. ${meta.dataRange.last}`,
    );
    // Warm-up: connections opened, plans and pages cached, as on a dashboard that has been open a while.
    const warm = filterMaker(meta, 1);
    for (let i = 0; i < 5; i++) {
      for (const e of ENDPOINTS) await timeGet(`${server.url}${e.slice(1)}?${warm(e)}`);
    }

    console.log(
      `\n${requests} sequential requests per endpoint, varied filters (${fmt(total)} interactions):\n`,
    );
    const header = `${'endpoint'.padEnd(44)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'max ms'.padStart(9)}  target`;
    console.log(header);
    const make = filterMaker(meta, 42);
    let worst = 0;
    for (const e of ENDPOINTS) {
      const times: number[] = [];
      for (let i = 0; i < requests; i++) times.push(await timeGet(`${server.url}${e.slice(1)}?${make(e)}`));
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      worst = Math.max(worst, p95);
      console.log(
        `${e.padEnd(44)}${fmt(percentile(times, 50), 1).padStart(9)}${fmt(p95, 1).padStart(9)}${fmt(times.at(-1)!, 1).padStart(9)}  ${p95 <= TARGET_P95_MS ? 'ok' : 'OVER'}`,
      );
    }

    console.log(`\nwhole-page refreshes (the calls a view makes together), ${requests} each:\n`);
    for (const [view, endpoints] of Object.entries(VIEWS)) {
      const times: number[] = [];
      for (let i = 0; i < requests; i++) {
        const started = performance.now();
        // One filter set for the page, as the browser sends.
        const q = make('/api/safety/summary');
        await Promise.all(
          endpoints.map((e) =>
            timeGet(
              `${server.url}${e.slice(1)}?${view.startsWith('Exhibitions') ? q.replace(/&?type=[a-z]+/, '') : q}`,
            ),
          ),
        );
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      console.log(
        `${view.padEnd(44)}${fmt(percentile(times, 50), 1).padStart(9)}${fmt(percentile(times, 95), 1).padStart(9)}${fmt(times.at(-1)!, 1).padStart(9)}`,
      );
    }
    console.log(
      `\nworst endpoint p95: ${fmt(worst, 1)} ms (target ${TARGET_P95_MS} ms): ${worst <= TARGET_P95_MS ? 'met' : 'NOT met'}`,
    );
    await liveIngestAlongside(config, server.url, make);
    if (worst > TARGET_P95_MS) process.exitCode = 1;
  } finally {
    await server.close();
    if (!opts.keep) {
      const admin = new Client({ ...adminOf(base), database: 'postgres' });
      await admin.connect();
      await admin.query(`drop database if exists ${admin.escapeIdentifier(DATABASE)} with (force)`);
      await admin.end();
      console.log(`dropped ${DATABASE} (use --keep to leave it, --reuse to time it again without refilling)`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
