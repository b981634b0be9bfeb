import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Errors that say "this object, as listed, cannot be read" rather than "try again": the file is
 * reported by key and the other files go on. Anything else (network, throttling, 5xx) is thrown so
 * Temporal retries the activity.
 */
const UNAVAILABLE = new Set(['NoSuchKey', 'NotFound', 'AccessDenied', 'PreconditionFailed', 'NoSuchBucket']);

export function unavailableReason(err: unknown): string | undefined {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name !== undefined && UNAVAILABLE.has(e.name)) return e.name;
  const status = e.$metadata?.httpStatusCode;
  if (status === 403 || status === 404 || status === 412) return `HTTP ${status}`;
  return undefined;
}

export interface OpenedObject {
  body: Readable;
  /** Bytes the body will deliver. */
  length: number;
  /** Leading bytes of `body` that precede the requested offset (see openAt). */
  skip: number;
}

/**
 * Streams the object from `fromByte`, only if it still has the ETag we listed: a re-upload during
 * the load fails with PreconditionFailed instead of mixing two versions. When resuming, the range
 * starts one byte early so it is satisfiable even if every line was already read (a range starting
 * exactly at the end is a 416); that byte is skipped.
 */
export async function openAt(
  s3: S3Client,
  target: { bucket: string; key: string; etag: string },
  fromByte: number,
  signal: AbortSignal,
): Promise<OpenedObject> {
  const skip = fromByte > 0 ? 1 : 0;
  const res = await s3.send(
    new GetObjectCommand({
      Bucket: target.bucket,
      Key: target.key,
      IfMatch: `"${target.etag}"`,
      ...(fromByte > 0 ? { Range: `bytes=${fromByte - 1}-` } : {}),
    }),
    { abortSignal: signal },
  );
  if (!res.Body) throw new Error(`s3://${target.bucket}/${target.key} has no body`);
  return { body: res.Body as Readable, length: res.ContentLength ?? -1, skip };
}
