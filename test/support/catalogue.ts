import type { Client } from '@temporalio/client';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { writeExhibitionFiles } from '../../datasets/kiosk/simulator/history-writer';
import type { SeedResult } from '../../workflows/seed';
import { uniqueName } from './env';

/** Seeds the test database with the spec's reference catalogue from a bucket of its own. */
export async function seedReferenceCatalogue(
  tw: { client: Client; taskQueue: string },
  s3: S3Client,
): Promise<SeedResult> {
  // One shared bucket: every S3 bucket costs SeaweedFS volumes of its own, and this content never changes.
  const bucket = 'test-reference-catalogue';
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
    if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
  });
  await writeExhibitionFiles(s3, bucket);
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
