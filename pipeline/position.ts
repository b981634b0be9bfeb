/**
 * Source positions: an event's identity, so loading the same position twice never makes a second
 * row. This module owns their format: building them (canonical: one spelling per position),
 * reading them back, the prefixes that select a topic's, an object's or a key's positions, and the
 * lock that serialises changes to one S3 key's rows. Nothing else spells these strings.
 *
 *   kafka:<topic>:<partition>:<offset>
 *   s3:<bucket>/<key>@<etag>#<line>
 */

export type ParsedPosition =
  | { kind: 'kafka'; topic: string; partition: number; offset: string }
  | { kind: 's3'; bucket: string; key: string; etag: string; line: number };

/** `kafka:<topic>:<partition>:<offset>`; kafkajs reports offsets as decimal strings. */
export function kafkaPosition(topic: string, partition: number, offset: string | bigint | number): string {
  if (topic === '') throw new RangeError('empty Kafka topic');
  if (!Number.isSafeInteger(partition) || partition < 0)
    throw new RangeError(`bad Kafka partition ${partition}`);
  return `${kafkaTopicPrefix(topic)}${partition}:${canonicalOffset(offset)}`;
}

/** `kafka:<topic>:`: every position of a topic starts with it. */
export const kafkaTopicPrefix = (topic: string): string => `kafka:${topic}:`;

/** `s3:<bucket>/<key>@<etag>#<line>`; S3 returns ETags wrapped in double quotes, which are not part of it. */
export function s3Position(bucket: string, key: string, etag: string, line: number): string {
  if (!Number.isSafeInteger(line) || line < 1) throw new RangeError(`bad line number ${line}`);
  return `${s3ObjectSource(bucket, key, etag)}#${line}`;
}

/** `s3:<bucket>/<key>@<etag>`: one version of an object, the source its line positions extend. */
export function s3ObjectSource(bucket: string, key: string, etag: string): string {
  const tag = etag.replace(/^"(.*)"$/, '$1');
  if (tag === '') throw new RangeError('empty ETag');
  return `${s3KeyPrefix(bucket, key)}${tag}`;
}

/** `s3:<bucket>/<key>@`: every version of a key starts with it. */
export function s3KeyPrefix(bucket: string, key: string): string {
  if (bucket === '' || key === '') throw new RangeError('empty S3 bucket or key');
  return `s3:${bucket}/${key}@`;
}

/**
 * The advisory lock name for every change of one S3 key's rows: the backfill takes it to swap a
 * new version in, the rejects replay to load a row of it, so a row cannot outlive its version.
 */
export const s3KeyLock = (bucket: string, key: string): string => `backfill:${s3KeyPrefix(bucket, key)}`;

/** What a position says, or undefined for a string that is none. */
export function parsePosition(position: string): ParsedPosition | undefined {
  const kafka = /^kafka:(.+):(\d+):(\d+)$/.exec(position);
  if (kafka) {
    return { kind: 'kafka', topic: kafka[1]!, partition: Number(kafka[2]), offset: kafka[3]! };
  }
  // A key may hold `@` and `#`; an ETag holds neither, so the last `@` and `#` are the separators.
  const s3 = /^s3:([^/]+)\/(.+)@([^@#]+)#(\d+)$/.exec(position);
  if (s3) return { kind: 's3', bucket: s3[1]!, key: s3[2]!, etag: s3[3]!, line: Number(s3[4]) };
  return undefined;
}

/** A LIKE pattern for every string starting with `prefix` (its `\`, `%` and `_` taken literally). */
export const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

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
