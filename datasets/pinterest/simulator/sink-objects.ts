import { PINTEREST_TYPES, type PinterestType } from '../rules';
import { DEFAULT_SINK_PREFIX, sinkObjectKey } from '../../../pipeline/sink-layout';
import type { PinterestTopics } from '../config';
import type { PinterestMessage } from './traffic';

export interface SinkObject {
  key: string;
  /** One record a line, each ended by LF, as the S3 sink connector writes them. */
  body: string;
  records: number;
}

export interface SinkOptions {
  topics: PinterestTopics;
  /** Default `topics/`. */
  prefix?: string;
  /** Records go round robin over partitions 0..n-1, as a producer without keys spreads them. */
  partitions?: number;
  /** Records per object (the connector's flush.size); default 1,000. */
  flushSize?: number;
}

/**
 * The same traffic as the S3 sink connector would archive it:
 * `<prefix><topic>/partition=<p>/<topic>+<p>+<startOffset>.json`, the start offset zero-padded to
 * ten digits as the connector does. Pure: objects are yielded as each fills, and the rest at the end.
 */
export function* sinkObjects(
  messages: Iterable<PinterestMessage>,
  options: SinkOptions,
): Generator<SinkObject> {
  const prefix = options.prefix ?? DEFAULT_SINK_PREFIX;
  const partitions = options.partitions ?? 1;
  const flushSize = options.flushSize ?? 1000;
  const open = new Map<string, { type: PinterestType; partition: number; start: number; lines: string[] }>();
  const nextOffset = new Map<string, number>();
  const sent: Record<PinterestType, number> = { pin: 0, geo: 0, user: 0 };
  const close = (o: {
    type: PinterestType;
    partition: number;
    start: number;
    lines: string[];
  }): SinkObject => {
    const topic = options.topics[o.type];
    return {
      key: sinkObjectKey(prefix, topic, o.partition, o.start),
      body: o.lines.map((l) => `${l}\n`).join(''),
      records: o.lines.length,
    };
  };
  for (const m of messages) {
    const partition = sent[m.type]++ % partitions;
    const id = `${m.type}/${partition}`;
    let o = open.get(id);
    if (!o) {
      o = { type: m.type, partition, start: nextOffset.get(id) ?? 0, lines: [] };
      open.set(id, o);
    }
    o.lines.push(m.value);
    if (o.lines.length >= flushSize) {
      open.delete(id);
      nextOffset.set(id, o.start + o.lines.length);
      yield close(o);
    }
  }
  for (const type of PINTEREST_TYPES) {
    for (let p = 0; p < partitions; p++) {
      const o = open.get(`${type}/${p}`);
      if (o) yield close(o);
    }
  }
}
