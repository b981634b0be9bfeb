import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { parse } from 'csv-parse/sync';
import type { Pool } from 'pg';
import { buildActivityDeps, createActivities, type Activities } from '../../activities';
import { INSTALLED_DATASETS } from '../../datasets';
import type { Config } from '../../config';
import { validateCsvRow, type RuleContext } from '../../datasets/kiosk/rules';
import type { BackfillInput, BackfillSummary } from '../../workflows/backfill';
import { uniqueName, WORKFLOWS_PATH } from './env';

export interface BackfillTestWorker {
  client: Client;
  taskQueue: string;
  /** Test-side seams: each replaces the real activity of the same name while set. */
  overrides: Partial<Activities>;
  /** The real activities, for an override that wraps one. */
  real: Activities;
  run(input: BackfillInput): Promise<BackfillSummary>;
  close(): Promise<void>;
}

/** A real worker on a private task queue whose activities a test can wrap (never production code). */
export async function startBackfillWorker(deps: {
  config: Config;
  db: Pool;
  s3: S3Client;
  kafka: Parameters<typeof buildActivityDeps>[0]['kafka'];
}): Promise<BackfillTestWorker> {
  const taskQueue = uniqueName('backfill');
  const nativeConnection = await NativeConnection.connect({ address: deps.config.temporal.address });
  const activityDeps = buildActivityDeps(deps, INSTALLED_DATASETS);
  const real = createActivities(activityDeps);
  const overrides: Partial<Activities> = {};
  const activities = Object.fromEntries(
    Object.entries(real).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        const o = overrides[name as keyof Activities] as ((...a: unknown[]) => unknown) | undefined;
        return (o ?? (fn as (...a: unknown[]) => unknown))(...args);
      },
    ]),
  );
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: deps.config.temporal.namespace,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: deps.config.temporal.address });
  const client = new Client({ connection, namespace: deps.config.temporal.namespace });
  return {
    client,
    taskQueue,
    overrides,
    real,
    run: (input) =>
      client.workflow.execute('backfillWorkflow', {
        taskQueue,
        workflowId: uniqueName('backfill'),
        args: [input],
      }) as Promise<BackfillSummary>,
    async close() {
      worker.shutdown();
      await running;
      await activityDeps.close();
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** Buckets made by createBucket in this process, for deleteCreatedBuckets. */
const created = new Set<string>();

export async function createBucket(s3: S3Client, prefix: string): Promise<string> {
  const bucket = uniqueName(prefix).toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  created.add(bucket);
  return bucket;
}

export async function deleteCreatedBuckets(s3: S3Client): Promise<void> {
  for (const bucket of created) {
    await deleteBucket(s3, bucket).catch(() => undefined);
    created.delete(bucket);
  }
}

export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string | Buffer,
): Promise<string> {
  const r = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return (r.ETag ?? '').replace(/^"|"$/g, '');
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<string> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return r.Body!.transformToString();
}

export interface Outcomes {
  /** line -> 'rating' | 'request' | reject reason */
  byLine: Map<number, string>;
  etags: Set<string>;
  ratings: number;
  requests: number;
  rejects: number;
}

/** What the database holds for one key (or a whole bucket), read back through the positions. */
export async function outcomesOf(db: Pool, bucket: string, key = ''): Promise<Outcomes> {
  const like = `s3:${bucket}/${key}`.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  const { rows } = await db.query<{ position: string; outcome: string }>(
    `select source_position(source_id, source_seq) as position, 'rating' as outcome from rating_interaction where source_id in (select source_id from position_source where prefix like $1)
     union all select source_position(source_id, source_seq), 'request' from request_interaction where source_id in (select source_id from position_source where prefix like $1)
     union all select source_position(source_id, source_seq), reason from rejected_event where source_id in (select source_id from position_source where prefix like $1)`,
    [like],
  );
  const out: Outcomes = { byLine: new Map(), etags: new Set(), ratings: 0, requests: 0, rejects: 0 };
  for (const r of rows) {
    const m = /@([^@#]+)#(\d+)$/.exec(r.position);
    if (!m) throw new Error(`unexpected position ${r.position}`);
    out.etags.add(m[1]!);
    if (key) out.byLine.set(Number(m[2]), r.outcome);
    if (r.outcome === 'rating') out.ratings++;
    else if (r.outcome === 'request') out.requests++;
    else out.rejects++;
  }
  return out;
}

/**
 * An independent reading of a clean history file: csv-parse over the whole text (not the loader's
 * line splitter) and the same rules, so the loader's counts can be checked against it.
 */
export function expectedOutcomes(csv: string, ctx: RuleContext) {
  const records = parse(csv, { relax_column_count: true }) as string[][];
  const [header, ...data] = records;
  const counts = { ratings: 0, requests: 0, rejects: 0, byReason: {} as Record<string, number> };
  for (const fields of data) {
    const v = validateCsvRow(header!, fields, fields.join(','), ctx);
    if (v.kind === 'rating') counts.ratings++;
    else if (v.kind === 'request') counts.requests++;
    else {
      counts.rejects++;
      counts.byReason[v.reason] = (counts.byReason[v.reason] ?? 0) + 1;
    }
  }
  return counts;
}

/** Row counts under a bucket's positions, without reading the rows. */
export async function countsOf(db: Pool, bucket: string) {
  const like = `s3:${bucket}/`.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  const { rows } = await db.query<{ ratings: string; requests: string; rejects: string }>(
    `select (select count(*) from rating_interaction where source_id in (select source_id from position_source where prefix like $1)) as ratings,
            (select count(*) from request_interaction where source_id in (select source_id from position_source where prefix like $1)) as requests,
            (select count(*) from rejected_event where source_id in (select source_id from position_source where prefix like $1)) as rejects`,
    [like],
  );
  const r = rows[0]!;
  return { ratings: Number(r.ratings), requests: Number(r.requests), rejects: Number(r.rejects) };
}

/**
 * Deletes a bucket and its objects. The local store (SeaweedFS) gives every bucket volumes of its
 * own and has only so many, so tests remove what they create.
 */
export async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) break;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
