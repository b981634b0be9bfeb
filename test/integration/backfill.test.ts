import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildActivityDeps } from '../../activities';
import { INSTALLED_DATASETS } from '../../datasets';
import {
  CHUNK_LINES,
  createBackfillActivities,
  type BackfillHeartbeat,
  type ExtractedHistoryFile,
  type TransformedHistoryFile,
  type HistoryListing,
} from '../../activities/backfill';
import { scheduleView } from '../../cli/schedule';
import { FailureType } from '../../common/failures';
import { REFERENCE_CATALOGUE, catalogueFromPublicIds } from '../../datasets/kiosk/rules';
import { positionSources, s3Position } from '../../pipeline/position';
import { historyLines } from '../../datasets/kiosk/simulator/history-rows';
import { writeHistory, type WriteHistoryResult } from '../../datasets/kiosk/simulator/history-writer';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import { NIGHTLY_SCHEDULE_ID } from '../../datasets/kiosk';
import { PINTEREST_SCHEDULE_ID } from '../../datasets/pinterest';
import { ensureScheduleById } from '../../worker/schedule';
import type { BackfillSummary } from '../../workflows/backfill';
import {
  countsOf,
  createBucket,
  deleteCreatedBuckets,
  expectedOutcomes,
  outcomesOf,
  putObject,
  readObject,
  startBackfillWorker,
  type BackfillTestWorker,
} from '../support/backfill';
import { stackConfig, uniqueName } from '../support/env';

const config = stackConfig();
const db = createPgPool(config);
const s3 = createS3(config);
const rules = {
  catalogue: catalogueFromPublicIds(REFERENCE_CATALOGUE.map((e) => e.publicId)),
  now: Date.now(),
  timeZone: 'Europe/London',
};
let tw: BackfillTestWorker;
let bucket: string;
let history: WriteHistoryResult;

const manifest = async (b: string) =>
  (
    await db.query<{ key: string; etag: string; rows: string; rejects: string; complete: boolean }>(
      'select key, etag, rows, rejects, complete from backfill_manifest where bucket = $1 order by key',
      [b],
    )
  ).rows;

beforeAll(async () => {
  bucket = await createBucket(s3, 'backfill');
  history = await writeHistory({ s3, bucket, rows: 20_000, files: 3, seed: 'backfill-test' });
  tw = await startBackfillWorker({ config, db, s3, kafka: createKafka(config) });
  // Migrations and the catalogue the rows are judged against.
  await tw.client.workflow.execute('seedWorkflow', {
    taskQueue: tw.taskQueue,
    workflowId: uniqueName('seed'),
    args: [{ bucket }],
  });
});

afterAll(async () => {
  await tw?.close();
  await deleteCreatedBuckets(s3);
  await db.end();
  s3.destroy();
});

describe('backfill workflow on the simulator history', () => {
  let first: BackfillSummary;

  it('loads every history file with exact counts', async () => {
    first = await tw.run({ bucket });
    const t = history.totals;
    expect(first.failed).toEqual([]);
    expect(first.loaded.map((f) => f.key).sort()).toEqual(history.files.map((f) => f.key).sort());
    expect(first).toMatchObject({ ratings: t.ratings, requests: t.requests, rejects: t.beforeOpening });
    expect(first.rejectsByReason).toEqual(t.beforeOpening ? { out_of_hours: t.beforeOpening } : {});

    // An independent re-validation of the same objects agrees, and so does the database.
    const expected = { ratings: 0, requests: 0, rejects: 0 };
    for (const f of history.files) {
      const e = expectedOutcomes(await readObject(s3, bucket, f.key), rules);
      expected.ratings += e.ratings;
      expected.requests += e.requests;
      expected.rejects += e.rejects;
    }
    expect(expected).toEqual({ ratings: t.ratings, requests: t.requests, rejects: t.beforeOpening });
    const inDb = await outcomesOf(db, bucket);
    expect({ ratings: inDb.ratings, requests: inDb.requests, rejects: inDb.rejects }).toEqual(expected);

    const entries = await manifest(bucket);
    expect(entries.map((m) => m.key)).toEqual(history.files.map((f) => f.key));
    expect(entries.reduce((n, m) => n + Number(m.rows) + Number(m.rejects), 0)).toBe(t.rows);
    expect(entries.every((m) => m.complete)).toBe(true);
    const staged = await db.query('select count(*)::int as n from staged_file where bucket = $1', [bucket]);
    expect(staged.rows[0].n).toBe(0);
  });

  it('stores each row with its exhibition, time and position', async () => {
    const lines = (await readObject(s3, bucket, 'lmnh_hist_data_0.csv')).split('\n');
    const n = lines.findIndex(
      (l, i) => i > 0 && expectedOutcomes(`${lines[0]}\n${l}\n`, rules).rejects === 0,
    );
    const [at, site, val] = lines[n]!.split(',');
    const { rows } = await db.query(
      `select e.public_id, to_char(event_at at time zone 'Europe/London', 'YYYY-MM-DD HH24:MI:SS') as at, v
       from (select exhibition_id, event_at, rating_id as v, source_position(source_id, source_seq) from rating_interaction
             union all select exhibition_id, event_at, -1, source_position(source_id, source_seq) from request_interaction) x
       join exhibition e using (exhibition_id) where x.source_position like $1`,
      [`s3:${bucket}/lmnh\\_hist\\_data\\_0.csv@%#${n + 1}`],
    );
    expect(rows).toEqual([{ public_id: `EXH_${site!.padStart(2, '0')}`, at, v: Number(val) }]);
  });

  it('inserts nothing when run again: every file is skipped', async () => {
    const before = await outcomesOf(db, bucket);
    const second = await tw.run({ bucket });
    expect(second.loaded).toEqual([]);
    expect(second.skipped.sort()).toEqual(history.files.map((f) => f.key).sort());
    expect(second.ratings + second.requests + second.rejects).toBe(0);
    const after = await outcomesOf(db, bucket);
    expect([after.ratings, after.requests, after.rejects]).toEqual([
      before.ratings,
      before.requests,
      before.rejects,
    ]);
  });

  it('replaces the rows of a re-uploaded file (new ETag) and nothing else', async () => {
    const key = 'lmnh_hist_data_1.csv';
    const oldEtag = (await manifest(bucket)).find((m) => m.key === key)!.etag;
    const others = await outcomesOf(db, bucket, 'lmnh_hist_data_0.csv');
    const body = `${[...historyLines({ seed: 'replacement', rows: 500 })].join('\n')}\n`;
    const newEtag = await putObject(s3, bucket, key, body);
    expect(newEtag).not.toBe(oldEtag);

    const run = await tw.run({ bucket });
    expect(run.loaded).toEqual([expect.objectContaining({ key, etag: newEtag, replaced: [oldEtag] })]);
    expect(run.skipped.sort()).toEqual(['lmnh_hist_data_0.csv', 'lmnh_hist_data_2.csv']);

    const now = await outcomesOf(db, bucket, key);
    const expected = expectedOutcomes(body, rules);
    expect([...now.etags]).toEqual([newEtag]);
    expect({ ratings: now.ratings, requests: now.requests, rejects: now.rejects }).toEqual({
      ratings: expected.ratings,
      requests: expected.requests,
      rejects: expected.rejects,
    });
    expect((await outcomesOf(db, bucket, 'lmnh_hist_data_0.csv')).byLine).toEqual(others.byLine);
  });

  it('reports a vanished object by key and still loads the others', async () => {
    const b = await createBucket(s3, 'vanish');
    const good = `at,site,val,type\n2023-03-06 15:09:21,4,0,\n`;
    const kept = await putObject(s3, b, 'lmnh_hist_data_0.csv', good);
    const gone = await putObject(s3, b, 'lmnh_hist_data_1.csv', good);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'lmnh_hist_data_1.csv' }));
    // Listed just before it was deleted: the race a bucket clean-up during the run causes.
    tw.overrides.listHistoryFiles = async (): Promise<HistoryListing> => ({
      bucket: b,
      files: [
        { key: 'lmnh_hist_data_0.csv', etag: kept, size: good.length, number: 0, loaded: false },
        { key: 'lmnh_hist_data_1.csv', etag: gone, size: good.length, number: 1, loaded: false },
      ],
    });
    try {
      const run = await tw.run({ bucket: b });
      expect(run.failed).toEqual([
        { key: 'lmnh_hist_data_1.csv', error: expect.stringMatching(/NoSuchKey/) },
      ]);
      expect(run.loaded.map((f) => f.key)).toEqual(['lmnh_hist_data_0.csv']);
      expect((await outcomesOf(db, b)).ratings).toBe(1);
    } finally {
      delete tw.overrides.listHistoryFiles;
    }
  });

  it('fails a file whose first line is no CSV header as NotAHistoryFile and still loads the others', async () => {
    const b = await createBucket(s3, 'notcsv');
    await putObject(s3, b, 'lmnh_hist_data_0.csv', 'at,site,val,type\n2023-03-06 15:09:21,4,0,\n');
    // Not valid UTF-8: no header can be read, so no row can be judged.
    await putObject(s3, b, 'lmnh_hist_data_1.csv', Buffer.from([0xff, 0xfe, 0x0a, 0x31, 0x0a]));
    const run = await tw.run({ bucket: b });
    expect(run.failed).toEqual([
      { key: 'lmnh_hist_data_1.csv', error: expect.stringMatching(/not a history file.*UTF-8/) },
    ]);
    expect(run.loaded.map((f) => f.key)).toEqual(['lmnh_hist_data_0.csv']);
    const left = await db.query('select 1 from staged_file where bucket = $1', [b]);
    expect(left.rowCount).toBe(0);
    expect(await manifest(b)).toEqual([expect.objectContaining({ key: 'lmnh_hist_data_0.csv' })]);
  });

  it('never doubles a position that was already stored by other means', async () => {
    const b = await createBucket(s3, 'preloaded');
    const key = 'lmnh_hist_data_0.csv';
    const etag = await putObject(
      s3,
      b,
      key,
      'at,site,val,type\n2023-03-06 15:09:21,4,0,\n2023-03-06 15:09:22,4,1,\n',
    );
    const at = await positionSources(db).compactAll([s3Position(b, key, etag, 2)]);
    await db.query(
      `insert into rating_interaction (exhibition_id, rating_id, event_at, source_id, source_seq)
       select exhibition_id, 0, '2023-03-06 15:09:21+00', $1, $2 from exhibition where public_id = 'EXH_04'`,
      [at.ids[0], at.seqs[0]],
    );
    const run = await tw.run({ bucket: b });
    expect(run.failed).toEqual([]);
    expect(run.ratings).toBe(2);
    const got = await outcomesOf(db, b, key);
    expect([...got.byLine].sort()).toEqual([
      [2, 'rating'],
      [3, 'rating'],
    ]);
    expect(got.ratings).toBe(2);
  });

  it('honours a row limit over the run and finishes the partial file on the next run', async () => {
    const b = await createBucket(s3, 'limit');
    const body = (seed: string) =>
      `${[...historyLines({ seed, rows: 1000, beforeOpeningFraction: 0 })].join('\n')}\n`;
    await putObject(s3, b, 'lmnh_hist_data_0.csv', body('l0'));
    await putObject(s3, b, 'lmnh_hist_data_1.csv', body('l1'));
    await putObject(s3, b, 'lmnh_hist_data_2.csv', body('l2'));

    const limited = await tw.run({ bucket: b, rowLimit: 1500 });
    expect(limited.ratings + limited.requests + limited.rejects).toBe(1500);
    expect(limited.loaded.map((f) => [f.key, f.complete])).toEqual([
      ['lmnh_hist_data_0.csv', true],
      ['lmnh_hist_data_1.csv', false],
    ]);
    expect(limited.notReached).toEqual(['lmnh_hist_data_2.csv']);
    const partial = await outcomesOf(db, b, 'lmnh_hist_data_1.csv');
    expect([...partial.byLine.keys()].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 2),
    );

    const rest = await tw.run({ bucket: b });
    expect(rest.skipped).toEqual(['lmnh_hist_data_0.csv']);
    // Two lanes: completion order varies.
    expect(rest.loaded.map((f) => [f.key, f.complete]).sort()).toEqual([
      ['lmnh_hist_data_1.csv', true],
      ['lmnh_hist_data_2.csv', true],
    ]);
    const all = await outcomesOf(db, b);
    expect(all.ratings + all.requests + all.rejects).toBe(3000);
  });
});

describe('CSV quirks: each bad line is a reject with its line number, the rest load', () => {
  const H = 'at,site,val,type';
  const R = '2023-03-06 15:09:21,4,0,'; // a rating
  const Q = '2023-03-06 09:02:11,1,-1,1.0'; // an emergency
  const EARLY = '2023-03-06 08:30:00,1,2,'; // out_of_hours
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
  const BAD_UTF8 = Buffer.from([0x32, 0x30, 0x32, 0x33, 0xff, 0xfe, 0x2c, 0x34, 0x2c, 0x30, 0x2c]);
  const files: Record<string, { body: Buffer; expect: Array<[number, string]> }> = {
    crlf: {
      body: Buffer.from([H, R, Q, EARLY, ''].join('\r\n')),
      expect: [
        [2, 'rating'],
        [3, 'request'],
        [4, 'out_of_hours'],
      ],
    },
    bom: {
      body: Buffer.concat([BOM, Buffer.from([H, R, Q, ''].join('\n'))]),
      expect: [
        [2, 'rating'],
        [3, 'request'],
      ],
    },
    blank: {
      body: Buffer.from([H, '', R, '', '', Q, '', ''].join('\n')),
      expect: [
        [3, 'rating'],
        [6, 'request'],
      ],
    },
    quoted: {
      body: Buffer.from(
        [
          H,
          '"2023-03-06 15:09:21","4","0",""',
          `2023-03-06 09:02:11,"1","-1","1.0"`,
          '"2023-03-06 15:09:21",4,"0,',
          `${R}x"y"`,
          R,
          '',
        ].join('\n'),
      ),
      expect: [
        [2, 'rating'],
        [3, 'request'],
        [4, 'malformed'],
        [5, 'malformed'],
        [6, 'rating'],
      ],
    },
    header: {
      body: Buffer.concat([
        Buffer.from([H, R, H, Q, ''].join('\n')),
        BOM,
        Buffer.from([H, R, ''].join('\n')),
      ]),
      expect: [
        [2, 'rating'],
        [4, 'request'],
        [6, 'rating'],
      ],
    },
    columns: {
      body: Buffer.from([H, `${R},extra`, '2023-03-06 15:09:21,4,0', R, ''].join('\n')),
      expect: [
        [2, 'malformed'],
        [3, 'malformed'],
        [4, 'rating'],
      ],
    },
    utf8: {
      body: Buffer.concat([Buffer.from(`${H}\n${R}\n`), BAD_UTF8, Buffer.from(`\n${Q}\n`)]),
      expect: [
        [2, 'rating'],
        [3, 'malformed'],
        [4, 'request'],
      ],
    },
    truncated: {
      body: Buffer.from([H, R, Q].join('\n')),
      expect: [
        [2, 'rating'],
        [3, 'request'],
      ],
    },
    'cut-mid-row': {
      body: Buffer.from([H, R, '2023-03-06 15:09:21,4'].join('\n')),
      expect: [
        [2, 'rating'],
        [3, 'malformed'],
      ],
    },
  };
  const keyOf = (name: string) => `lmnh_hist_data_${Object.keys(files).indexOf(name)}.csv`;
  let b: string;
  let run: BackfillSummary;

  beforeAll(async () => {
    b = await createBucket(s3, 'quirks');
    for (const name of Object.keys(files)) await putObject(s3, b, keyOf(name), files[name]!.body);
    await putObject(s3, b, 'lmnh_hist_data_x.csv', R); // not a history name: never read
    run = await tw.run({ bucket: b });
  });

  it('loads every quirky file and skips what is not a history file', () => {
    expect(run.failed).toEqual([]);
    expect(run.loaded.map((f) => f.key).sort()).toEqual(Object.keys(files).map(keyOf).sort());
    expect(run.headerLines).toBe(2);
    expect(run.blankLines).toBe(4);
  });

  for (const name of Object.keys(files)) {
    it(`${name}: line outcomes are exact`, async () => {
      const got = await outcomesOf(db, b, keyOf(name));
      expect([...got.byLine].sort((x, y) => x[0] - y[0])).toEqual(files[name]!.expect);
    });
  }

  it('stores the raw bytes of a bad line, invalid UTF-8 included', async () => {
    const { rows } = await db.query<{ raw: Buffer; detail: string }>(
      `select raw, detail from rejected_event
       where source_id in (select source_id from position_source where prefix like $1) and source_seq = 3`,
      [`s3:${b}/${keyOf('utf8').replace(/_/g, '\\_')}@%#`],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.raw.equals(BAD_UTF8)).toBe(true);
    expect(rows[0]!.detail).toMatch(/UTF-8/);
  });
});

/** Bodies that break after `n` bytes, like a connection reset by a dying worker's network. */
function breakAfter(body: AsyncIterable<Buffer>, n: number): Readable {
  return Readable.from(
    (async function* () {
      let seen = 0;
      for await (const chunk of body) {
        if (seen + chunk.length > n) {
          yield chunk.subarray(0, n - seen);
          throw new Error('ECONNRESET (test)');
        }
        seen += chunk.length;
        yield chunk;
      }
    })(),
  );
}

describe('resume after a failed attempt', () => {
  it('continues after the last staged chunk (from the heartbeat) and ends with exact counts', async () => {
    const b = await createBucket(s3, 'resume');
    const w = await writeHistory({ s3, bucket: b, rows: 70_000, files: 1, seed: 'resume' });
    const ranges: Array<string | undefined> = [];
    let cutAt = Infinity;
    // Test-side fault injection: the production code gets an S3 client, this one misbehaves.
    const flaky = new Proxy(s3, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return async (command: Parameters<S3Client['send']>[0], options?: object) => {
          const res = (await target.send(command as never, options)) as { Body?: unknown };
          if (command instanceof GetObjectCommand) {
            ranges.push(command.input.Range);
            if (cutAt < Infinity) res.Body = breakAfter(res.Body as AsyncIterable<Buffer>, cutAt);
          }
          return res;
        };
      },
    });
    const deps = buildActivityDeps({ config, db, kafka: createKafka(config), s3: flaky }, INSTALLED_DATASETS);
    const activities = createBackfillActivities(deps);
    try {
      const [file] = (await activities.listHistoryFiles({ bucket: b })).files;
      const input = { bucket: b, key: file!.key, etag: file!.etag };
      cutAt = Math.floor(file!.size * 0.6);

      const beats: BackfillHeartbeat[] = [];
      const first = new MockActivityEnvironment({ attempt: 1 });
      first.on('heartbeat', (d: BackfillHeartbeat) => beats.push(d));
      await expect(first.run(activities.extractFile, input)).rejects.toThrow(/ECONNRESET/);
      const last = beats.at(-1)!;
      expect(last).toMatchObject({ stage: 'extract', lineReached: 2 * CHUNK_LINES });
      // Staged, not visible: readers see a file all at once or not at all.
      expect(await countsOf(db, b)).toEqual({ ratings: 0, requests: 0, rejects: 0 });

      cutAt = Infinity;
      const second = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: last });
      const extracted = (await second.run(activities.extractFile, input)) as ExtractedHistoryFile;
      expect(extracted).toMatchObject({ status: 'extracted', resumedFromLine: last.lineReached });
      expect(ranges.at(-1)).toBe(`bytes=${last.bytes! - 1}-`);
      const staged = { file: extracted.file! };
      const transformed = (await new MockActivityEnvironment().run(
        activities.transformFile,
        staged,
      )) as TransformedHistoryFile;
      expect(transformed).toMatchObject({
        complete: true,
        ratings: w.totals.ratings,
        requests: w.totals.requests,
        rejects: w.totals.beforeOpening,
        lines: w.totals.rows + 1,
      });
      // A retried transform finds every chunk judged and reports the same.
      expect(await new MockActivityEnvironment().run(activities.transformFile, staged)).toMatchObject({
        ratings: transformed.ratings,
        requests: transformed.requests,
        rejects: transformed.rejects,
      });
      expect(await countsOf(db, b)).toEqual({ ratings: 0, requests: 0, rejects: 0 });
      const loaded = await new MockActivityEnvironment().run(activities.loadFile, staged);
      expect(loaded).toMatchObject({ status: 'loaded', replaced: [] });
      const inDb = await outcomesOf(db, b, file!.key);
      expect(inDb.byLine.size).toBe(w.totals.rows);
      expect([inDb.ratings, inDb.requests, inDb.rejects]).toEqual([
        w.totals.ratings,
        w.totals.requests,
        w.totals.beforeOpening,
      ]);
    } finally {
      await deps.close();
    }
  });

  it('reports an object whose ETag changed since it was listed', async () => {
    const b = await createBucket(s3, 'etag');
    const old = await putObject(s3, b, 'lmnh_hist_data_0.csv', 'at,site,val,type\n');
    await putObject(s3, b, 'lmnh_hist_data_0.csv', 'at,site,val,type\n2023-03-06 15:09:21,4,0,\n');
    const deps = buildActivityDeps({ config, db, kafka: createKafka(config), s3 }, INSTALLED_DATASETS);
    try {
      const extract = new MockActivityEnvironment().run(createBackfillActivities(deps).extractFile, {
        bucket: b,
        key: 'lmnh_hist_data_0.csv',
        etag: old,
      });
      // A failed activity with a type the UI shows, not a green one whose result says `failed`.
      const err: unknown = await extract.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: FailureType.ObjectUnreadable, nonRetryable: true });
      expect((err as Error).message).toMatch(/PreconditionFailed/);
      expect(await db.query('select 1 from staged_file where bucket = $1', [b])).toMatchObject({
        rowCount: 0,
      });
    } finally {
      await deps.close();
    }
  });
});

describe('Pinterest daily schedule', () => {
  it('runs the Pinterest backfill at 00:00 UTC with overlap SKIP', async () => {
    const scheduleId = uniqueName('pinterest-daily-test');
    const options = { scheduleId, taskQueue: tw.taskQueue };
    expect(await ensureScheduleById(tw.client, config, PINTEREST_SCHEDULE_ID, options)).toEqual({
      scheduleId,
      created: true,
    });
    const handle = tw.client.schedule.getHandle(scheduleId);
    try {
      const d = await handle.describe();
      expect(scheduleView(d)).toMatchObject({
        calendar: ['00:00'],
        timeZone: 'UTC',
        overlap: 'SKIP',
        workflowType: 'backfillWorkflow',
      });
      expect(d.action.type === 'startWorkflow' && d.action.args).toEqual([{ dataset: 'pinterest' }]);
      expect(d.info.nextActionTimes[0]!.toISOString()).toMatch(/T00:00:00\.000Z$/);
    } finally {
      await handle.delete();
    }
  });
});

describe('nightly schedule', () => {
  it('is 02:00 Europe/London with overlap SKIP, keeps a pause on ensure, and trigger starts a run', async () => {
    const scheduleId = uniqueName('nightly-test');
    const workflowId = uniqueName('nightly-run');
    const options = { scheduleId, taskQueue: tw.taskQueue, workflowId, input: { bucket } };
    expect(await ensureScheduleById(tw.client, config, NIGHTLY_SCHEDULE_ID, options)).toEqual({
      scheduleId,
      created: true,
    });
    const handle = tw.client.schedule.getHandle(scheduleId);
    try {
      let d = await handle.describe();
      expect(scheduleView(d)).toMatchObject({
        calendar: ['02:00'],
        timeZone: 'Europe/London',
        overlap: 'SKIP',
        paused: false,
        workflowType: 'backfillWorkflow',
        taskQueue: tw.taskQueue,
      });
      const next = d.info.nextActionTimes[0]!;
      expect(
        new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeStyle: 'short' }).format(next),
      ).toBe('02:00');

      await handle.pause('maintenance');
      expect(await ensureScheduleById(tw.client, config, NIGHTLY_SCHEDULE_ID, options)).toEqual({
        scheduleId,
        created: false,
      });
      d = await handle.describe();
      expect(d.state).toMatchObject({ paused: true, note: 'maintenance' });
      await handle.unpause();

      await handle.trigger();
      for (let i = 0; i < 100 && d.info.recentActions.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        d = await handle.describe();
      }
      const started = d.info.recentActions[0]!.action.workflow;
      expect(started.workflowId.startsWith(workflowId)).toBe(true);
      const summary = (await tw.client.workflow
        .getHandle(started.workflowId, started.firstExecutionRunId)
        .result()) as BackfillSummary;
      expect(summary.bucket).toBe(bucket);
      expect(summary.loaded).toEqual([]);
      expect(summary.skipped).toHaveLength(history.files.length);
    } finally {
      await handle.delete();
    }
  });
});
