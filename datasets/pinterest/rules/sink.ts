/**
 * The batch source's framing, pure: which S3 objects are the sink connector's data files, and how
 * one file splits into lines. Each line then goes through judgePinterestRecord like a Kafka value.
 */
import { DEFAULT_SINK_PREFIX } from '../../../pipeline/sink-layout';
import { PINTEREST_TYPES, type PinterestType } from './types';

export { DEFAULT_SINK_PREFIX };

export interface SinkKey {
  readonly type: PinterestType;
  readonly topic: string;
  readonly partition: number;
  /** Decimal without the connector's zero padding, so one offset has one spelling. */
  readonly startOffset: string;
}

export interface SinkLayout {
  /** Default `topics/`. */
  readonly prefix?: string;
  readonly topics: Readonly<Record<PinterestType, string>>;
}

const DIGITS = /^[0-9]+$/;

/**
 * `<prefix><topic>/partition=<p>/<topic>+<p>+<startOffset>.json` (the layout `sinkObjectKey` in
 * pipeline/sink-layout.ts writes), or undefined for any other
 * object (not data: skipped, never rejected). Plain string matching, not a regex built from the
 * topic: topic names may hold `.`, which a regex would read as "any character".
 */
export function parseSinkKey(key: string, layout: SinkLayout): SinkKey | undefined {
  const prefix = layout.prefix ?? DEFAULT_SINK_PREFIX;
  if (typeof key !== 'string' || !key.startsWith(prefix)) return undefined;
  for (const type of PINTEREST_TYPES) {
    const topic = layout.topics[type];
    const head = `${prefix}${topic}/partition=`;
    if (topic === '' || !key.startsWith(head)) continue;
    const rest = key.slice(head.length);
    const slash = rest.indexOf('/');
    if (slash < 0) continue;
    const p = rest.slice(0, slash);
    const file = rest.slice(slash + 1);
    const fileHead = `${topic}+${p}+`;
    if (!DIGITS.test(p) || !file.startsWith(fileHead) || !file.endsWith('.json')) continue;
    const offset = file.slice(fileHead.length, -'.json'.length);
    if (!DIGITS.test(offset)) continue;
    const partition = Number(p);
    if (!Number.isSafeInteger(partition)) continue;
    return { type, topic, partition, startOffset: BigInt(offset).toString() };
  }
  return undefined;
}

/**
 * Lines of a sink file, split at LF, each without its end (a CR before the LF is dropped too), so
 * `too_large` measures the line alone. Nothing follows the last LF in a well-formed file; if
 * something does (a truncated upload), it is one more line rather than silently lost data.
 * Lines are views into `bytes`, not copies.
 */
export function splitSinkLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (;;) {
    const lf = bytes.indexOf(0x0a, start);
    if (lf < 0) break;
    const end = lf > start && bytes[lf - 1] === 0x0d ? lf - 1 : lf;
    lines.push(bytes.subarray(start, end));
    start = lf + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

/**
 * parseSinkKey for a key whose prefix is not known (a file named by its key alone): the prefix is
 * whatever precedes `<topic>/partition=` at the start of the key or after a `/`.
 */
export function parseSinkKeyAnyPrefix(
  key: string,
  topics: SinkLayout['topics'],
): (SinkKey & { prefix: string }) | undefined {
  if (typeof key !== 'string') return undefined;
  for (const type of PINTEREST_TYPES) {
    const head = `${topics[type]}/partition=`;
    for (let at = key.indexOf(head); at >= 0; at = key.indexOf(head, at + 1)) {
      if (at > 0 && key[at - 1] !== '/') continue;
      const prefix = key.slice(0, at);
      const parsed = parseSinkKey(key, { prefix, topics });
      if (parsed) return { ...parsed, prefix };
    }
  }
  return undefined;
}

/** Sink objects in load order: by record type (pin, geo, user), partition, then start offset. */
export function sinkSortKey(k: SinkKey): string {
  return `${PINTEREST_TYPES.indexOf(k.type)}/${String(k.partition).padStart(10, '0')}/${k.startOffset.padStart(20, '0')}`;
}
