/**
 * Source positions: an event's identity, so loading the same position twice never makes a second
 * row. The strings must be canonical (one spelling per position), hence the normalisation here.
 */

/** `kafka:<topic>:<partition>:<offset>`; kafkajs reports offsets as decimal strings. */
export function kafkaPosition(topic: string, partition: number, offset: string | bigint | number): string {
  if (topic === '') throw new RangeError('empty Kafka topic');
  if (!Number.isSafeInteger(partition) || partition < 0)
    throw new RangeError(`bad Kafka partition ${partition}`);
  return `kafka:${topic}:${partition}:${canonicalOffset(offset)}`;
}

/** `s3:<bucket>/<key>@<etag>#<line>`; S3 returns ETags wrapped in double quotes, which are not part of it. */
export function s3Position(bucket: string, key: string, etag: string, line: number): string {
  if (bucket === '' || key === '') throw new RangeError('empty S3 bucket or key');
  const tag = etag.replace(/^"(.*)"$/, '$1');
  if (tag === '') throw new RangeError('empty ETag');
  if (!Number.isSafeInteger(line) || line < 1) throw new RangeError(`bad line number ${line}`);
  return `s3:${bucket}/${key}@${tag}#${line}`;
}

function canonicalOffset(offset: string | bigint | number): string {
  if (typeof offset === 'bigint') {
    if (offset < 0n) throw new RangeError(`negative Kafka offset ${offset}`);
    return offset.toString();
  }
  if (typeof offset === 'number') {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`bad Kafka offset ${offset}`);
    return String(offset);
  }
  // Leading zeros would give one offset two identities.
  if (!/^[0-9]+$/.test(offset)) throw new RangeError(`bad Kafka offset ${JSON.stringify(offset)}`);
  return BigInt(offset).toString();
}
