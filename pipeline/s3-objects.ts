import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface ObjectSummary {
  key: string;
  etag: string;
  size: number;
}

/** Every object of a bucket, across pages (ListObjectsV2 returns at most 1,000 a call). */
export async function listAllObjects(
  s3: S3Client,
  bucket: string,
  prefix?: string,
): Promise<ObjectSummary[]> {
  const out: ObjectSummary[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        ContinuationToken: token,
        ...(prefix ? { Prefix: prefix } : {}),
      }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key) out.push({ key: o.Key, etag: (o.ETag ?? '').replace(/^"|"$/g, ''), size: o.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export async function readSmallObject(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!res.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return res.Body.transformToByteArray();
}
