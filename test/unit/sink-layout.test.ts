import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSinkKey } from '../../datasets/pinterest/rules';
import { rangeReadiness, sinkObjectBody, sinkObjectKey } from '../../pipeline/sink-layout';
import { sinkObjects } from '../../datasets/pinterest/simulator/sink-objects';

const topics = { pin: 'pinterest.pin', geo: 'pinterest.geo', user: 'pinterest.user' };

describe('sinkObjectKey', () => {
  it('spells the connector layout, the start offset padded to ten digits', () => {
    expect(sinkObjectKey('topics/', 'lmnh', 3, 42)).toBe('topics/lmnh/partition=3/lmnh+3+0000000042.json');
    expect(sinkObjectKey('', 'a.b', 0, '0')).toBe('a.b/partition=0/a.b+0+0000000000.json');
    expect(sinkObjectKey('x/', 't', 1, 12345678901n)).toBe('x/t/partition=1/t+1+12345678901.json');
    expect(sinkObjectKey('x/', 't', 1, '007')).toBe('x/t/partition=1/t+1+0000000007.json');
  });

  it('refuses a negative or fractional partition or offset', () => {
    expect(() => sinkObjectKey('topics/', 't', -1, 0)).toThrow(RangeError);
    expect(() => sinkObjectKey('topics/', 't', 1.5, 0)).toThrow(RangeError);
    expect(() => sinkObjectKey('topics/', 't', 0, -3)).toThrow(RangeError);
    expect(() => sinkObjectKey('topics/', 't', 0, '1e3')).toThrow(RangeError);
  });

  it('is what parseSinkKey reads back', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('pin', 'geo', 'user' as const),
        fc.nat(1000),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.constantFrom('topics/', 'archive/x/', ''),
        (type, partition, offset, prefix) => {
          const key = sinkObjectKey(prefix, topics[type], partition, offset);
          expect(parseSinkKey(key, { prefix, topics })).toEqual({
            type,
            topic: topics[type],
            partition,
            startOffset: offset.toString(),
          });
        },
      ),
    );
  });

  it('is the name the simulator gives its sink objects', () => {
    const messages = Array.from({ length: 5 }, (_, i) => ({ type: 'pin' as const, value: `{"i":${i}}` }));
    const keys = [...sinkObjects(messages as never, { topics, flushSize: 2 })].map((o) => o.key);
    expect(keys).toEqual([
      sinkObjectKey('topics/', 'pinterest.pin', 0, 0),
      sinkObjectKey('topics/', 'pinterest.pin', 0, 2),
      sinkObjectKey('topics/', 'pinterest.pin', 0, 4),
    ]);
  });
});

describe('sinkObjectBody', () => {
  it('writes one value a line, each ended by LF; a tombstone is an empty line; LF in a value is counted', () => {
    const b = sinkObjectBody([Buffer.from('{"a":1}'), null, Buffer.from(''), Buffer.from('x\ny')]);
    expect(b.body.toString()).toBe('{"a":1}\n\n\nx\ny\n');
    expect(b).toMatchObject({ messages: 4, tombstones: 1, valuesWithLf: 1 });
  });

  it('keeps every byte of every value, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.uint8Array({ maxLength: 50 }), { nil: null })), (values) => {
        const b = sinkObjectBody(values);
        const expected = Buffer.concat(values.flatMap((v) => [v ?? Buffer.alloc(0), Buffer.from('\n')]));
        expect(b.body.equals(expected)).toBe(true);
        expect(b.messages).toBe(values.length);
      }),
    );
  });
});

describe('rangeReadiness', () => {
  const rule = { flushMessages: 100, flushSeconds: 60 };
  const now = 1_000_000_000;
  it('writes a full range at once, caught up or not', () => {
    expect(rangeReadiness({ messages: 100, firstAtMs: now, caughtUp: false }, rule, now)).toBe('full');
  });
  it('writes a partial range once its first message is old enough and the partition has nothing more', () => {
    const old = now - 60_000;
    expect(rangeReadiness({ messages: 5, firstAtMs: old, caughtUp: true }, rule, now)).toBe('aged');
    expect(rangeReadiness({ messages: 5, firstAtMs: old, caughtUp: false }, rule, now)).toBe('wait');
    expect(rangeReadiness({ messages: 5, firstAtMs: old + 1, caughtUp: true }, rule, now)).toBe('wait');
    expect(rangeReadiness({ messages: 0, firstAtMs: undefined, caughtUp: true }, rule, now)).toBe('empty');
  });
});
