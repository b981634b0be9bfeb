import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/paths';
import { API_ROUTES } from '../../dashboard/api-routes';
import { hashPassword, verifyPassword } from '../../dashboard/auth';
import { startDashboardServer } from '../../dashboard/server';
import { stackConfig } from '../support/env';
import { dashboardFixture } from '../support/dashboard-fixture';
import {
  deleteEvents,
  expectedPerExhibition,
  FLOOR_OF,
  inWindow,
  insertEvents,
  knownDataSet,
  NAME_OF,
  type KnownEvent,
} from '../e2e/support/dashboard-data';

// Nine museum days across the spring DST change (Sunday 29 March 2020, London goes from GMT to BST),
// far from any other test's data, so every number below is exact.
const FIRST = '2020-03-23';
const LAST = '2020-03-31';
const TOKEN = 'dash-api-test-token-0123456789';
const PASSWORD = 'correct horse battery staple';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const events: KnownEvent[] = knownDataSet(FIRST, 9);
const dash = dashboardFixture({
  name: 'dash-api',
  token: TOKEN,
  events,
  env: { DASHBOARD_USERS: `curator:${hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 })}` },
});
const { config, db, tag, api, ok } = dash;

const W = `from=${FIRST}&to=${LAST}`;
const round3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

describe('dashboard API on a known data set', () => {
  it('describes the catalogue, floors and museum time zone', async () => {
    const meta = await ok('/api/meta');
    expect(meta.timeZone).toBe('Europe/London');
    expect(meta.exhibitions.map((e: { exhibition: string }) => e.exhibition)).toEqual([...NAME_OF.keys()]);
    expect(meta.floors).toEqual(['Vault', '1', '2', '3']);
    expect(meta.requestTypes).toEqual(['assistance', 'emergency']);
    expect(meta.dataRange.first <= FIRST).toBe(true);
  });

  it('counts popularity, ranks exhibitions and splits ratings exactly', async () => {
    const expected = expectedPerExhibition(events, { from: FIRST, to: LAST });
    const pop = await ok(`/api/exhibitions/popularity?${W}`);
    const ratings = expected.reduce((s, e) => s + e.ratings, 0);
    const requests = expected.reduce((s, e) => s + e.assistance + e.emergency, 0);
    const score = expected.reduce((s, e) => s + e.counts.reduce((a, c, v) => a + c * v, 0), 0);
    expect(pop.totals).toEqual({
      ratings,
      requests,
      interactions: ratings + requests,
      averageRating: round3(score / ratings),
    });
    for (const e of expected) {
      expect(pop.exhibitions).toContainEqual({
        exhibition: e.exhibition,
        name: NAME_OF.get(e.exhibition),
        floor: FLOOR_OF.get(e.exhibition),
        ratings: e.ratings,
        requests: e.assistance + e.emergency,
        interactions: e.ratings + e.assistance + e.emergency,
      });
    }

    const top = await ok(`/api/exhibitions/top-rated?${W}`);
    const ranked = [...expected].sort((a, b) => b.average! - a.average! || b.ratings - a.ratings);
    expect(top.exhibitions.map((e: { exhibition: string }) => e.exhibition)).toEqual(
      ranked.map((e) => e.exhibition),
    );
    expect(top.exhibitions[0]).toMatchObject({
      rank: 1,
      ratings: ranked[0]!.ratings,
      average: round3(ranked[0]!.average),
    });

    const dist = await ok(`/api/exhibitions/rating-distribution?${W}`);
    expect(dist.ratings).toEqual(['Terrible', 'Bad', 'Neutral', 'Good', 'Amazing']);
    expect(
      dist.exhibitions.map((e: { exhibition: string; counts: number[] }) => [e.exhibition, e.counts]),
    ).toEqual(expected.map((e) => [e.exhibition, e.counts]));
  });

  it('applies exhibition, floor and date filters', async () => {
    const w = { from: '2020-03-30', to: LAST, floors: ['1'] };
    const expected = expectedPerExhibition(events, w);
    const pop = await ok(`/api/exhibitions/popularity?from=${w.from}&to=${w.to}&floor=1`);
    expect(pop.filters).toEqual({ from: w.from, to: w.to, exhibitions: [], floors: ['1'] });
    expect(pop.exhibitions.map((e: { exhibition: string }) => e.exhibition).sort()).toEqual([
      'EXH_00',
      'EXH_03',
      'EXH_05',
    ]);
    expect(pop.totals.ratings).toBe(expected.reduce((s, e) => s + e.ratings, 0));

    const one = await ok(`/api/exhibitions/popularity?${W}&exhibition=exh_02,EXH_04`);
    expect(one.exhibitions.map((e: { exhibition: string }) => e.exhibition).sort()).toEqual([
      'EXH_02',
      'EXH_04',
    ]);

    // An exhibition that is not on the floor asked for: a valid question with an empty answer.
    const none = await ok(`/api/exhibitions/popularity?${W}&exhibition=EXH_01&floor=1`);
    expect(none.totals.interactions).toBe(0);
    expect(none.exhibitions).toEqual([]);
  });

  it('buckets average ratings by day over the range and by museum-time hour over a day', async () => {
    const days = await ok(`/api/exhibitions/ratings-over-time?${W}`);
    expect(days.bucket).toBe('day');
    expect(days.labels).toEqual([...new Set(events.map((e) => e.local.slice(0, 10)))].sort());
    const exh = 'EXH_02';
    const series = days.series.find((s: { exhibition: string }) => s.exhibition === exh);
    const i = days.labels.indexOf('2020-03-30');
    const day = expectedPerExhibition(events, {
      from: '2020-03-30',
      to: '2020-03-30',
      exhibitions: [exh],
    })[0]!;
    expect(series.average[i]).toBe(round3(day.average));
    expect(series.ratings[i]).toBe(day.ratings);

    // 30 March is BST (UTC+1): labels are the museum's hours, not UTC's.
    const hours = await ok('/api/exhibitions/ratings-over-time?from=2020-03-30&to=2020-03-30');
    expect(hours.bucket).toBe('hour');
    const localHours = [
      ...new Set(
        events
          .filter((e) => e.kind === 'rating' && e.local.startsWith('2020-03-30'))
          .map((e) => e.local.slice(0, 13)),
      ),
    ].sort();
    expect(hours.labels).toEqual(localHours.map((h) => `${h}:00`));

    const weeks = await ok('/api/exhibitions/ratings-over-time?from=2020-01-01&to=2020-06-30');
    expect(weeks.bucket).toBe('week');
    expect(weeks.labels).toEqual(['2020-03-23', '2020-03-30']); // Mondays
  });

  it('splits requests by type, museum hour, floor and exhibition', async () => {
    const inW = events.filter((e) => e.kind === 'request' && inWindow(e, { from: FIRST, to: LAST }));
    const assistance = inW.filter((e) => e.value === 0).length;
    const emergency = inW.filter((e) => e.value === 1).length;
    const summary = await ok(`/api/safety/summary?${W}`);
    expect(summary).toMatchObject({ assistance, emergency, total: assistance + emergency });
    expect(summary.emergencyShare).toBeCloseTo(emergency / (assistance + emergency), 3);
    const onlyEmergency = await ok(`/api/safety/summary?${W}&type=emergency`);
    expect(onlyEmergency).toMatchObject({ assistance: 0, emergency, total: emergency, emergencyShare: 1 });

    const byHour = await ok(`/api/safety/by-hour?${W}`);
    for (let h = 9; h <= 17; h++) {
      const at = inW.filter((e) => Number(e.local.slice(11, 13)) === h);
      expect(byHour.hours.find((x: { hour: number }) => x.hour === h)).toEqual({
        hour: h,
        label: `${String(h).padStart(2, '0')}:00`,
        assistance: at.filter((e) => e.value === 0).length,
        emergency: at.filter((e) => e.value === 1).length,
      });
    }

    const byFloor = await ok(`/api/safety/by-floor?${W}`);
    expect(byFloor.floors.map((f: { floor: string }) => f.floor)).toEqual(['Vault', '1', '2', '3']);
    for (const f of byFloor.floors) {
      const on = inW.filter((e) => FLOOR_OF.get(e.publicId) === f.floor);
      expect(f.assistance).toBe(on.filter((e) => e.value === 0).length);
      expect(f.emergency).toBe(on.filter((e) => e.value === 1).length);
    }

    const byExhibition = await ok(`/api/safety/by-exhibition?${W}&type=assistance`);
    const withAssistance = new Set(inW.filter((x) => x.value === 0).map((x) => x.publicId));
    expect(withAssistance.size).toBeGreaterThan(0);
    expect(byExhibition.exhibitions.filter((e: { assistance: number }) => e.assistance > 0).length).toBe(
      withAssistance.size,
    );
    for (const e of byExhibition.exhibitions) {
      expect(e.emergency).toBe(0);
      expect(e.assistance).toBe(inW.filter((x) => x.publicId === e.exhibition && x.value === 0).length);
    }
  });

  it('lists the latest emergencies newest first, in museum time', async () => {
    const expected = events
      .filter((e) => e.kind === 'request' && e.value === 1)
      .sort((a, b) => b.local.localeCompare(a.local))
      .slice(0, 5);
    const list = await ok(`/api/safety/emergencies?${W}&limit=5`);
    expect(
      list.emergencies.map((e: { localTime: string; exhibition: string; floor: string }) => [
        e.localTime,
        e.exhibition,
        e.floor,
      ]),
    ).toEqual(expected.map((e) => [e.local, e.publicId, FLOOR_OF.get(e.publicId)]));
    // The instant is UTC: a BST local time is an hour ahead of it.
    const bst = list.emergencies.find((e: { localTime: string }) => e.localTime >= '2020-03-30');
    expect(bst, 'the newest emergencies include one in BST').toBeDefined();
    expect(bst.at.slice(11, 13)).toBe(String(Number(bst.localTime.slice(11, 13)) - 1).padStart(2, '0'));
  });

  it('shows new rows at once, even while another load holds the rollup fold', async () => {
    const holder = new PgClient({ ...pgAdmin() });
    await holder.connect();
    const liveTag = `${tag}-live`;
    try {
      // A long load that has folded and not yet committed: later loads cannot fold, only queue.
      await holder.query('begin');
      await holder.query(
        `select pg_advisory_xact_lock(hashtextextended('museum-etl:reporting.interaction_hourly', 0))`,
      );
      const before = await ok(`/api/safety/summary?${W}`);
      await insertEvents(
        db,
        [{ publicId: 'EXH_03', kind: 'request', value: 1, local: `${LAST} 17:59:59` }],
        liveTag,
        config.museum.timeZone,
      );
      const pending = await db.query('select count(*)::int as n from reporting.interaction_hourly_pending');
      expect(pending.rows[0].n).toBeGreaterThan(0);
      const after = await ok(`/api/safety/summary?${W}`);
      expect(after.emergency).toBe(before.emergency + 1);
      const list = await ok(`/api/safety/emergencies?${W}&limit=1`);
      expect(list.emergencies[0]).toMatchObject({ localTime: `${LAST} 17:59:59`, exhibition: 'EXH_03' });
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    // The next load folds what was queued; deleting rows takes them out of the counts again.
    await deleteEvents(db, liveTag);
    const pending = await db.query('select count(*)::int as n from reporting.interaction_hourly_pending');
    expect(pending.rows[0].n).toBe(0);
    const summary = await ok(`/api/safety/summary?${W}`);
    expect(summary.emergency).toBe(events.filter((e) => e.kind === 'request' && e.value === 1).length);
  });

  it('gives the same answers from the hourly level when the daily level counts days in another zone', async () => {
    const paths = [
      `/api/exhibitions/popularity?${W}`,
      `/api/exhibitions/ratings-over-time?${W}&floor=2`,
      `/api/exhibitions/ratings-over-time?from=2020-01-01&to=2020-06-30`,
      `/api/safety/by-floor?from=2020-03-29&to=2020-03-29`,
    ];
    const daily = await Promise.all(paths.map(ok));
    await db.query(`select reporting.set_rollup_time_zone('America/New_York')`);
    try {
      const hourlyServer = await startDashboardServer(config, { port: 0 });
      try {
        for (const [i, path] of paths.entries()) {
          const res = await fetch(new URL(path, hourlyServer.url), { headers: AUTH });
          expect(await res.json(), path).toEqual(daily[i]);
        }
      } finally {
        await hourlyServer.close();
      }
    } finally {
      await db.query(`select reporting.set_rollup_time_zone('Europe/London')`);
    }
  });

  it('keeps the rollup equal to the interaction tables', async () => {
    const { rows } = await db.query(`
      with raw as (
        select date_bin('1 hour', event_at, timestamptz '2000-01-01 00:00+00') as h, exhibition_id,
               count(*) filter (where rating_id = 0) as r0, count(*) filter (where rating_id = 4) as r4,
               0::bigint as qe
        from rating_interaction group by 1, 2
        union all
        select date_bin('1 hour', event_at, timestamptz '2000-01-01 00:00+00'), exhibition_id, 0, 0,
               count(*) filter (where request_id = 1)
        from request_interaction group by 1, 2
      ), a as (select h, exhibition_id, sum(r0) r0, sum(r4) r4, sum(qe) qe from raw group by 1, 2),
      b as (select hour_start as h, exhibition_id, sum(rating_0) r0, sum(rating_4) r4, sum(emergency) qe
            from reporting.interaction_hourly_live group by 1, 2
            having sum(rating_0 + rating_1 + rating_2 + rating_3 + rating_4 + assistance + emergency) <> 0)
      select (select count(*) from (select * from a except select * from b) x)::int as missing,
             (select count(*) from (select * from b except select * from a) x)::int as extra`);
    expect(rows[0]).toEqual({ missing: 0, extra: 0 });
    const days = await db.query(`
      with a as (select (event_at at time zone 'Europe/London')::date as day, exhibition_id, count(*) as n
                 from rating_interaction group by 1, 2),
           b as (select day, exhibition_id, sum(rating_0 + rating_1 + rating_2 + rating_3 + rating_4) as n
                 from reporting.interaction_daily_live group by 1, 2 having sum(rating_0 + rating_1 + rating_2 + rating_3 + rating_4) <> 0)
      select (select count(*) from (select * from a except select * from b) x)::int as missing,
             (select count(*) from (select * from b except select * from a) x)::int as extra`);
    expect(days.rows[0]).toEqual({ missing: 0, extra: 0 });
  });
});

function pgAdmin() {
  return {
    host: config.pg.host,
    port: config.pg.port,
    user: config.pg.user,
    password: config.pg.password,
    database: config.pg.database,
  };
}

describe('dashboard API validation', () => {
  const bad: Array<[string, RegExp]> = [
    ['/api/exhibitions/popularity?from=2020-02-30', /from must be a date/],
    ['/api/exhibitions/popularity?from=yesterday', /from must be a date/],
    ['/api/exhibitions/popularity?to=2020-3-1', /to must be a date/],
    ['/api/exhibitions/popularity?from=2020-03-02&to=2020-03-01', /is after/],
    ['/api/exhibitions/popularity?from=2020-03-01&from=2020-03-02', /given 2 times/],
    ['/api/exhibitions/top-rated?exhibition=EXH_99', /unknown exhibition EXH_99/],
    ["/api/exhibitions/top-rated?exhibition=1' or '1'='1", /exhibition must be an exhibition id/],
    ['/api/exhibitions/rating-distribution?floor=Basement', /unknown floor "Basement"/],
    ['/api/safety/summary?type=fire', /type must be assistance or emergency/],
    ['/api/safety/by-hour?colour=red', /unknown parameter "colour"/],
    ['/api/safety/by-floor?limit=5', /unknown parameter "limit"/],
    ['/api/safety/emergencies?limit=0', /limit must be/],
    ['/api/safety/emergencies?limit=1e3', /limit must be/],
    ['/api/safety/emergencies?limit=201', /limit must be/],
    ['/api/exhibitions/ratings-over-time?from=99999-01-01', /from must be a date/],
    [`/api/safety/by-exhibition?floor=${'x'.repeat(500)}`, /too long/],
    ['/api/meta?x=1', /takes no parameters/],
  ];
  it.each(bad)('%s is a 400 with a reason', async (path, reason) => {
    const { status, body } = await api(path);
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'bad_request', reason: expect.stringMatching(reason) });
  });

  it('answers unknown endpoints with 404 and other methods with 405', async () => {
    expect((await api('/api/nope')).status).toBe(404);
    const res = await fetch(new URL('/api/meta', dash.server.url), { method: 'POST', headers: AUTH });
    expect(res.status).toBe(405);
    expect((await fetch(new URL('/nope', dash.server.url), { headers: AUTH })).status).toBe(404);
  });

  it('serves both views and the charting library', async () => {
    for (const path of ['/exhibitions', '/safety', '/app.js', '/style.css', '/vendor/chart.umd.min.js']) {
      const res = await fetch(new URL(path, dash.server.url), { headers: AUTH });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
    const root = await fetch(new URL('/?floor=1', dash.server.url), { redirect: 'manual', headers: AUTH });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/exhibitions?floor=1');
  });
});

describe('dashboard database role', () => {
  it('reads as the read-only reporting role', async () => {
    const health = await ok('/api/health');
    expect(health).toEqual({ ok: true, databaseUser: config.pg.readerUser, readOnly: true });
  });

  it('gives that role nothing but reads of the reporting schema', async () => {
    const reader = new PgClient({
      ...pgAdmin(),
      user: config.pg.readerUser,
      password: config.pg.readerPassword,
    });
    await reader.connect();
    try {
      await reader.query('select count(*) from reporting.interaction_hourly_live');
      await reader.query('select count(*) from reporting.emergency_event');
      for (const sql of [
        'select * from rating_interaction limit 1',
        'select reporting.refresh_interaction_hourly()',
        'select reporting.rebuild_interaction_hourly()',
        'insert into reporting.interaction_hourly_pending (hour_start, exhibition_id) values (now(), 1)',
        'delete from reporting.interaction_hourly',
      ]) {
        await expect(reader.query(sql), sql).rejects.toThrow(/permission denied/);
      }
    } finally {
      await reader.end();
    }
  });

  it('refuses to start as a role that can write', async () => {
    const writer = stackConfig({
      PG_READER_USER: config.pg.user,
      PG_READER_PASSWORD: config.pg.password ?? '',
    });
    await expect(startDashboardServer(writer, { port: 0 })).rejects.toThrow(/can write.*read-only role/);
  });

  it('refuses to start when the reader cannot log in, naming the fix', async () => {
    const wrong = stackConfig({ PG_READER_PASSWORD: 'not-the-password' });
    await expect(startDashboardServer(wrong, { port: 0 })).rejects.toThrow(
      /cannot read as museum_reader.*seed/,
    );
  });
});

describe('dashboard access control', () => {
  const origin = () => new URL(dash.server.url).origin;
  const login = (form: Record<string, string>, headers: Record<string, string> = { origin: origin() }) =>
    fetch(new URL('/login', dash.server.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0]!;

  it.each([...API_ROUTES, '/api/nope'])('%s is a 401 JSON without credentials', async (path) => {
    const variants: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-0123456789' },
      { cookie: 'museum_dashboard_session=forged' },
    ];
    for (const headers of variants) {
      const res = await fetch(new URL(`${path}?${W}`, dash.server.url), { headers });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toEqual({ error: 'unauthorized', reason: expect.any(String) });
    }
  });

  it('shows the login page for views without credentials', async () => {
    for (const path of ['/exhibitions', '/safety?floor=1', '/', '/app.js']) {
      const res = await fetch(new URL(path, dash.server.url), { redirect: 'manual' });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain('action="/login"');
      expect(html).toContain('name="password"');
      expect(html).not.toContain('<script');
    }
    // What the login page itself needs is public.
    expect((await fetch(new URL('/style.css', dash.server.url))).status).toBe(200);
  });

  it('trades a valid ?token= for a session cookie and drops the token from the URL', async () => {
    const wrong = await fetch(new URL('/safety?token=nope&floor=1', dash.server.url), { redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const res = await fetch(new URL(`/safety?floor=1&token=${TOKEN}`, dash.server.url), {
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/safety?floor=1');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^museum_dashboard_session=[\w-]{40,};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure');
    const cookie = cookieOf(res);
    const meta = await fetch(new URL('/api/meta', dash.server.url), { headers: { cookie } });
    expect(meta.status).toBe(200);
    expect((await fetch(new URL('/safety', dash.server.url), { headers: { cookie } })).status).toBe(200);

    // Behind a TLS proxy the cookie is Secure.
    const tls = await fetch(new URL(`/?token=${TOKEN}`, dash.server.url), {
      redirect: 'manual',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(tls.headers.get('set-cookie')).toContain('Secure');

    // Signing out ends the session.
    const out = await fetch(new URL('/logout', dash.server.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: origin() },
    });
    expect(out.status).toBe(303);
    expect((await fetch(new URL('/api/meta', dash.server.url), { headers: { cookie } })).status).toBe(401);
  });

  it('signs a user in with the password of their hash and rejects a wrong one', async () => {
    const wrong = await login({ username: 'curator', password: 'wrong password', next: '/safety' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('Wrong user name or password');
    const nobody = await login({ username: 'nobody', password: PASSWORD });
    expect(nobody.status).toBe(401);

    const res = await login({ username: 'curator', password: PASSWORD, next: '/safety?floor=2' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/safety?floor=2');
    const cookie = cookieOf(res);
    expect((await fetch(new URL('/api/health', dash.server.url), { headers: { cookie } })).status).toBe(200);

    // `next` never leads off the server.
    const away = await login({ username: 'curator', password: PASSWORD, next: '//evil.example/x' });
    expect(away.headers.get('location')).toBe('/');
  });

  it('refuses a login form posted from another origin or without one', async () => {
    const form = { username: 'curator', password: PASSWORD };
    const variants: Array<Record<string, string>> = [
      { origin: 'http://evil.example' },
      {},
      { origin: 'null' },
    ];
    for (const headers of variants) {
      const res = await login(form, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    // A browser sends `Origin: null` under Referrer-Policy: no-referrer, with Sec-Fetch-Site: same-origin.
    const browser = await login(form, { origin: 'null', 'sec-fetch-site': 'same-origin' });
    expect(browser.status).toBe(303);
  });

  it('sends the security headers on every response', async () => {
    const responses = [
      await fetch(new URL('/api/meta', dash.server.url)),
      await fetch(new URL('/api/meta', dash.server.url), { headers: AUTH }),
      await fetch(new URL('/exhibitions', dash.server.url)),
      await fetch(new URL('/exhibitions', dash.server.url), { headers: AUTH }),
      await fetch(new URL('/login', dash.server.url)),
      await fetch(new URL('/nope', dash.server.url), { headers: AUTH }),
      await fetch(new URL('/style.css', dash.server.url)),
      await fetch(new URL('/?token=x', dash.server.url), { redirect: 'manual' }),
    ];
    for (const res of responses) {
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('makes a one-time token when nothing is configured, and refuses a non-loopback host then', async () => {
    const open = stackConfig();
    const local = await startDashboardServer(open, { port: 0 });
    try {
      expect(local.generatedToken).toMatch(/^[0-9a-f]{48}$/);
      expect(local.openUrl).toBe(`${local.url}?token=${local.generatedToken}`);
      expect((await fetch(new URL('/api/meta', local.url))).status).toBe(401);
      const res = await fetch(local.openUrl, { redirect: 'manual' });
      expect(res.status).toBe(303);
      const cookie = cookieOf(res);
      expect((await fetch(new URL('/api/meta', local.url), { headers: { cookie } })).status).toBe(200);
    } finally {
      await local.close();
    }
    await expect(startDashboardServer(open, { port: 0, host: '0.0.0.0' })).rejects.toThrow(
      /DASHBOARD_TOKEN.*DASHBOARD_USERS/,
    );
    // With a token configured it may listen on every interface.
    const shared = await startDashboardServer(config, { port: 0, host: '0.0.0.0' });
    expect(shared.generatedToken).toBeUndefined();
    expect(shared.openUrl).toBe(shared.url);
    await shared.close();
  });

  it('`museum-etl dashboard hash-password` hashes a password read from stdin', () => {
    const bin = path.join(REPO_ROOT, 'bin', 'museum-etl.js');
    const run = (input: string) =>
      spawnSync(process.execPath, [bin, 'dashboard', 'hash-password'], { input, encoding: 'utf8' });
    const out = run('a fine password\n');
    expect(out.status, out.stderr).toBe(0);
    const hash = out.stdout.trim();
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(verifyPassword('a fine password', hash)).toBe(true);
    expect(stackConfig({ DASHBOARD_USERS: `ann:${hash}` }).dashboard.users).toEqual([{ name: 'ann', hash }]);
    const short = run('short');
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/at least 8 characters/);
  });
});
