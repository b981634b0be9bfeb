/**
 * The S3 sink connector's object layout, pure: where a range of one partition of a topic lives,
 * how its body is framed, and when a range is ready to be written. Shared by the archive
 * (activities/archive.ts), the Pinterest batch source (datasets/pinterest/rules/sink.ts) and the
 * simulator (datasets/pinterest/simulator/sink-objects.ts), so every part agrees on one spelling.
 */

/** The connector's `topics.dir` with its slash. */
export const DEFAULT_SINK_PREFIX = 'topics/';

/** The connector pads the start offset of a file to ten digits (`%010d`); longer offsets stay as they are. */
export const SINK_OFFSET_DIGITS = 10;

const DIGITS = /^[0-9]+$/;

/**
 * `<prefix><topic>/partition=<p>/<topic>+<p>+<startOffset>.json`, the start offset zero-padded to
 * ten digits as the connector does.
 */
export function sinkObjectKey(
  prefix: string,
  topic: string,
  partition: number,
  startOffset: string | number | bigint,
): string {
  if (!Number.isSafeInteger(partition) || partition < 0) {
    throw new RangeError(`sinkObjectKey: partition must be a non-negative integer, got ${partition}`);
  }
  const start = String(startOffset);
  if (!DIGITS.test(start)) {
    throw new RangeError(`sinkObjectKey: start offset must be a non-negative integer, got ${start}`);
  }
  const padded = BigInt(start).toString().padStart(SINK_OFFSET_DIGITS, '0');
  return `${prefix}${topic}/partition=${partition}/${topic}+${partition}+${padded}.json`;
}

/** What one object of the archive holds, besides its bytes. */
export interface SinkBody {
  body: Buffer;
  /** Messages framed (lines, unless a value holds LF bytes itself). */
  messages: number;
  /** Null values (Kafka tombstones): each an empty line. */
  tombstones: number;
  /** Values holding an LF byte, written as they are (so the object has more lines than messages). */
  valuesWithLf: number;
}

const LF = Buffer.from([0x0a]);

/**
 * One value a line, each ended by LF, as the connector's JSON/bytes formats write them. A
 * tombstone (null value) becomes an empty line, so line n is still message n of the range; a
 * value holding LF bytes is written as it is and counted (the archive stays byte-for-byte the
 * topic; a reader splitting at LF sees it as several lines).
 */
export function sinkObjectBody(values: Iterable<Uint8Array | null>): SinkBody {
  const parts: Uint8Array[] = [];
  let messages = 0;
  let tombstones = 0;
  let valuesWithLf = 0;
  for (const v of values) {
    messages++;
    if (v === null) tombstones++;
    else {
      if (v.indexOf(0x0a) >= 0) valuesWithLf++;
      parts.push(v);
    }
    parts.push(LF);
  }
  return { body: Buffer.concat(parts), messages, tombstones, valuesWithLf };
}

/** Why a partition's pending range is (or is not yet) written. */
export type RangeReadiness = 'full' | 'aged' | 'wait' | 'empty';

export interface PendingRange {
  /** Messages read for the range so far. */
  messages: number;
  /** Broker time (ms since epoch) of the range's first message, or when it was first seen. */
  firstAtMs: number | undefined;
  /** Nothing more is in the partition right now: the range holds everything up to the high watermark. */
  caughtUp: boolean;
}

export interface FlushRule {
  /** ARCHIVE_FLUSH_MESSAGES: a range this long is written at once. */
  flushMessages: number;
  /** ARCHIVE_FLUSH_SECONDS: a shorter range whose first message is this old is written once caught up. */
  flushSeconds: number;
}

/**
 * When a range is written: as soon as it holds `flushMessages` messages; or, shorter, once its
 * first message is `flushSeconds` old and the partition has nothing more to give (so a backlog is
 * always cut into full ranges, never into whatever happened to be buffered).
 */
export function rangeReadiness(range: PendingRange, rule: FlushRule, nowMs: number): RangeReadiness {
  if (range.messages <= 0) return 'empty';
  if (range.messages >= rule.flushMessages) return 'full';
  if (range.caughtUp && range.firstAtMs !== undefined && nowMs - range.firstAtMs >= rule.flushSeconds * 1000)
    return 'aged';
  return 'wait';
}

/** What a sink object's key says: `<prefix><topic>/partition=<p>/<topic>+<p>+<startOffset>.json`. */
export interface SinkObjectName {
  prefix: string;
  topic: string;
  partition: number;
  /** Decimal without the zero padding. */
  startOffset: string;
}

/**
 * Reads any sink object key, whatever its topic. A topic holds no `/`, so the last three segments
 * are the topic, `partition=<p>` and the file; the prefix is what precedes them. With `prefix`, a
 * key under another prefix is not one. Undefined for every other key.
 */
export function parseSinkObjectKey(key: string, prefix?: string): SinkObjectName | undefined {
  const parts = key.split('/');
  if (parts.length < 3) return undefined;
  const [topic, dir, file] = parts.slice(-3) as [string, string, string];
  const found = parts
    .slice(0, -3)
    .map((p) => `${p}/`)
    .join('');
  if (prefix !== undefined && found !== prefix) return undefined;
  if (topic === '' || !dir.startsWith('partition=')) return undefined;
  const p = dir.slice('partition='.length);
  const head = `${topic}+${p}+`;
  if (!DIGITS.test(p) || !file.startsWith(head) || !file.endsWith('.json')) return undefined;
  const offset = file.slice(head.length, -'.json'.length);
  const partition = Number(p);
  if (!DIGITS.test(offset) || !Number.isSafeInteger(partition)) return undefined;
  return { prefix: found, topic, partition, startOffset: BigInt(offset).toString() };
}
