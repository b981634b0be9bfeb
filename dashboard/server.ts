/**
 * The dashboards' HTTP server: three static views (Exhibitions, Safety, Pinterest insights), Chart.js served from
 * node_modules, and a small JSON API under /api/. It connects to PostgreSQL only as the read-only
 * reporting role and refuses to start as any role that could write.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { repoPath } from '../config/paths';
import { createPgPool } from '../worker/connections';
import { BadRequest, parseQuery, REQUEST_TYPES, selectedFloors, type Filters } from './filters';
import { DashboardQueries, RATING_LABELS, type ExhibitionTotals } from './queries';
import { DashboardAuth, isLoopback } from './auth';
import type { ApiRoute } from './api-routes';
import { pinterestRoutes } from '../datasets/pinterest/dashboard';

export interface DashboardOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  logger?: Logger;
}

export interface DashboardServer {
  /** The server's base URL (no credentials). */
  url: string;
  /** The URL to open: with `?token=` when the token was made at start, else the base URL. */
  openUrl: string;
  /** The one-time token made at start, when neither DASHBOARD_TOKEN nor DASHBOARD_USERS is set. */
  generatedToken?: string;
  close(): Promise<void>;
}

/** Pages poll this often; the API is cheap enough that new data shows within about 2-3 s. */
export const REFRESH_MS = 2_000;

const PUBLIC_DIR = repoPath('dashboard', 'public');
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

const STATIC: Record<string, { file: string; type: string }> = {
  '/exhibitions': { file: path.join(PUBLIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/safety': { file: path.join(PUBLIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/pinterest': { file: path.join(PUBLIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: path.join(PUBLIC_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/pinterest.js': { file: path.join(PUBLIC_DIR, 'pinterest.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: path.join(PUBLIC_DIR, 'style.css'), type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: path.join(PUBLIC_DIR, 'favicon.svg'), type: 'image/svg+xml' },
  '/vendor/chart.umd.min.js': { file: CHART_JS, type: 'text/javascript; charset=utf-8' },
};

const LOGIN_PAGE = path.join(PUBLIC_DIR, 'login.html');
/** Reachable without credentials: what the sign-in page itself needs. */
const PUBLIC_ASSETS = new Set(['/style.css', '/favicon.svg']);

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
};

type Handler = (params: URLSearchParams) => Promise<unknown>;

const share = (part: number, total: number) => (total > 0 ? Math.round((part / total) * 10_000) / 10_000 : 0);
const average = (t: ExhibitionTotals) =>
  t.ratings > 0 ? Math.round((t.score / t.ratings) * 1000) / 1000 : null;
const requestsOf = (t: ExhibitionTotals, f: Filters) =>
  f.type === 'assistance' ? t.assistance : f.type === 'emergency' ? t.emergency : t.assistance + t.emergency;

function routes(q: DashboardQueries, pool: Pool): Record<ApiRoute, Handler> {
  /** Parses and validates; an unknown exhibition is re-checked against a fresh catalogue once. */
  const parse = async (params: URLSearchParams, extra: ReadonlyArray<'limit'> = []) => {
    try {
      return parseQuery(params, await q.getCatalogue(), extra);
    } catch (err) {
      if (err instanceof BadRequest && /^unknown (exhibition|floor)/.test(err.message)) {
        return parseQuery(params, await q.getCatalogue(true), extra);
      }
      throw err;
    }
  };

  return {
    ...pinterestRoutes(pool),

    '/api/meta': async (params) => {
      if ([...params.keys()].length > 0) throw new BadRequest('meta takes no parameters');
      const [catalogue, range] = await Promise.all([q.getCatalogue(), q.dataRange()]);
      return {
        timeZone: q.timeZone,
        today: range.today,
        dataRange: { first: range.first, last: range.last },
        refreshMs: REFRESH_MS,
        exhibitions: catalogue.exhibitions.map((e) => ({
          exhibition: e.publicId,
          name: e.name,
          floor: e.floor,
          department: e.department,
          startDate: e.startDate,
        })),
        floors: catalogue.floors,
        requestTypes: REQUEST_TYPES,
        ratings: RATING_LABELS,
      };
    },

    '/api/exhibitions/ratings-over-time': async (params) => {
      const { filters } = await parse(params);
      return { filters, ...(await q.ratingsOverTime(filters)) };
    },

    '/api/exhibitions/popularity': async (params) => {
      const { filters } = await parse(params);
      const totals = await q.exhibitionTotals(filters);
      const rows = totals
        .map((t) => ({
          exhibition: t.exhibition,
          name: t.name,
          floor: t.floor,
          ratings: t.ratings,
          requests: requestsOf(t, filters),
          interactions: t.ratings + requestsOf(t, filters),
        }))
        .sort((a, b) => b.interactions - a.interactions || a.exhibition.localeCompare(b.exhibition));
      const ratings = rows.reduce((s, r) => s + r.ratings, 0);
      const requests = rows.reduce((s, r) => s + r.requests, 0);
      const score = totals.reduce((s, t) => s + t.score, 0);
      return {
        filters,
        totals: {
          ratings,
          requests,
          interactions: ratings + requests,
          averageRating: ratings > 0 ? Math.round((score / ratings) * 1000) / 1000 : null,
        },
        exhibitions: rows,
      };
    },

    '/api/exhibitions/top-rated': async (params) => {
      const { filters } = await parse(params);
      const totals = await q.exhibitionTotals(filters);
      const rated = totals
        .filter((t) => t.ratings > 0)
        .sort(
          (a, b) =>
            b.score / b.ratings - a.score / a.ratings ||
            b.ratings - a.ratings ||
            a.exhibition.localeCompare(b.exhibition),
        );
      return {
        filters,
        exhibitions: [
          ...rated.map((t, i) => ({
            rank: i + 1,
            exhibition: t.exhibition,
            name: t.name,
            floor: t.floor,
            ratings: t.ratings,
            average: average(t),
          })),
          ...totals
            .filter((t) => t.ratings === 0)
            .map((t) => ({
              rank: null,
              exhibition: t.exhibition,
              name: t.name,
              floor: t.floor,
              ratings: 0,
              average: null,
            })),
        ],
      };
    },

    '/api/exhibitions/rating-distribution': async (params) => {
      const { filters } = await parse(params);
      const totals = await q.exhibitionTotals(filters);
      return {
        filters,
        ratings: RATING_LABELS,
        exhibitions: totals.map((t) => ({
          exhibition: t.exhibition,
          name: t.name,
          floor: t.floor,
          counts: t.counts,
          total: t.ratings,
        })),
      };
    },

    '/api/safety/summary': async (params) => {
      const { filters } = await parse(params);
      const totals = await q.exhibitionTotals(filters);
      let assistance = totals.reduce((s, t) => s + t.assistance, 0);
      let emergency = totals.reduce((s, t) => s + t.emergency, 0);
      if (filters.type === 'assistance') emergency = 0;
      if (filters.type === 'emergency') assistance = 0;
      const total = assistance + emergency;
      return {
        filters,
        assistance,
        emergency,
        total,
        assistanceShare: share(assistance, total),
        emergencyShare: share(emergency, total),
      };
    },

    '/api/safety/by-hour': async (params) => {
      const { filters } = await parse(params);
      const hours = await q.requestsByHour(filters);
      return {
        filters,
        timeZone: q.timeZone,
        hours: hours.map((h) => ({
          ...h,
          assistance: filters.type === 'emergency' ? 0 : h.assistance,
          emergency: filters.type === 'assistance' ? 0 : h.emergency,
        })),
      };
    },

    '/api/safety/by-floor': async (params) => {
      const { filters } = await parse(params);
      const totals = await q.exhibitionTotals(filters);
      const floors = selectedFloors(filters, await q.getCatalogue());
      return {
        filters,
        floors: floors.map((floor) => {
          const on = totals.filter((t) => t.floor === floor);
          const assistance = filters.type === 'emergency' ? 0 : on.reduce((s, t) => s + t.assistance, 0);
          const emergency = filters.type === 'assistance' ? 0 : on.reduce((s, t) => s + t.emergency, 0);
          return { floor, assistance, emergency, total: assistance + emergency };
        }),
      };
    },

    '/api/safety/by-exhibition': async (params) => {
      const { filters } = await parse(params);
      const totals = await q.exhibitionTotals(filters);
      return {
        filters,
        exhibitions: totals
          .map((t) => {
            const assistance = filters.type === 'emergency' ? 0 : t.assistance;
            const emergency = filters.type === 'assistance' ? 0 : t.emergency;
            return {
              exhibition: t.exhibition,
              name: t.name,
              floor: t.floor,
              assistance,
              emergency,
              total: assistance + emergency,
            };
          })
          .sort((a, b) => b.total - a.total || a.exhibition.localeCompare(b.exhibition)),
      };
    },

    // One row per floor, one column per hour of day: the counts behind the safety view's heatmap.
    '/api/safety/heatmap': async (params) => {
      const { filters } = await parse(params);
      const { hours, floors } = await q.requestsByFloorAndHour(filters);
      const none = hours.map(() => 0);
      return {
        filters,
        timeZone: q.timeZone,
        hours,
        floors: floors.map((f) => {
          const assistance = filters.type === 'emergency' ? none : f.assistance;
          const emergency = filters.type === 'assistance' ? none : f.emergency;
          return {
            floor: f.floor,
            assistance,
            emergency,
            total: assistance.map((a, i) => a + emergency[i]!),
          };
        }),
      };
    },

    // The live list ignores `type`: it is always the emergencies, whatever the charts show.
    '/api/safety/emergencies': async (params) => {
      const { filters, limit = 20 } = await parse(params, ['limit']);
      return { filters, timeZone: q.timeZone, emergencies: await q.latestEmergencies(filters, limit) };
    },

    '/api/health': async (params) => {
      if ([...params.keys()].length > 0) throw new BadRequest('health takes no parameters');
      const who = await q.identity();
      return { ok: true, databaseUser: who.user, readOnly: who.readOnly && !who.canWrite && !who.superuser };
    },
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...SECURITY_HEADERS,
  });
  res.end(head ? undefined : text);
}

/** Database trouble (down, restarting, too slow) is the server's problem: 503, never a 400. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e.code === 'string') {
    return (
      /^(08|53|57)/.test(e.code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(e.code)
    );
  }
  return /timeout|terminat|connect/i.test(e.message ?? '');
}

/** Connects as the reader and checks it really is read-only before serving anything. */
async function connectReader(config: Config): Promise<Pool> {
  const pool = createPgPool(config, {
    user: config.pg.readerUser,
    password: config.pg.readerPassword,
    max: 8,
    application_name: 'museum-etl-dashboard',
    statement_timeout: 10_000,
    connectionTimeoutMillis: 5_000,
    options: '-c default_transaction_read_only=on',
  });
  try {
    const who = await new DashboardQueries(pool, config.museum.timeZone).identity();
    if (who.superuser || who.canWrite) {
      throw new Error(
        `PG_READER_USER=${who.user} can write to the interaction tables; the dashboard runs only as a read-only role (e.g. museum_reader, a member of museum_reporting)`,
      );
    }
    await pool.query('select 1 from reporting.interaction_hourly_live limit 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    const hint = /does not exist|authentication|permission denied/i.test((err as Error).message)
      ? ' (run `museum-etl seed --wait` to apply migrations and create the local reader role)'
      : '';
    throw new Error(
      `the dashboard cannot read as ${config.pg.readerUser}@${config.pg.host}:${config.pg.port}/${config.pg.database}: ${(err as Error).message}${hint}`,
    );
  }
  return pool;
}

export async function startDashboardServer(
  config: Config,
  options: DashboardOptions = {},
): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const auth = new DashboardAuth(config.dashboard);
  if (!isLoopback(host) && auth.generatedToken) {
    throw new Error(
      `refusing to serve the dashboards on ${host}, reachable from other machines, without access control: set DASHBOARD_TOKEN (a long random secret) and/or DASHBOARD_USERS (user:hash, hashes from \`museum-etl dashboard hash-password\`), or listen on 127.0.0.1`,
    );
  }

  const pool = await connectReader(config);
  const queries = new DashboardQueries(pool, config.museum.timeZone);
  const rollupZone = await queries.dailyLevelZone();
  if (rollupZone !== config.museum.timeZone) {
    options.logger?.warn(
      { rollupZone, museumTimeZone: config.museum.timeZone },
      `the daily rollup counts days in ${rollupZone}, not MUSEUM_TIME_ZONE: answering from the hourly rollup (exact, slower); as the schema owner run select reporting.set_rollup_time_zone('${config.museum.timeZone}')`,
    );
  }
  const api = new Map<string, Handler>(Object.entries(routes(queries, pool)));
  const logger = options.logger;

  const server = http.createServer((req, res) => {
    const head = req.method === 'HEAD';
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = requestUrl(req.url);
    if (!url) {
      send(res, 400, { error: 'bad_request', reason: 'the request target is not a path' }, head);
      return;
    }
    if (url.pathname === '/login') {
      handleLogin(req, res, url, auth, logger);
      return;
    }
    if (url.pathname === '/logout' && req.method === 'POST') {
      if (!sameOrigin(req))
        return sendLogin(res, 403, auth, 'Sign-out refused: the request came from another site.', '/');
      res.writeHead(303, {
        location: '/login',
        'set-cookie': auth.endSession(req),
        'cache-control': 'no-store',
      });
      res.end();
      return;
    }
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null && (req.method === 'GET' || head)) {
      if (auth.validToken(queryToken)) {
        url.searchParams.delete('token');
        res.writeHead(303, {
          location: safeNext(`${url.pathname}${url.search}`),
          'set-cookie': auth.startSession('token', req),
          'cache-control': 'no-store',
        });
        res.end();
        return;
      }
      logger?.warn({ path: url.pathname, ip: req.socket.remoteAddress }, 'dashboard: wrong token');
    }
    if (!PUBLIC_ASSETS.has(url.pathname) && auth.identify(req) === undefined) {
      if (url.pathname.startsWith('/api/')) {
        res.setHeader('www-authenticate', 'Bearer realm="museum-etl dashboard"');
        send(
          res,
          401,
          { error: 'unauthorized', reason: 'sign in, or send Authorization: Bearer <DASHBOARD_TOKEN>' },
          head,
        );
      } else {
        url.searchParams.delete('token');
        sendLogin(
          res,
          401,
          auth,
          queryToken !== null ? 'That token is not valid.' : '',
          `${url.pathname}${url.search}`,
          head,
        );
      }
      return;
    }
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, { error: 'method_not_allowed', reason: `${req.method} is not supported; use GET` });
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const handler = api.get(url.pathname);
      if (!handler) {
        send(res, 404, { error: 'not_found', reason: `no API endpoint ${url.pathname}` }, head);
        return;
      }
      const started = Date.now();
      handler(url.searchParams).then(
        (body) => {
          send(res, 200, body, head);
          logger?.debug({ path: url.pathname, ms: Date.now() - started }, 'dashboard api');
        },
        (err: unknown) => {
          if (err instanceof BadRequest) {
            send(res, 400, { error: 'bad_request', reason: err.message }, head);
          } else if (isUnavailable(err)) {
            logger?.warn({ err, path: url.pathname }, 'dashboard api: database unavailable');
            send(
              res,
              503,
              { error: 'unavailable', reason: `database unavailable: ${(err as Error).message}` },
              head,
            );
          } else {
            logger?.error({ err, path: url.pathname }, 'dashboard api failed');
            send(res, 500, { error: 'internal', reason: 'internal error; see the server log' }, head);
          }
        },
      );
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(302, { location: `/exhibitions${url.search}` });
      res.end();
      return;
    }
    const asset = STATIC[url.pathname];
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end('not found\n');
      return;
    }
    fs.readFile(asset.file, (err, data) => {
      if (err) {
        logger?.error({ err, file: asset.file }, 'dashboard asset missing');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('asset missing\n');
        return;
      }
      res.writeHead(200, {
        'content-type': asset.type,
        'content-length': data.length,
        'cache-control': asset.file === CHART_JS ? 'public, max-age=86400' : 'no-cache',
        ...SECURITY_HEADERS,
      });
      res.end(head ? undefined : data);
    });
  });
  // Long-lived keep-alive sockets from browsers must not hold close() open.
  server.keepAliveTimeout = 5_000;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost === '0.0.0.0' || shownHost === '[::]' ? '127.0.0.1' : shownHost}:${address.port}/`;

  const openUrl = auth.generatedToken ? `${url}?token=${auth.token}` : url;
  if (auth.generatedToken) {
    logger?.info(
      { url: openUrl },
      'dashboard: no DASHBOARD_TOKEN or DASHBOARD_USERS set; open it with this one-time token',
    );
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    openUrl,
    ...(auth.generatedToken ? { generatedToken: auth.token } : {}),
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // A request still running after 3 s (a stuck client) does not hold shutdown up.
          setTimeout(() => server.closeAllConnections(), 3_000).unref();
        });
        await pool.end();
      })();
      return closing;
    },
  };
}

/**
 * The request target as a path on this server. A target such as `//[` is not a valid relative URL
 * (it reads as a host) and made `new URL` throw out of the request handler; a target is always
 * taken as a path here, so it cannot name another host either.
 */
function requestUrl(target: string | undefined): URL | undefined {
  const path = target === undefined || target.startsWith('/') ? (target ?? '/') : `/${target}`;
  try {
    return new URL(`http://dashboard.local${path}`);
  } catch {
    return undefined;
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Only a path on this server: never `//host` or a scheme, so login cannot redirect elsewhere. */
function safeNext(next: string | null | undefined): string {
  if (
    !next ||
    !next.startsWith('/') ||
    next.startsWith('//') ||
    next.startsWith('/\\') ||
    next.startsWith('/login')
  ) {
    return '/';
  }
  return next;
}

let loginTemplate: string | undefined;

function sendLogin(
  res: http.ServerResponse,
  status: number,
  auth: DashboardAuth,
  error: string,
  next: string,
  head = false,
): void {
  loginTemplate ??= fs.readFileSync(LOGIN_PAGE, 'utf8');
  const target = safeNext(next);
  const form = auth.hasUsers
    ? `<form method="post" action="/login" id="login-form">
        <input type="hidden" name="next" value="${escapeHtml(target)}" />
        <label>User name <input name="username" id="login-user" autocomplete="username" required /></label>
        <label>Password <input type="password" name="password" id="login-password" autocomplete="current-password" required /></label>
        <button type="submit">Sign in</button>
      </form>`
    : `<form method="get" action="${escapeHtml(new URL(target, 'http://x').pathname)}" id="token-form">
        <label>Access token <input type="password" name="token" id="login-token" autocomplete="off" required /></label>
        <button type="submit">Open</button>
      </form>
      <p>The token is DASHBOARD_TOKEN, or the one printed when the dashboard started.</p>`;
  const html = loginTemplate.replace('{{error}}', escapeHtml(error)).replace('{{form}}', form);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
  });
  res.end(head ? undefined : html);
}

/** A form post must come from a page of this server (SameSite=Strict covers the cookie; this, the login itself). */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  // With Referrer-Policy: no-referrer, Chromium sends `Origin: null` for a form post from our own page;
  // Sec-Fetch-Site is set by the browser alone, so "same-origin" there still proves it was our page.
  if (!origin || origin === 'null') return req.headers['sec-fetch-site'] === 'same-origin';
  if (req.headers['sec-fetch-site'] !== undefined && req.headers['sec-fetch-site'] !== 'same-origin')
    return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function handleLogin(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  auth: DashboardAuth,
  logger: Logger | undefined,
): void {
  const head = req.method === 'HEAD';
  if (req.method === 'GET' || head) {
    sendLogin(res, 200, auth, '', url.searchParams.get('next') ?? '/', head);
    return;
  }
  if (req.method !== 'POST') {
    res.setHeader('allow', 'GET, HEAD, POST');
    send(res, 405, { error: 'method_not_allowed', reason: `${req.method} is not supported on /login` });
    return;
  }
  if (!sameOrigin(req)) {
    sendLogin(res, 403, auth, 'Sign-in refused: the form was not sent from this dashboard.', '/');
    return;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    sendLogin(res, 415, auth, 'Sign-in needs a form post.', '/');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > 8192) tooBig = true;
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooBig) {
      sendLogin(res, 413, auth, 'Sign-in form too large.', '/');
      return;
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const user = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const next = safeNext(form.get('next'));
    if (auth.hasUsers && user && password && auth.checkUser(user, password)) {
      logger?.info({ user }, 'dashboard: signed in');
      res.writeHead(303, {
        location: next,
        'set-cookie': auth.startSession(user, req),
        'cache-control': 'no-store',
      });
      res.end();
      return;
    }
    logger?.warn({ user, ip: req.socket.remoteAddress }, 'dashboard: sign-in failed');
    sendLogin(res, 401, auth, 'Wrong user name or password.', next);
  });
}
