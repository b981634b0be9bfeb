import type { Pool } from 'pg';

/**
 * Source positions: an event's identity, so loading the same position twice never makes a second
 * row. This module owns their format: building them (canonical: one spelling per position),
 * reading them back, the prefixes that select a topic's, an object's or a key's positions, the
 * lock that serialises changes to one S3 key's rows, and their compact stored form. Nothing else
 * spells these strings.
 *
 *   kafka:<topic>:<partition>:<offset>
 *   s3:<bucket>/<key>@<etag>#<line>
 *
 * Stored, a position is (source_id, source_seq) (sql/migrations/0015_position_source.sql): the
 * source is its prefix up to the number (`kafka:<topic>:<partition>:`, `s3:<bucket>/<key>@<etag>#`),
 * stored once in position_source; the number is the offset or the line. SQL reads the text back
 * with source_position(source_id, source_seq).
 */

export type ParsedPosition =
  | { kind: 'kafka'; topic: string; partition: number; offset: string }
  | { kind: 's3'; bucket: string; key: string; etag: string; line: number };

/** `kafka:<topic>:<partition>:<offset>`; kafkajs reports offsets as decimal strings. */
export function kafkaPosition(topic: string, partition: number, offset: string | bigint | number): string {
  if (topic === '') throw new RangeError('empty Kafka topic');
  if (!Number.isSafeInteger(partition) || partition < 0)
    throw new RangeError(`bad Kafka partition ${partition}`);
  return `${kafkaPartitionSource(topic, partition)}${canonicalOffset(offset)}`;
}

/** `kafka:<topic>:<partition>:`: the source of a partition's positions, each an offset after it. */
export const kafkaPartitionSource = (topic: string, partition: number): string =>
  `${kafkaTopicPrefix(topic)}${partition}:`;

/** `kafka:<topic>:`: every position of a topic starts with it. */
export const kafkaTopicPrefix = (topic: string): string => `kafka:${topic}:`;

/** `s3:<bucket>/<key>@<etag>#<line>`; S3 returns ETags wrapped in double quotes, which are not part of it. */
export function s3Position(bucket: string, key: string, etag: string, line: number): string {
  if (!Number.isSafeInteger(line) || line < 1) throw new RangeError(`bad line number ${line}`);
  return `${s3LineSource(bucket, key, etag)}${line}`;
}

/** `s3:<bucket>/<key>@<etag>#`: the source of an object version's positions, each a line after it. */
export const s3LineSource = (bucket: string, key: string, etag: string): string =>
  `${s3ObjectSource(bucket, key, etag)}#`;

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

/** A position as its source (stored once, in position_source) and its number: the offset or the line. */
export interface SplitPosition {
  source: string;
  seq: string;
}

/**
 * Splits a position after its source: both forms end in a canonical decimal number after `:` or
 * `#`. Scanned from the end, not by a regular expression: every row a load writes is split.
 */
export function splitPosition(position: string): SplitPosition {
  let at = position.length;
  while (at > 0 && isDigit(position.charCodeAt(at - 1))) at--;
  const seq = position.slice(at);
  const separator = position[at - 1];
  if (seq === '' || (seq.length > 1 && seq[0] === '0') || (separator !== ':' && separator !== '#')) {
    throw new RangeError(`not a source position: ${JSON.stringify(position)}`);
  }
  return { source: position.slice(0, at), seq };
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/** A position's stored columns (source_id, source_seq), as COPY text or query parameters. */
export type CompactPosition = readonly [sourceId: string, seq: string];

/**
 * Source ids of position prefixes, cached for the process: a prefix's id never changes once
 * committed. Ids are resolved by `resolve`, through the pool, in a statement of their own that
 * commits at once, never inside a caller's transaction: an id cached from a transaction that then
 * rolled back would name nothing. Loads resolve their handful of sources before they begin, then
 * `compact` each position without a round trip.
 */
export class PositionSources {
  private readonly ids = new Map<string, number>();

  constructor(private readonly db: Pool) {}

  /** Makes sure every source has an id: one round trip for those not cached yet. */
  async resolve(sources: Iterable<string>): Promise<void> {
    let missing = [...new Set(sources)].filter((s) => !this.ids.has(s)).sort();
    // A prefix another worker inserts concurrently is neither inserted nor seen by this statement's
    // snapshot; the next round finds it committed.
    for (let round = 0; missing.length > 0; round++) {
      if (round === 3) throw new Error(`no source id for ${missing.join(', ')}`);
      const { rows } = await this.db.query<{ source_id: number; prefix: string }>(
        `with wanted as (select unnest($1::text[]) as prefix),
              added as (insert into position_source (prefix) select prefix from wanted order by prefix
                        on conflict do nothing returning source_id, prefix)
         select source_id, prefix from added
         union all select p.source_id, p.prefix from position_source p join wanted using (prefix)`,
        [missing],
      );
      for (const r of rows) this.ids.set(r.prefix, r.source_id);
      missing = missing.filter((s) => !this.ids.has(s));
    }
  }

  /** Resolves the sources of `positions`, then gives their stored columns, in order. */
  async compactAll(positions: readonly string[]): Promise<{ ids: number[]; seqs: string[] }> {
    await this.resolve(positions.map((p) => splitPosition(p).source));
    const compact = positions.map((p) => this.compact(p));
    return { ids: compact.map(([id]) => Number(id)), seqs: compact.map(([, seq]) => seq) };
  }

  /** A position's stored columns; its source must have been resolved. */
  compact(position: string): CompactPosition {
    const { source, seq } = splitPosition(position);
    const id = this.ids.get(source);
    if (id === undefined) throw new Error(`source ${source} was not resolved before its positions`);
    if (seq.length >= 19 && BigInt(seq) > MAX_SEQ) throw new RangeError(`${position}: beyond a bigint`);
    return [String(id), seq];
  }
}

/** source_seq is a bigint (Kafka's offsets are int64 too). */
const MAX_SEQ = 2n ** 63n - 1n;

const shared = new WeakMap<Pool, PositionSources>();

/** The process's cache of source ids for a database. */
export function positionSources(db: Pool): PositionSources {
  let sources = shared.get(db);
  if (!sources) shared.set(db, (sources = new PositionSources(db)));
  return sources;
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
