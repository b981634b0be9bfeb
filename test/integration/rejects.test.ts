import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Client as PgClient, type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeStoredReject } from '../../datasets/kiosk/rejects-replay';
import { escapeText, rawPreview } from '../../cli/raw-preview';
import { listRejects, parseSince } from '../../cli/rejects';
import { catalogueFromPublicIds, REFERENCE_CATALOGUE, siteToPublicId } from '../../datasets/kiosk/rules';
import { kafkaPosition } from '../../pipeline/position';
import { exhibitionDocument, slugOf } from '../../datasets/kiosk/simulator/exhibitions';
import { createKafka, createPgPool, createS3, pgPoolConfig } from '../../worker/connections';
import type { BackfillSummary } from '../../workflows/backfill';
import { drainSignal, liveIngestWorkflow } from '../../workflows/ingest';
import type { ReplayRejectsInput, ReplayRejectsResult } from '../../workflows/replay-rejects';
import type { SeedResult } from '../../workflows/seed';
import { createBucket, deleteCreatedBuckets } from '../support/backfill';
import { seedReferenceCatalogue, waitFor } from '../support/catalogue';
import { stackConfig, TEST_DATABASE, uniqueName } from '../support/env';
import { createTestTopic } from '../support/kafka';
import { startTestWorker, type TestWorker } from '../support/worker';

/**
 * Replay adds exhibitions to the catalogue, which would change other test files' verdicts in the
 * shared test database; this file therefore works in a database of its own.
 */
const DATABASE = `${TEST_DATABASE}_rejects`;
const admin = stackConfig();
const config = stackConfig({ PGDATABASE: DATABASE });
const kafka = createKafka(config);
const s3 = createS3(config);
let db: Pool;
let tw: TestWorker;

async function adminQuery(sql: string): Promise<void> {
  const client = new PgClient({ ...pgPoolConfig(admin), database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

const newTopic = () => createTestTopic(kafka, 'rejects');

async function produce(topic: string, values: Array<string | Buffer>): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition: 0 })) });
  await producer.disconnect();
}

/** The real live pipeline: liveIngestWorkflow on the test worker until every message is checkpointed, then drained. */
async function ingest(topic: string, count: number): Promise<void> {
  const handle = await tw.client.workflow.start(liveIngestWorkflow, {
    taskQueue: tw.taskQueue,
    workflowId: `ingest-${topic}`,
    args: [{ topic, limits: { maxWaitMs: 300 } }],
  });
  await waitFor(
    async () =>
      Number(
        (
          await db.query<{ n: string }>(
            'select next_offset as n from ingest_checkpoint where topic = $1 and partition = 0',
            [topic],
          )
        ).rows[0]?.n ?? 0,
      ),
    (n) => n === count,
    { what: `the checkpoint of ${topic} to reach ${count}` },
  );
  await handle.signal(drainSignal);
  await handle.result();
}

const newBucket = (prefix: string) => createBucket(s3, prefix);

/** A new exhibition: its JSON file in a bucket of its own, then the seed workflow over that bucket. */
async function addExhibition(site: number, name: string): Promise<void> {
  const bucket = await newBucket('exhibition');
  const e = {
    publicId: siteToPublicId(site),
    name,
    floor: '2',
    department: 'Geology',
    startDate: '2024-01-01',
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `lmnh_exhibition_${slugOf(name)}.json`,
      Body: exhibitionDocument(e),
    }),
  );
  const seeded = await tw.client.workflow.execute<(i: { bucket?: string }) => Promise<SeedResult>>(
    'seedWorkflow',
    {
      taskQueue: tw.taskQueue,
      workflowId: uniqueName('seed'),
      args: [{ bucket }],
    },
  );
  expect(seeded.exhibitionsSeeded.map((x) => x.publicId)).toEqual([e.publicId]);
}

function replay(input: ReplayRejectsInput) {
  return tw.client.workflow.start<(i: ReplayRejectsInput) => Promise<ReplayRejectsResult>>(
    'replayRejectsWorkflow',
    { taskQueue: tw.taskQueue, workflowId: uniqueName('replay-rejects'), args: [input] },
  );
}

const runReplay = async (input: ReplayRejectsInput) => (await replay(input)).result();

interface StoredReject {
  position: string;
  reason: string;
  replay_outcome: string | null;
  replayed: boolean;
}

async function rejectsLike(prefix: string): Promise<Map<string, StoredReject>> {
  const { rows } = await db.query<StoredReject>(
    `select source_position(source_id, source_seq) as position, reason, replay_outcome, replayed_at is not null as replayed
     from rejected_event where source_id in (select source_id from position_source where prefix like $1)`,
    [`${prefix}%`],
  );
  return new Map(rows.map((r) => [r.position, r]));
}

/** position -> 'rating' | 'request', for every interaction row under a prefix; fails on a duplicate. */
async function rowsLike(prefix: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ position: string; kind: string }>(
    `select source_position(source_id, source_seq) as position, 'rating' as kind from rating_interaction where source_id in (select source_id from position_source where prefix like $1)
     union all select source_position(source_id, source_seq), 'request' from request_interaction where source_id in (select source_id from position_source where prefix like $1)`,
    [`${prefix}%`],
  );
  const out = new Map<string, string>();
  for (const r of rows) {
    expect(out.has(r.position), `${r.position} loaded twice`).toBe(false);
    out.set(r.position, r.kind);
  }
  return out;
}

/** consumed = ratings + requests + rejects not loaded by a replay. */
async function reconciles(prefix: string, consumed: number): Promise<void> {
  const { rows } = await db.query<{ ratings: string; requests: string; rejects: string }>(
    `select (select count(*) from rating_interaction where source_id in (select source_id from position_source where prefix like $1)) as ratings,
            (select count(*) from request_interaction where source_id in (select source_id from position_source where prefix like $1)) as requests,
            (select count(*) from rejected_event where source_id in (select source_id from position_source where prefix like $1)
               and replay_outcome is distinct from 'loaded') as rejects`,
    [`${prefix}%`],
  );
  const r = rows[0]!;
  expect(Number(r.ratings) + Number(r.requests) + Number(r.rejects)).toBe(consumed);
}

beforeAll(async () => {
  await adminQuery(`drop database if exists ${quoted(DATABASE)} with (force)`);
  await adminQuery(`create database ${quoted(DATABASE)}`);
  db = createPgPool(config);
  tw = await startTestWorker({ config, db, kafka, s3 });
  await seedReferenceCatalogue(tw, s3);
});

afterAll(async () => {
  await tw?.close();
  await deleteCreatedBuckets(s3);
  await db?.end();
  s3.destroy();
  if (process.env.KEEP_TEST_DATABASE !== 'true') {
    await adminQuery(`drop database if exists ${quoted(DATABASE)} with (force)`);
  }
});

describe('rejects replay', () => {
  const AT = '2026-02-24T12:00:00Z'; // noon in London, long past
  const event = (fields: Record<string, unknown>) => JSON.stringify({ at: AT, ...fields });
  let topic: string;
  let bucket: string;
  let kafkaPrefix: string;
  let s3Prefix: string;

  it('stores unknown_site events from Kafka and from a history file as rejects', async () => {
    topic = await newTopic();
    kafkaPrefix = `kafka:${topic}:0:`;
    await produce(topic, [
      event({ site: '7', val: 3 }), // 0 unknown_site -> rating after EXH_07
      event({ site: '7', val: -1, type: 1 }), // 1 unknown_site -> request
      event({ site: 7, val: '0' }), // 2 unknown_site -> rating
      event({ site: '8', val: 2 }), // 3 unknown_site, stays unknown_site
      event({ site: '1', val: 4 }), // 4 a rating at once
      event({ site: '7', val: 9 }), // 5 bad_val (checked before the site's existence)
      JSON.stringify({ at: '2026-02-24T07:00:00Z', site: '7', val: 1 }), // 6 unknown_site -> out_of_hours
      Buffer.from([0xff, 0x00, 0x1b, 0x5b, 0x32, 0x4a]), // 7 malformed: binary with an ANSI escape
      event({ site: '7', val: 1, type: 'x'.repeat(70_000) }), // 8 too_large, whatever the catalogue says
    ]);
    await ingest(topic, 9);

    bucket = await newBucket('history');
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'lmnh_hist_data_0.csv',
        Body: [
          'at,site,val,type',
          '2023-03-06 15:09:21,7,3,', // line 2 -> rating
          '2023-03-06 09:02:11,"7",-1,1.0', // line 3, a quoted field -> request
          '2023-03-06 10:00:00,8,2,', // line 4 stays unknown_site
          '2023-03-06 08:30:00,7,1,', // line 5 -> out_of_hours
          '',
        ].join('\n'),
      }),
    );
    const summary = await tw.client.workflow.execute<(i: { bucket?: string }) => Promise<BackfillSummary>>(
      'backfillWorkflow',
      {
        taskQueue: tw.taskQueue,
        workflowId: uniqueName('backfill'),
        args: [{ bucket }],
      },
    );
    expect(summary.rejects).toBe(4);
    s3Prefix = `s3:${bucket}/lmnh_hist_data_0.csv@`;

    const k = await rejectsLike(kafkaPrefix);
    expect([...k.values()].map((r) => [r.position.slice(kafkaPrefix.length), r.reason]).sort()).toEqual([
      ['0', 'unknown_site'],
      ['1', 'unknown_site'],
      ['2', 'unknown_site'],
      ['3', 'unknown_site'],
      ['5', 'bad_val'],
      ['6', 'unknown_site'],
      ['7', 'malformed'],
      ['8', 'too_large'],
    ]);
    const s = await rejectsLike(s3Prefix);
    expect([...s.values()].every((r) => r.reason === 'unknown_site')).toBe(true);
    expect(s.size).toBe(4);
    await reconciles(kafkaPrefix, 9);
    await reconciles(s3Prefix, 4);
  });

  it('lists rejects with filters, newest first, with a safe preview of the raw bytes', async () => {
    const unknown = await listRejects(db, { reason: 'unknown_site', limit: 100 });
    expect(unknown.matching).toBe(9);
    expect(unknown.rejects).toHaveLength(9);
    expect(unknown.rejects.every((r) => r.reason === 'unknown_site')).toBe(true);
    const seen = unknown.rejects.map((r) => r.firstSeenAt);
    expect([...seen].sort().reverse()).toEqual(seen);

    const limited = await listRejects(db, { reason: 'unknown_site', limit: 2 });
    expect(limited.rejects).toHaveLength(2);
    expect(limited.matching).toBe(9);

    const ofTopic = await listRejects(db, { position: kafkaPrefix, limit: 100 });
    expect(ofTopic.matching).toBe(8);
    const garbage = ofTopic.rejects.find((r) => r.position === kafkaPosition(topic, 0, 7))!;
    expect(garbage).toMatchObject({ reason: 'malformed', rawBytes: 6, rawPreview: '\\xff\\x00\\x1b[2J' });
    const big = ofTopic.rejects.find((r) => r.position === kafkaPosition(topic, 0, 8))!;
    expect(big.rawBytes).toBeGreaterThan(70_000);
    expect(big.rawPreview).toMatch(/^\{"at":"2026-02-24T12:00:00Z","site":"7","val":1,"type":"x+…$/);
    expect(big.rawPreview.length).toBe(201);
    const first = ofTopic.rejects.find((r) => r.position === kafkaPosition(topic, 0, 0))!;
    expect(first.rawPreview).toBe(event({ site: '7', val: 3 }));
    expect(first.detail).toBe('no exhibition EXH_07');
    expect(first.replayedAt).toBeNull();

    const csvLine = (await listRejects(db, { position: `${s3Prefix}`, limit: 100 })).rejects.find((r) =>
      r.position.endsWith('#3'),
    )!;
    expect(csvLine.rawPreview).toBe('2023-03-06 09:02:11,"7",-1,1.0');

    expect((await listRejects(db, { limit: 100, since: parseSince('1h') })).matching).toBe(12);
    expect((await listRejects(db, { limit: 100, since: new Date(Date.now() + 60_000) })).matching).toBe(0);
    expect((await listRejects(db, { limit: 100, reason: 'bad_val' })).rejects.map((r) => r.position)).toEqual(
      [kafkaPosition(topic, 0, 5)],
    );
  });

  it('before the catalogue changes, a replay loads nothing and marks every reject it judged', async () => {
    const r = await runReplay({ reason: 'unknown_site' });
    expect(r).toMatchObject({ pending: 9, examined: 9, loaded: 0, stillRejected: 9 });
    expect(r.stillRejectedByReason).toEqual({ unknown_site: 9 });
    const k = await rejectsLike(kafkaPrefix);
    expect(k.get(kafkaPosition(topic, 0, 0))).toMatchObject({
      replayed: true,
      replay_outcome: expect.stringMatching(/^unknown_site: /),
    });
    // Only the reason asked for was touched.
    expect(k.get(kafkaPosition(topic, 0, 5))).toMatchObject({ replayed: false, replay_outcome: null });
    expect((await rowsLike(kafkaPrefix)).size).toBe(1);
  });

  it('after EXH_07 is added, loads the site-7 rejects exactly once under their own positions', async () => {
    await addExhibition(7, 'Deep Time');
    // Small pages and runs, so paging and continue-as-new are exercised.
    const handle = await replay({ reason: 'unknown_site', batchSize: 2, pagesPerRun: 2 });
    const r = await handle.result();
    expect(r).toMatchObject({
      reason: 'unknown_site',
      pending: 9,
      examined: 9,
      loaded: 5,
      ratings: 3,
      requests: 2,
      alreadyPresent: 0,
      stillRejected: 4,
      stillRejectedByReason: { unknown_site: 2, out_of_hours: 2 },
      pages: 5,
    });
    expect(r.runs).toBeGreaterThan(1);
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);

    const kRows = await rowsLike(kafkaPrefix);
    expect(Object.fromEntries([...kRows].map(([p, kind]) => [p.slice(kafkaPrefix.length), kind]))).toEqual({
      '0': 'rating',
      '1': 'request',
      '2': 'rating',
      '4': 'rating',
    });
    const sRows = await rowsLike(s3Prefix);
    expect([...sRows].map(([p, kind]) => [p.replace(/^.*#/, ''), kind]).sort()).toEqual([
      ['2', 'rating'],
      ['3', 'request'],
    ]);
    // Loaded rows carry what the event said.
    const { rows } = await db.query<{ public_id: string; rating_id: number; event_at: Date }>(
      `select e.public_id, r.rating_id, r.event_at from rating_interaction r join exhibition e using (exhibition_id)
       where (r.source_id, r.source_seq) = (select * from position_key($1))`,
      [kafkaPosition(topic, 0, 0)],
    );
    expect(rows).toEqual([{ public_id: 'EXH_07', rating_id: 3, event_at: new Date(AT) }]);
    const req = await db.query<{ request_id: number }>(
      `select request_id from request_interaction
       where source_id in (select source_id from position_source where prefix like $1) and source_seq = 3`,
      [`${s3Prefix}%#`],
    );
    expect(req.rows).toEqual([{ request_id: 1 }]);

    // Loaded rejects stay as history, marked; the others carry today's reason.
    const k = await rejectsLike(kafkaPrefix);
    expect(k.get(kafkaPosition(topic, 0, 0))?.replay_outcome).toBe('loaded');
    expect(k.get(kafkaPosition(topic, 0, 3))?.replay_outcome).toMatch(/^unknown_site: /);
    expect(k.get(kafkaPosition(topic, 0, 6))?.replay_outcome).toMatch(/^out_of_hours: /);
    expect(k.get(kafkaPosition(topic, 0, 6))?.reason).toBe('unknown_site');
    expect(k.get(kafkaPosition(topic, 0, 7))).toMatchObject({ replayed: false });

    await reconciles(kafkaPrefix, 9);
    await reconciles(s3Prefix, 4);
  });

  it('a second replay changes nothing', async () => {
    const snapshot = async () => ({
      k: [...(await rowsLike(kafkaPrefix))].sort(),
      s: [...(await rowsLike(s3Prefix))].sort(),
      loaded: [...(await rejectsLike(''))]
        .filter(([, r]) => r.replay_outcome === 'loaded')
        .map(([p]) => p)
        .sort(),
      unknownSiteOutcomes: [...(await rejectsLike(''))]
        .filter(([, r]) => r.reason === 'unknown_site')
        .map(([p, r]) => [p, r.replay_outcome])
        .sort(),
    });
    const before = await snapshot();
    const again = await runReplay({ reason: 'unknown_site' });
    expect(again).toMatchObject({
      pending: 4,
      examined: 4,
      loaded: 0,
      ratings: 0,
      requests: 0,
      stillRejected: 4,
    });
    // Every reason, too: what fails today stays, and nothing is loaded.
    const all = await runReplay({});
    expect(all).toMatchObject({ loaded: 0, ratings: 0, requests: 0 });
    expect(all.stillRejectedByReason).toMatchObject({ bad_val: 1, malformed: 1, too_large: 1 });
    expect((await rejectsLike(kafkaPrefix)).get(kafkaPosition(topic, 0, 8))?.replay_outcome).toMatch(
      /^too_large: 700\d\d bytes, limit 65536$/,
    );
    expect(await snapshot()).toEqual(before);
    await reconciles(kafkaPrefix, 9);
    await reconciles(s3Prefix, 4);
  });

  it('list hides loaded rejects unless --all', async () => {
    const pending = await listRejects(db, { reason: 'unknown_site', limit: 100 });
    expect(pending.matching).toBe(4);
    expect(pending.loadedHidden).toBe(5);
    expect(pending.rejects.every((r) => r.replayOutcome !== 'loaded')).toBe(true);
    const all = await listRejects(db, { reason: 'unknown_site', limit: 100, all: true });
    expect(all.matching).toBe(9);
    expect(all.loadedHidden).toBe(0);
    expect(all.rejects.filter((r) => r.replayOutcome === 'loaded')).toHaveLength(5);
    expect(all.rejects.every((r) => r.replayedAt !== null)).toBe(true);
  });

  it('two replays running at once still load each reject once', async () => {
    const t = await newTopic();
    const prefix = `kafka:${t}:0:`;
    const n = 30;
    await produce(
      t,
      Array.from({ length: n }, (_, i) => event({ site: '11', val: i % 5 })),
    );
    await ingest(t, n);
    expect((await rejectsLike(prefix)).size).toBe(n);
    await addExhibition(11, 'Moving Continents');
    const [a, b] = await Promise.all([
      replay({ reason: 'unknown_site', batchSize: 3 }),
      replay({ reason: 'unknown_site', batchSize: 4 }),
    ]);
    const [ra, rb] = await Promise.all([a.result(), b.result()]);
    expect(ra.loaded + rb.loaded).toBe(n);
    expect(ra.ratings + rb.ratings).toBe(n);
    expect((await rowsLike(prefix)).size).toBe(n);
    await reconciles(prefix, n);
    const after = await rejectsLike(prefix);
    expect([...after.values()].every((r) => r.replay_outcome === 'loaded')).toBe(true);
  });

  it('rejects a bad reason at once instead of retrying', async () => {
    await expect(runReplay({ reason: 'no_such_reason' })).rejects.toThrow(/failed/i);
  });
});

describe('replay judging and previews (pure)', () => {
  const ctx = {
    catalogue: catalogueFromPublicIds([...REFERENCE_CATALOGUE.map((e) => e.publicId), 'EXH_07']),
    now: Date.parse('2026-11-01T12:00:00Z'),
    timeZone: 'Europe/London',
  };

  it('judges CSV lines with the history header and a real CSV parse', () => {
    const line = (s: string) => judgeStoredReject('s3:b/lmnh_hist_data_0.csv@abc#2', Buffer.from(s), ctx);
    expect(line('2023-03-06 15:09:21,7,3,')).toMatchObject({ kind: 'rating', rating: 3 });
    expect(line('2023-03-06 09:02:11,"7",-1,"0.0"')).toMatchObject({ kind: 'request', request: 0 });
    expect(line('"2023-03-06 09:02:11",7,"3,4",')).toMatchObject({ kind: 'rejected', reason: 'bad_val' });
    expect(line('2023-03-06 15:09:21,7,3')).toMatchObject({ kind: 'rejected', reason: 'malformed' });
    expect(line('2023-03-06 15:09:21,"7,3,')).toMatchObject({ kind: 'rejected', reason: 'malformed' });
    expect(judgeStoredReject('s3:b/k@e#2', Buffer.from([0xff, 0x2c]), ctx)).toMatchObject({
      reason: 'malformed',
    });
  });

  it('judges Kafka payloads with the Kafka rules', () => {
    const k = (s: string | Buffer) => judgeStoredReject('kafka:lmnh:0:5', Buffer.from(s), ctx);
    expect(k('{"at":"2026-02-24T12:00:00Z","site":"7","val":2}')).toMatchObject({ kind: 'rating' });
    expect(k('')).toMatchObject({ reason: 'malformed' });
    expect(judgeStoredReject('ftp:x', Buffer.from('{}'), ctx)).toMatchObject({ reason: 'malformed' });
  });

  it('escapes what a terminal would interpret', () => {
    expect(rawPreview(Buffer.from('plain {"a":1}'))).toBe('plain {"a":1}');
    expect(rawPreview(Buffer.from('a\tb\nc\\d\u0007'))).toBe('a\\tb\\nc\\\\d\\x07');
    expect(rawPreview(Buffer.from('évènement ✓'))).toBe('évènement ✓');
    expect(rawPreview(Buffer.from('x\u202Ey\u200Bz\u009b'))).toBe('x\\u{202e}y\\u{200b}z\\x9b');
    expect(rawPreview(Buffer.from([0x41, 0xc3, 0x28, 0x1b]))).toBe('A\\xc3(\\x1b');
    expect(rawPreview(Buffer.from('abcdefghij'), 4)).toBe('abcd…');
    expect(rawPreview(Buffer.from('ab'), 10, 5000)).toBe('ab…');
    // A multi-byte character cut by the preview window is not mistaken for binary.
    expect(rawPreview(Buffer.from('aé').subarray(0, 2), 10, 3)).toBe('a…');
    expect(escapeText('detail\r\n\u001b[31m', 100)).toBe('detail\\r\\n\\x1b[31m');
  });

  it('parses --since as a date, a time or an age', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(parseSince('30m', now).toISOString()).toBe('2026-11-23T11:30:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-16T12:00:00.000Z');
    expect(parseSince('2026-11-20', now).toISOString()).toBe('2026-11-20T00:00:00.000Z');
    expect(parseSince('2026-11-20T08:00:00+01:00', now).toISOString()).toBe('2026-11-20T07:00:00.000Z');
    expect(() => parseSince('yesterday', now)).toThrow(/--since/);
  });
});
