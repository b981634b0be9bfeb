/**
 * Fuzz of the dashboard API: every route gets hostile and random query strings and request targets,
 * and must answer with a 2xx/4xx that carries no database error text. A 5xx, or a Postgres message
 * in any body, means a value got past validation into SQL (or crashed the handler).
 */
import http from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../dashboard/api-routes';
import { knownDataSet } from '../e2e/support/dashboard-data';
import { dashboardFixture } from '../support/dashboard-fixture';

const TOKEN = 'dash-fuzz-test-token-0123456789';
const dash = dashboardFixture({ name: 'dash-fuzz', token: TOKEN, events: knownDataSet('2018-06-04', 3, 5) });

/** Postgres's own wording; none of the values sent below contains any of it. */
const SQL_ERROR =
  /syntax error at or near|invalid input syntax|unterminated quoted|does not exist|SQLSTATE|current transaction is aborted|violates .* constraint|out of range for type|malformed array literal|canceling statement|permission denied|division by zero|date\/time field value out of range/i;

const FILTER_PARAMS = ['from', 'to', 'exhibition', 'floor', 'type', 'limit'];

const HOSTILE_VALUES = [
  // SQL injection, in the shapes each parameter might be spliced into
  "' or '1'='1",
  "1' or 1=1 --",
  "'; drop table rating_interaction; --",
  "EXH_01'--",
  "EXH_01' union select null, null --",
  "2020-01-01'::date; select pg_sleep(5); --",
  '1); select 1; --',
  'Vault" or ""="',
  '$1',
  '$$',
  '\\',
  "'",
  '"',
  '%',
  '\u0000',
  'EXH_01\u0000',
  // numbers
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '-0',
  '0',
  '1e309',
  '1e3',
  '0x1F',
  '1.5',
  ' 5 ',
  '9'.repeat(30),
  '9'.repeat(400),
  String(Number.MAX_SAFE_INTEGER + 2),
  '-2147483649',
  // dates
  '2020-02-30',
  '2020-13-01',
  '2020-00-10',
  '0000-01-01',
  '1969-12-31',
  '2201-01-01',
  '99999-01-01',
  '2020-01-01T00:00:00Z',
  '2020-1-1',
  '+2020-01-01',
  '٢٠٢٠-٠١-٠١',
  '2020\u201001\u201001',
  'today',
  // shapes a careless parser trips on
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '[object Object]',
  '__proto__',
  'constructor',
  ',,,,',
  ' ',
  '\t\n',
  `EXH_${'0'.repeat(200)}`,
  'exh_01',
  'EXH_00,EXH_01,EXH_99',
  Array(60).fill('EXH_01').join(','),
  Array.from({ length: 60 }, (_, i) => `EXH_${String(i).padStart(2, '0')}`).join(','),
  'vault',
  'EMERGENCY',
  ' assistance ',
  'fire',
  // unicode and length
  '😀',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\uFEFF',
  '\u202E',
  '\uD800',
  'Ω≈ç√',
  'x'.repeat(10_000),
  'x'.repeat(20_000),
];

/** Query strings written by hand, percent-encoding and separators included. */
const RAW_QUERIES = [
  '%',
  '%zz',
  '%C0%AF',
  '%ED%A0%80',
  '%FF%FE',
  'from=%00',
  'from=%',
  '&&&',
  '=',
  '==',
  'from',
  'from=&to=',
  'from=2018-06-04&from=2018-06-05',
  'exhibition=EXH_01&exhibition=EXH_02&exhibition=EXH_99',
  'exhibition[]=EXH_01',
  'exhibition[0]=EXH_01',
  'floor=1;floor=2',
  ';from=2018-06-04',
  '+',
  'type=%20emergency%20',
  'type=emergency%00',
  `${'a=1&'.repeat(2_000)}`,
  'limit=1&limit=2',
  'token=nope',
];

/** Request targets that are odd as a whole, not just in their query. */
const RAW_TARGETS = [
  '//[',
  '//:99999/api/meta',
  '//evil.example/api/meta',
  '/api/../api/meta',
  '/api/meta/',
  '/api//meta',
  '/api/%2e%2e/meta',
  '/api/safety/summary%00',
  `/api/${'x'.repeat(5_000)}`,
  '*',
  '/api/meta?',
  '/api/safety/by-hour#frag',
  '/%',
  '/\\\\evil.example/',
];

const datesAround = fc
  .tuple(
    fc.integer({ min: 0, max: 99_999 }),
    fc.integer({ min: -1, max: 13 }),
    fc.integer({ min: -1, max: 32 }),
  )
  .map(
    ([y, m, d]) =>
      `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
  );

/** Valid filters too, so that random queries also get past validation and reach the SQL. */
const validPair = fc.oneof(
  fc.tuple(fc.constantFrom('from', 'to'), fc.constantFrom('2018-06-04', '2018-06-05', '2018-06-06')),
  fc.tuple(fc.constant('exhibition'), fc.constantFrom('EXH_00', 'exh_03', 'EXH_05,EXH_01', ' EXH_02 ')),
  fc.tuple(fc.constant('floor'), fc.constantFrom('Vault', '1', '2', '3', '1,3')),
  fc.tuple(fc.constant('type'), fc.constantFrom('assistance', 'emergency', 'Emergency')),
);

const value = fc.oneof(
  fc.constantFrom(...HOSTILE_VALUES),
  datesAround,
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
);
const name = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...FILTER_PARAMS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('token', 'FROM', ' from', 'from[]', '__proto__', '', 'a'.repeat(300)),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);
const pair = fc.oneof({ weight: 4, arbitrary: validPair }, { weight: 1, arbitrary: fc.tuple(name, value) });
const query = fc
  .tuple(fc.array(pair, { maxLength: 6 }), fc.option(fc.constantFrom(...RAW_QUERIES), { freq: 8 }))
  .map(([pairs, raw]) => [new URLSearchParams(pairs).toString(), raw].filter(Boolean).join('&'));

/** One GET as sent on the wire (no client-side normalising); status and body as text. */
function rawGet(target: string): Promise<{ status: number; type: string; text: string }> {
  const { hostname, port } = new URL(dash.server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path: target, headers: { authorization: `Bearer ${TOKEN}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'] ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    // A handler that throws never answers: fail on that request, not on the test's timeout.
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to GET ${target.slice(0, 200)} in 10 s`)));
    req.end();
  });
}

/** How many answers had each status, so a test can tell it reached the SQL, not only validation. */
const statuses = new Map<number, number>();

/** The invariant: no server error, no SQL in the answer, and a 4xx from the API says why in JSON. */
async function expectHandled(target: string): Promise<void> {
  const res = await rawGet(target);
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  const where = `GET ${target.slice(0, 300)} -> ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  expect(res.text, where).not.toMatch(SQL_ERROR);
  if (res.status === 400 && res.type.startsWith('application/json')) {
    expect(JSON.parse(res.text), where).toEqual({ error: 'bad_request', reason: expect.any(String) });
  }
}

/** Runs the targets a few at a time: enough to overlap database round trips, not to flood the pool. */
async function sweep(targets: string[]): Promise<void> {
  const queue = [...targets];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) await expectHandled(t);
    }),
  );
}

describe('dashboard API fuzz', () => {
  it('answers every hostile value in every filter of every route without a 5xx or SQL text', async () => {
    const targets = API_ROUTES.flatMap((route) => [
      ...FILTER_PARAMS.flatMap((param) =>
        HOSTILE_VALUES.map((v) => `${route}?${new URLSearchParams([[param, v]]).toString()}`),
      ),
      ...RAW_QUERIES.map((q) => `${route}?${q}`),
    ]);
    await sweep(targets);
  });

  it('answers odd request targets without a 5xx, and stays up', async () => {
    await sweep(RAW_TARGETS);
    expect((await dash.ok('/api/health')).ok).toBe(true);
  });

  it('answers random combinations of parameters without a 5xx or SQL text', async () => {
    statuses.clear();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...API_ROUTES), query, async (route, q) => {
        await expectHandled(q ? `${route}?${q}` : route);
      }),
      // A fixed seed: a failure names its case and repeats on the next run.
      { numRuns: 1_500, seed: 20_261_202 },
    );
    // Enough valid queries among them that the random values also reached the queries themselves.
    expect(statuses.get(200) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(100);
    expect((await dash.ok('/api/health')).ok).toBe(true);
  });
});
