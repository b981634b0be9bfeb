import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import {
  kafkaPartitionSource,
  kafkaPosition,
  PositionSources,
  s3LineSource,
  s3Position,
  splitPosition,
} from '../../pipeline/position';

/** A pool that answers the resolve statement as position_source would, counting round trips. */
function fakePool() {
  const ids = new Map<string, number>();
  const calls: string[][] = [];
  const pool = {
    query: (_sql: string, [prefixes]: [string[]]) => {
      calls.push(prefixes);
      for (const p of prefixes) if (!ids.has(p)) ids.set(p, ids.size + 1);
      return Promise.resolve({ rows: prefixes.map((p) => ({ prefix: p, source_id: ids.get(p)! })) });
    },
  };
  return { pool: pool as unknown as Pool, calls };
}

describe('compact positions', () => {
  it('splits a position into its source and number, and they join back into it', () => {
    const positions = [
      kafkaPosition('lmnh', 3, '9223372036854775807'),
      s3Position('museum', 'a@b#c:d/lmnh_hist_data_1.csv', '"0f9e@"', 12),
      s3Position('museum', 'k', 'e', 1),
    ];
    for (const p of positions) {
      const { source, seq } = splitPosition(p);
      expect(source + seq).toBe(p);
    }
    expect(splitPosition('kafka:lmnh:3:42')).toEqual({ source: 'kafka:lmnh:3:', seq: '42' });
    expect(splitPosition('s3:b/k#1@e#7')).toEqual({ source: 's3:b/k#1@e#', seq: '7' });
  });

  it('names the sources a partition and an object version extend', () => {
    expect(kafkaPartitionSource('lmnh', 2) + '17').toBe(kafkaPosition('lmnh', 2, 17));
    expect(s3LineSource('b', 'k.csv', '"e"') + '5').toBe(s3Position('b', 'k.csv', 'e', 5));
  });

  it('refuses strings that are no position', () => {
    for (const bad of ['', 'kafka:lmnh:0:', 'kafka:lmnh:0:007', 's3:b/k@e#x', '42']) {
      expect(() => splitPosition(bad)).toThrow(RangeError);
    }
  });

  it('resolves a batch of sources in one round trip, then serves them from its cache', async () => {
    const { pool, calls } = fakePool();
    const sources = new PositionSources(pool);
    const a = kafkaPosition('lmnh', 0, 5);
    const b = s3Position('b', 'k', 'e', 9);
    expect(() => sources.compact(a)).toThrow(/not resolved/);
    await sources.resolve([
      kafkaPartitionSource('lmnh', 0),
      s3LineSource('b', 'k', 'e'),
      kafkaPartitionSource('lmnh', 0),
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(2);
    const [idA, seqA] = sources.compact(a);
    expect(seqA).toBe('5');
    expect(sources.compact(b)[1]).toBe('9');
    expect(sources.compact(b)[0]).not.toBe(idA);
    await sources.compactAll([a, b]);
    expect(calls).toHaveLength(1);
  });

  it('refuses a number a bigint cannot hold', async () => {
    const { pool } = fakePool();
    const sources = new PositionSources(pool);
    await sources.resolve(['kafka:lmnh:0:']);
    expect(() => sources.compact('kafka:lmnh:0:9223372036854775808')).toThrow(RangeError);
  });
});
