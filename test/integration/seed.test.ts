import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { deleteBucket } from '../support/backfill';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_CATALOGUE } from '../../datasets/kiosk/rules';
import { exhibitionDocument, slugOf } from '../../datasets/kiosk/simulator/exhibitions';
import { createKafka, createPgPool, createS3 } from '../../worker/connections';
import type { SeedResult } from '../../workflows/seed';
import { stackConfig, uniqueName } from '../support/env';
import { startTestWorker, type TestWorker } from '../support/worker';

const config = stackConfig();
const db = createPgPool(config);
const s3 = createS3(config);
const bucket = uniqueName('seed').toLowerCase();
let tw: TestWorker;

async function put(key: string, body: string) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function catalogueInDb() {
  const { rows } = await db.query(
    `select public_id as "publicId", exhibition_name as name, floor_name as floor, department_name as department,
            to_char(exhibition_start_date, 'YYYY-MM-DD') as "startDate"
     from exhibition join floor using (floor_id) join department using (department_id) order by public_id`,
  );
  return rows;
}

async function runSeed(): Promise<SeedResult> {
  return tw.client.workflow.execute('seedWorkflow', {
    taskQueue: tw.taskQueue,
    workflowId: uniqueName('seed'),
    args: [{ bucket }],
  });
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const e of REFERENCE_CATALOGUE)
    await put(`lmnh_exhibition_${slugOf(e.name)}.json`, exhibitionDocument(e));
  await put('lmnh_exhibition_notes.txt', 'curator notes, not data');
  await put('lmnh_exhibition_broken.json', '{"EXHIBITION_NAME": "Half a file", "EXHIBITION_ID": ');
  tw = await startTestWorker({ config, db, kafka: createKafka(config), s3 });
});

afterAll(async () => {
  await tw?.close();
  await deleteBucket(s3, bucket).catch(() => undefined);
  await db.end();
  s3.destroy();
});

describe('seed workflow', () => {
  let first: SeedResult;

  it('seeds exactly the reference catalogue and names the broken file', async () => {
    first = await runSeed();
    expect(first.filesFailed).toEqual([
      { key: 'lmnh_exhibition_broken.json', error: expect.stringMatching(/JSON/i) },
    ]);
    expect(first.objectsIgnored).toEqual(['lmnh_exhibition_notes.txt']);
    expect(first.exhibitionsSeeded.map((e) => e.publicId).sort()).toEqual(
      REFERENCE_CATALOGUE.map((e) => e.publicId),
    );
    expect(await catalogueInDb()).toEqual(
      REFERENCE_CATALOGUE.map((e) => ({
        publicId: e.publicId,
        name: e.name,
        floor: e.floor,
        department: e.department,
        startDate: e.startDate,
      })),
    );
    const ratings = await db.query('select rating_value, rating_description from rating order by 1');
    expect(ratings.rows.map((r) => r.rating_description)).toEqual([
      'Terrible',
      'Bad',
      'Neutral',
      'Good',
      'Amazing',
    ]);
    const requests = await db.query('select request_value, request_description from request order by 1');
    expect(requests.rows.map((r) => r.request_description)).toEqual(['assistance', 'emergency']);
  });

  it('changes nothing when run twice', async () => {
    const snapshot = async () =>
      (
        await db.query(
          `select (select json_agg(e order by exhibition_id) from exhibition e) as e,
                  (select json_agg(d order by department_id) from department d) as d,
                  (select json_agg(f order by floor_id) from floor f) as f,
                  (select json_agg(r order by rating_id) from rating r) as r`,
        )
      ).rows[0];
    const before = await snapshot();
    const second = await runSeed();
    expect(second.migrationsApplied).toEqual([]);
    expect(second.exhibitionsSeeded.every((e) => !e.changed)).toBe(true);
    expect(await snapshot()).toEqual(before);
  });

  it('gives the reporting role read access to the reporting views and nothing else', async () => {
    const reader = new PgClient({
      host: config.pg.host,
      port: config.pg.port,
      database: config.pg.database,
      user: config.pg.readerUser,
      password: config.pg.readerPassword,
    });
    await reader.connect();
    try {
      const { rows } = await reader.query('select count(*)::int as n from reporting.exhibition_catalogue');
      expect(rows[0].n).toBe(REFERENCE_CATALOGUE.length);
      const refused = async (sql: string) => {
        await expect(reader.query(sql)).rejects.toThrow(/permission denied/);
      };
      await refused('select * from exhibition');
      await refused('select * from rejected_event');
      await refused("insert into department (department_name) values ('Forgery')");
      await refused('delete from rating');
      await refused('create table reporting.scratch (x int)');
      await refused('create table public.scratch (x int)');
    } finally {
      await reader.end();
    }
  });
});
