/* eslint-disable @typescript-eslint/no-explicit-any -- reading Chart.js state inside the page */
/**
 * The dashboards in headless Chromium (Debian's package, driven by playwright-core): both views load,
 * the numbers on the page are the database's for a known data set, a filter changes them, and a new
 * emergency appears without a reload. UPDATE_SCREENSHOTS=1 also writes the screenshots in docs/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../config/paths';
import { hashPassword } from '../../dashboard/auth';
import { startDashboardServer, type DashboardServer } from '../../dashboard/server';
import { createPgPool } from '../../worker/connections';
import { stackConfig, uniqueName } from '../support/env';
import { CHROMIUM, CHROMIUM_ARGS } from './support/chromium';
import { deleteEvents, insertEvents, knownDataSet, seedDashboardDatabase } from './support/dashboard-data';

// These run inside the page (page.evaluate / waitForFunction); the project's TypeScript has no DOM types.
declare const document: any;
declare const window: any;

// Ten museum days across the 2021 spring DST change, apart from the API test's window.
const FIRST = '2021-03-22';
const LAST = '2021-03-31';
const WINDOW = `from=${FIRST}&to=${LAST}`;
const TOKEN = 'dash-e2e-test-token-0123456789';
const PASSWORD = 'a curator password';
const config = stackConfig({
  DASHBOARD_TOKEN: TOKEN,
  DASHBOARD_USERS: `curator:${hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 })}`,
});
/** Pages open with the token as a Bearer header; the login test below goes through the form instead. */
const AUTH = { extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } };
const db = createPgPool(config);
const tag = uniqueName('dash-e2e');
let server: DashboardServer;
let browser: Browser;
const problems: string[] = [];

/** What the database itself says for the window (as the writer, straight from the interaction tables). */
async function dbNumbers(floor?: string) {
  const params: unknown[] = [FIRST, LAST, config.museum.timeZone, floor ?? null];
  const where = `event_at >= ($1::date)::timestamp at time zone $3 and event_at < ($2::date + 1)::timestamp at time zone $3
                 and ($4::text is null or f.floor_name = $4)`;
  const ratings = await db.query<{ public_id: string; exhibition_name: string; n: number; avg: number }>(
    `select e.public_id, e.exhibition_name, count(*)::int as n, avg(rating_id)::float8 as avg
     from rating_interaction join exhibition e using (exhibition_id) join floor f using (floor_id)
     where ${where} group by 1, 2 order by avg(rating_id) desc, count(*) desc`,
    params,
  );
  const requests = await db.query<{ assistance: number; emergency: number }>(
    `select count(*) filter (where request_id = 0)::int as assistance, count(*) filter (where request_id = 1)::int as emergency
     from request_interaction join exhibition e using (exhibition_id) join floor f using (floor_id) where ${where}`,
    params,
  );
  const all = await db.query<{ n: number; avg: number }>(
    `select count(*)::int as n, avg(rating_id)::float8 as avg
     from rating_interaction join exhibition e using (exhibition_id) join floor f using (floor_id) where ${where}`,
    params,
  );
  const latest = await db.query<{ local: string; exhibition_name: string }>(
    `select to_char(event_at at time zone $3, 'YYYY-MM-DD HH24:MI:SS') as local, e.exhibition_name
     from request_interaction join exhibition e using (exhibition_id) join floor f using (floor_id)
     where request_id = 1 and ${where} order by event_at desc limit 20`,
    params,
  );
  return {
    perExhibition: ratings.rows,
    ratings: all.rows[0]!.n,
    average: all.rows[0]!.avg,
    ...requests.rows[0]!,
    latest: latest.rows,
  };
}

/** Requests per floor and museum hour of day in the window, from the interaction tables. */
async function dbHeatmap(type?: 'assistance' | 'emergency') {
  const { rows } = await db.query<{ floor: string; hour: number; n: number }>(
    `select f.floor_name as floor, extract(hour from event_at at time zone $3)::int as hour, count(*)::int as n
     from request_interaction join exhibition e using (exhibition_id) join floor f using (floor_id)
     where event_at >= ($1::date)::timestamp at time zone $3 and event_at < ($2::date + 1)::timestamp at time zone $3
       and ($4::int is null or request_id = $4)
     group by 1, 2`,
    [FIRST, LAST, config.museum.timeZone, type === undefined ? null : type === 'emergency' ? 1 : 0],
  );
  return new Map(rows.map((r) => [`${r.floor} ${r.hour}`, r.n]));
}

/** The heatmap as drawn: floor -> [hour, count shown, tint] per cell. */
async function drawnHeatmap(page: Page) {
  return page.$$eval('#heatmap tbody tr', (trs) =>
    trs.map((tr: any) => ({
      floor: tr.dataset.floor as string,
      cells: [...tr.querySelectorAll('td.cell')].map((td: any) => ({
        hour: Number(td.dataset.hour),
        count: Number(td.textContent.replace(/\D/g, '')),
        heat: Number(td.style.getPropertyValue('--heat')),
      })),
    })),
  );
}

const number = (text: string | null) => Number((text ?? '').replace(/[^\d.]/g, ''));
const fmt = (n: number) => n.toLocaleString('en-GB');

async function open(view: string, query: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ ...AUTH, viewport, locale: 'en-GB', reducedMotion: 'reduce' });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  await page.goto(`${server.url}${view}?${query}`);
  await waitReady(page, query);
  return page;
}

/** The page marks the query its numbers are for once a refresh has drawn them. */
async function waitReady(page: Page, query: string): Promise<void> {
  const api = new URLSearchParams(query);
  if (!page.url().includes('/safety')) api.delete('type');
  await page.waitForFunction(
    (q) => document.body.dataset.state === 'ready' && document.body.dataset.query === q,
    api.toString(),
    { timeout: 15_000 },
  );
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  await seedDashboardDatabase(config, db);
  await insertEvents(db, knownDataSet(FIRST, 10, 11), tag, config.museum.timeZone);
  server = await startDashboardServer(config, { port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await deleteEvents(db, tag).catch(() => undefined);
  await db.end();
});

describe('dashboards in Chromium', () => {
  it('Exhibitions shows the database numbers for the known data set', async () => {
    const page = await open('exhibitions', WINDOW);
    const want = await dbNumbers();
    expect(await page.textContent('#kpi-ratings')).toBe(fmt(want.ratings));
    // Shown with two decimals: within half a hundredth of the database's exact average.
    expect(Math.abs(Number(await page.textContent('#kpi-average')) - want.average)).toBeLessThanOrEqual(
      0.0051,
    );
    expect(await page.textContent('#kpi-requests')).toBe(fmt(want.assistance + want.emergency));

    const rows = await page.$$eval('#top-rated tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows.map((r) => [r[1], number(r[3] ?? '')])).toEqual(
      want.perExhibition.map((r) => [r.exhibition_name, r.n]),
    );
    rows.forEach((r, i) => {
      expect(r[4]).toMatch(/^\d\.\d\d$/);
      expect(Math.abs(Number(r[4]) - want.perExhibition[i]!.avg)).toBeLessThanOrEqual(0.0051);
    });
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5', '6']);

    // The charts draw the same numbers (read back from Chart.js itself).
    const popularity = await page.evaluate(() => {
      const c = (globalThis as any).Chart.getChart('chart-popularity');
      return Object.fromEntries(c.data.labels.map((l: string, i: number) => [l, c.data.datasets[0].data[i]]));
    });
    expect(popularity).toEqual(Object.fromEntries(want.perExhibition.map((r) => [r.exhibition_name, r.n])));
    const series = await page.evaluate(
      () => (globalThis as any).Chart.getChart('chart-rating-time').data.labels.length,
    );
    expect(series).toBe(10); // one point per day: the bucket follows the range
    expect(await page.textContent('#bucket-label')).toBe('per day');
    await page.close();
  });

  it('a filter changes the numbers and is kept in the URL', async () => {
    const page = await open('exhibitions', WINDOW);
    const all = number(await page.textContent('#kpi-ratings'));
    await page.selectOption('#f-floor', '1');
    expect(new URL(page.url()).searchParams.get('floor')).toBe('1');
    await waitReady(page, `${WINDOW}&floor=1`);
    const want = await dbNumbers('1');
    expect(number(await page.textContent('#kpi-ratings'))).toBe(want.ratings);
    expect(want.ratings).toBeLessThan(all);
    expect(await page.$$eval('#top-rated tbody tr', (trs) => trs.length)).toBe(3); // three exhibitions on floor 1

    // The URL is the whole state: opening it elsewhere shows the same view.
    const shared = await open('exhibitions', new URL(page.url()).search.slice(1));
    expect(await shared.inputValue('#f-floor')).toBe('1');
    expect(await shared.inputValue('#f-from')).toBe(FIRST);
    expect(number(await shared.textContent('#kpi-ratings'))).toBe(want.ratings);
    // ... and switching view keeps the filters.
    await shared.click('#tab-safety');
    await waitReady(shared, `${WINDOW}&floor=1`);
    expect(number(await shared.textContent('#kpi-emergency'))).toBe(want.emergency);
    await page.close();
    await shared.close();
  });

  it('Safety shows the database numbers and the latest emergencies', async () => {
    const page = await open('safety', WINDOW);
    const want = await dbNumbers();
    expect(number(await page.textContent('#kpi-assistance'))).toBe(want.assistance);
    expect(number(await page.textContent('#kpi-emergency'))).toBe(want.emergency);
    expect(number(await page.textContent('#kpi-total-requests'))).toBe(want.assistance + want.emergency);
    const list = await page.$$eval('#emergency-list li', (lis) =>
      lis.map((li) => [li.querySelector('.when')?.textContent, li.querySelector('.where')?.textContent]),
    );
    expect(list).toEqual(want.latest.map((r) => [r.local, r.exhibition_name]));
    const share = await page.evaluate(
      () => (globalThis as any).Chart.getChart('chart-share').data.datasets[0].data,
    );
    expect(share).toEqual([want.assistance, want.emergency]);

    await page.selectOption('#f-type', 'emergency');
    await waitReady(page, `${WINDOW}&type=emergency`);
    expect(number(await page.textContent('#kpi-assistance'))).toBe(0);
    expect(number(await page.textContent('#kpi-total-requests'))).toBe(want.emergency);
    await page.close();
  });

  it('Safety draws the floor by hour heatmap with the database numbers, and follows the type filter', async () => {
    const page = await open('safety', WINDOW);
    const headers = await page.$$eval('#heatmap thead th', (ths) => ths.map((th) => th.textContent));
    expect(headers).toEqual([
      'Floor',
      '08',
      '09',
      '10',
      '11',
      '12',
      '13',
      '14',
      '15',
      '16',
      '17',
      '18',
      'Total',
    ]);
    for (const type of [undefined, 'emergency'] as const) {
      if (type) {
        await page.selectOption('#f-type', type);
        await waitReady(page, `${WINDOW}&type=${type}`);
      }
      const want = await dbHeatmap(type);
      const drawn = await drawnHeatmap(page);
      expect(drawn.map((r) => r.floor)).toEqual(['Vault', '1', '2', '3']);
      const max = Math.max(...want.values());
      for (const { floor, cells } of drawn) {
        for (const c of cells) {
          const n = want.get(`${floor} ${c.hour}`) ?? 0;
          expect(c.count, `${floor} ${c.hour}:00`).toBe(n);
          // The tint grows with the count: none for 0, full for the busiest cell.
          if (n === 0) expect(c.heat).toBe(0);
          else expect(c.heat).toBeCloseTo(0.12 + (0.88 * n) / max, 3);
        }
      }
      expect(await page.getAttribute('#card-heatmap', 'data-measure')).toBe(type ?? 'total');
      expect(number(await page.textContent('#heatmap-max'))).toBe(max);
      expect(await page.isVisible('#heatmap')).toBe(true);
    }
    await page.close();
  });

  it('a new emergency appears live at the next refresh (every 2 s: within 5 s), without a reload', async () => {
    const page = await open('safety', WINDOW);
    await page.evaluate(() => ((globalThis as any).__sameDocument = true));
    const before = number(await page.textContent('#kpi-emergency'));
    const liveTag = `${tag}-live`;
    const refreshes = async () => Number(await page.evaluate(() => document.body.dataset.refreshes));
    await insertEvents(
      db,
      [{ publicId: 'EXH_04', kind: 'request', value: 1, local: `${LAST} 18:10:00` }],
      liveTag,
      config.museum.timeZone,
    );
    try {
      // Counted after the insert committed: a refresh under way then may miss it, the next one may not.
      const refreshesBefore = await refreshes();
      await page.waitForFunction(
        (when) => document.querySelector('#emergency-list li .when')?.textContent === when,
        `${LAST} 18:10:00`,
        { timeout: 60_000 },
      );
      expect(await refreshes()).toBeLessThanOrEqual(refreshesBefore + 2);
      const first = page.locator('#emergency-list li').first();
      expect(await first.locator('.where').textContent()).toBe('Our Polluted World');
      expect(await first.locator('.floor').textContent()).toBe('Floor 3');
      expect(await first.getAttribute('class')).toContain('new');
      await page.waitForFunction(
        (n) => document.querySelector('#kpi-emergency')?.textContent === n,
        fmt(before + 1),
      );
      expect(await page.title()).toMatch(/New emergency/);
      expect(await page.evaluate(() => (globalThis as any).__sameDocument)).toBe(true);
    } finally {
      await deleteEvents(db, liveTag);
    }
    await page.close();
  });

  it('is readable at phone width', async () => {
    for (const view of ['exhibitions', 'safety']) {
      const page = await open(view, WINDOW, { width: 390, height: 844 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${view} scrolls sideways`).toBeLessThanOrEqual(0);
      const canvasWidth = await page.$eval(
        'main:not([hidden]) canvas',
        (c) => c.getBoundingClientRect().width,
      );
      expect(canvasWidth).toBeGreaterThan(250);
      await page.close();
    }
  });

  it('shows a clear empty state', async () => {
    const page = await open('exhibitions', 'from=2019-01-01&to=2019-01-02');
    expect(await page.isVisible('#notice')).toBe(true);
    expect(await page.textContent('#notice')).toMatch(/Nothing matches these filters/);
    expect(await page.textContent('#kpi-ratings')).toBe('0');
    expect(await page.isVisible('#card-popularity .empty-msg')).toBe(true);
    expect(await page.isVisible('#chart-popularity')).toBe(false);
    await page.close();
  });

  it('shows a bad filter as a message, not a broken page', async () => {
    const page = await browser.newPage(AUTH);
    await page.goto(`${server.url}safety?from=2021-02-30`);
    await page.waitForFunction(() => document.body.dataset.state === 'bad-filter');
    expect(await page.textContent('#notice')).toMatch(/from must be a date/);
    await page.close();
  });

  it('signs in through the login form and lands on the page asked for', async () => {
    const page = await browser.newPage({ locale: 'en-GB' });
    const asked = `safety?${WINDOW}&floor=1`;
    const first = await page.goto(`${server.url}${asked}`);
    expect(first?.status()).toBe(401);
    expect(await page.isVisible('#login-form')).toBe(true);

    await page.fill('#login-user', 'curator');
    await page.fill('#login-password', 'not the password');
    await Promise.all([page.waitForNavigation(), page.click('#login-form button[type=submit]')]);
    expect(await page.textContent('.login-error')).toMatch(/Wrong user name or password/);

    await page.fill('#login-user', 'curator');
    await page.fill('#login-password', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('#login-form button[type=submit]')]);
    expect(page.url()).toBe(`${server.url}${asked}`);
    await waitReady(page, `${WINDOW}&floor=1`);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'museum_dashboard_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    await page.close();
  });

  it('with only a token configured, the login page asks for it and refuses a wrong one', async () => {
    const tokenOnly = await startDashboardServer(stackConfig({ DASHBOARD_TOKEN: TOKEN }), { port: 0 });
    const page = await browser.newPage({ locale: 'en-GB' });
    try {
      const first = await page.goto(`${tokenOnly.url}safety`);
      expect(first?.status()).toBe(401);
      expect(await page.isVisible('#token-form')).toBe(true);
      expect(await page.isVisible('#login-form')).toBe(false);
      expect(await page.isVisible('#view-safety')).toBe(false);

      await page.fill('#login-token', 'not-the-token-0123456789');
      await Promise.all([page.waitForNavigation(), page.click('#token-form button[type=submit]')]);
      expect(await page.textContent('.login-error')).toMatch(/token is not valid/);
      expect(await page.context().cookies()).toEqual([]);

      await page.fill('#login-token', TOKEN);
      await Promise.all([page.waitForNavigation(), page.click('#token-form button[type=submit]')]);
      // The token is traded for a session cookie and dropped from the address bar.
      expect(page.url()).toBe(`${tokenOnly.url}safety`);
      await waitReady(page, '');
      expect(await page.isVisible('#card-heatmap')).toBe(true);
    } finally {
      await page.close();
      await tokenOnly.close();
    }
  });

  it('trades the token in the URL for a session and shows the page without it', async () => {
    const page = await browser.newPage({ locale: 'en-GB' });
    await page.goto(`${server.url}exhibitions?${WINDOW}&token=${TOKEN}`);
    expect(page.url()).toBe(`${server.url}exhibitions?${WINDOW}`);
    await waitReady(page, WINDOW);
    await page.close();
  });

  it('renders both views to screenshots (written to docs/ with UPDATE_SCREENSHOTS=1)', async () => {
    // Always rendered, so a broken page fails here; only kept in docs/ when asked.
    const dir =
      process.env.UPDATE_SCREENSHOTS === '1'
        ? repoPath('docs')
        : fs.mkdtempSync(path.join(os.tmpdir(), 'shots-'));
    fs.mkdirSync(dir, { recursive: true });
    for (const view of ['exhibitions', 'safety']) {
      // Tall enough for the whole page, so taking it does not resize (and redraw) the charts.
      const page = await open(view, WINDOW, { width: 1280, height: 1500 });
      const height = await page.evaluate(() =>
        Math.ceil(document.querySelector('footer').getBoundingClientRect().bottom + window.scrollY),
      );
      await page.setViewportSize({ width: 1280, height });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(dir, `dashboard-${view}.png`) });
      await page.close();
    }
    const phone = await open('safety', WINDOW, { width: 390, height: 844 });
    await phone.waitForTimeout(500);
    await phone.screenshot({ path: path.join(dir, 'dashboard-safety-phone.png') });
    await phone.close();
    for (const name of ['dashboard-exhibitions.png', 'dashboard-safety.png', 'dashboard-safety-phone.png']) {
      // A PNG of a laid-out page, not an empty or error screen: comfortably above a blank image's size.
      expect(fs.statSync(path.join(dir, name)).size).toBeGreaterThan(20_000);
    }
  });

  // Last, so it covers every page the tests above opened.
  it('raised no page errors and no console errors', () => {
    expect(problems).toEqual([]);
  });
});
