/* eslint-disable @typescript-eslint/no-explicit-any -- reading Chart.js state inside the page */
/**
 * The Pinterest insights page in headless Chromium: signed in through the form, it shows its empty
 * state, then draws the fixed data set's hand-computed answers without a reload once it is loaded,
 * and links to the other two pages. UPDATE_SCREENSHOTS=1 also writes docs/dashboard-pinterest.png.
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
import { stackConfig } from '../support/env';
import { clearPinterestTables, loadPinterestFixture } from '../support/pinterest-insights';
import { CHROMIUM, CHROMIUM_ARGS } from './support/chromium';
import { seedDashboardDatabase } from './support/dashboard-data';

declare const document: any;

const PASSWORD = 'an analyst password';
const config = stackConfig({
  DASHBOARD_TOKEN: 'pinterest-e2e-test-token-0123456789',
  DASHBOARD_USERS: `analyst:${hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 })}`,
});
const db = createPgPool(config);
let server: DashboardServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

/** A chart's labels and each dataset's values by label, read back from Chart.js itself. */
function drawn(id: string) {
  return page.evaluate((chartId) => {
    const c = (globalThis as any).Chart.getChart(chartId);
    return {
      labels: c.data.labels,
      datasets: Object.fromEntries(c.data.datasets.map((d: any) => [d.label, d.data])),
    };
  }, id);
}

/** Waits for a refresh after the current one, so what is drawn reflects the database now. */
async function nextRefresh(): Promise<void> {
  const seen = Number(await page.evaluate(() => document.body.dataset.refreshes));
  await page.waitForFunction(
    (n) => document.body.dataset.state === 'ready' && Number(document.body.dataset.refreshes) > n,
    seen,
    { timeout: 15_000 },
  );
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  await seedDashboardDatabase(config, db);
  await clearPinterestTables(db);
  server = await startDashboardServer(config, { port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({
    locale: 'en-GB',
    reducedMotion: 'reduce',
    viewport: { width: 1280, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await clearPinterestTables(db).catch(() => undefined);
  await db.end();
});

describe('Pinterest insights in Chromium', () => {
  it('signs in through the login form and lands on the Pinterest insights page', async () => {
    const first = await page.goto(`${server.url}pinterest`);
    expect(first?.status()).toBe(401);
    await page.fill('#login-user', 'analyst');
    await page.fill('#login-password', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('#login-form button[type=submit]')]);
    expect(page.url()).toBe(`${server.url}pinterest`);
    // From here on (the sign-in page's own 401 is expected), any error on the page is a failure.
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    await page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: 15_000 });
    expect(await page.title()).toBe('Pinterest insights – Museum dashboards');
    expect(await page.getAttribute('#tab-pinterest', 'aria-current')).toBe('page');
    expect(await page.isVisible('#view-pinterest')).toBe(true);
    expect(await page.isVisible('#filters')).toBe(false);
  });

  it('shows a clear empty state before any post is loaded', async () => {
    expect(await page.textContent('#notice')).toMatch(/No Pinterest posts have been loaded yet/);
    expect(await page.textContent('#kpi-countries')).toBe('0');
    for (const card of [
      'category-country',
      'category-year',
      'users-joined',
      'followers-age',
      'top-posters',
    ]) {
      expect(await page.isVisible(`#card-${card} .empty-msg`), card).toBe(true);
    }
    expect(await page.isVisible('#chart-category-country')).toBe(false);
  });

  it('draws the views’ answers once posts arrive, without a reload', async () => {
    await loadPinterestFixture(db);
    await nextRefresh();
    expect(await page.isVisible('#notice')).toBe(false);
    expect(await page.textContent('#kpi-countries')).toBe('3');
    expect(await page.textContent('#kpi-users-joined')).toBe('6');
    expect(await page.textContent('#kpi-top-country')).toBe('France');
    expect(await page.textContent('#kpi-top-poster')).toBe('Bob, 300 followers');

    expect(await drawn('chart-category-country')).toEqual({
      labels: ['France', 'Peru', 'Chad'],
      datasets: { Travel: [null, null, 1], art: [2, null, null], food: [null, 2, null] },
    });
    expect(await drawn('chart-category-year')).toEqual({
      labels: ['2018', '2019', '2020', '2022'],
      datasets: { Travel: [null, null, null, 1], art: [1, 1, null, null], food: [null, null, 1, null] },
    });
    expect(await drawn('chart-users-joined')).toEqual({
      labels: ['2015', '2016', '2020'],
      datasets: { 'Users joined': [3, 2, 1] },
    });
    expect(await drawn('chart-followers-age')).toEqual({
      labels: ['18-24', '36-50', '50+'],
      datasets: { 'Median followers': [300, 50, 460] },
    });
    expect(await drawn('chart-followers-join')).toEqual({
      labels: ['2015', '2016', '2020'],
      datasets: {
        'All ages': [60, 300, 50],
        '18-24': [null, 300, null],
        '36-50': [null, null, 50],
        '50+': [20, null, null],
      },
    });
    const rows = await page.$$eval('#top-posters tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows).toEqual([
      ['France', 'Bob', '300'],
      ['Chad', 'Dee', '50'],
      ['Peru', 'Fay', '20'],
    ]);
    for (const id of ['chart-category-country', 'chart-followers-join']) {
      expect(await page.isVisible(`#${id}`), id).toBe(true);
    }
  });

  it('links to the other two pages and back', async () => {
    await Promise.all([page.waitForNavigation(), page.click('#tab-safety')]);
    expect(new URL(page.url()).pathname).toBe('/safety');
    await page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: 15_000 });
    await Promise.all([page.waitForNavigation(), page.click('#tab-pinterest')]);
    expect(new URL(page.url()).pathname).toBe('/pinterest');
    await page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: 15_000 });
    expect(await page.textContent('#kpi-top-country')).toBe('France');
  });

  it('renders to a screenshot (written to docs/ with UPDATE_SCREENSHOTS=1)', async () => {
    const dir =
      process.env.UPDATE_SCREENSHOTS === '1'
        ? repoPath('docs')
        : fs.mkdtempSync(path.join(os.tmpdir(), 'shots-'));
    const height = await page.evaluate(() =>
      Math.ceil(
        document.querySelector('footer').getBoundingClientRect().bottom + (globalThis as any).scrollY,
      ),
    );
    await page.setViewportSize({ width: 1280, height });
    await page.waitForTimeout(500);
    const file = path.join(dir, 'dashboard-pinterest.png');
    await page.screenshot({ path: file });
    expect(fs.statSync(file).size).toBeGreaterThan(20_000);
  });

  it('raised no page errors and no console errors', () => {
    expect(problems).toEqual([]);
  });
});
