import type { Client } from '@temporalio/client';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { REFERENCE_CATALOGUE } from '../../domain';
import { exhibitionDocument, slugOf } from '../../simulator/exhibitions';
import type { SeedResult } from '../../workflows/seed';
import { uniqueName } from './env';

/** Seeds the test database with the spec's reference catalogue from a bucket of its own. */
export async function seedReferenceCatalogue(
  tw: { client: Client; taskQueue: string },
  s3: S3Client,
): Promise<SeedResult> {
  const bucket = uniqueName('catalogue').toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const e of REFERENCE_CATALOGUE) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `lmnh_exhibition_${slugOf(e.name)}.json`,
        Body: exhibitionDocument(e),
      }),
    );
  }
  return tw.client.workflow.execute('seedWorkflow', {
    taskQueue: tw.taskQueue,
    workflowId: uniqueName('seed'),
    args: [{ bucket }],
  });
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 60_000, intervalMs = 250, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await probe();
  }
  return last;
}
