import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseSinkKey,
  parseSinkKeyAnyPrefix,
  sinkSortKey,
  splitSinkLines,
} from '../../../../datasets/pinterest/rules';

const layout = { topics: { pin: 'pinterest.pin', geo: 'pinterest.geo', user: 'pinterest.user' } };

describe('parseSinkKey', () => {
  it('reads the connector layout, dropping zero padding from the start offset', () => {
    expect(parseSinkKey('topics/pinterest.geo/partition=3/pinterest.geo+3+0000000120.json', layout)).toEqual({
      type: 'geo',
      topic: 'pinterest.geo',
      partition: 3,
      startOffset: '120',
    });
    expect(
      parseSinkKey('raw/pinterest.user/partition=0/pinterest.user+0+0.json', { ...layout, prefix: 'raw/' }),
    ).toMatchObject({ type: 'user', startOffset: '0' });
  });

  it.each([
    'topics/pinterest.pin/partition=1/pinterest.pin+2+0.json', // partition differs
    'topics/pinterest.pin/partition=1/pinterest.pin+1+0.json.tmp',
    'topics/pinterest.pin/partition=1/pinterest.pin+1+x.json',
    'topics/pinterest.pin/partition=/pinterest.pin++0.json',
    'topics/pinterestXpin/partition=1/pinterestXpin+1+0.json', // `.` is not a wildcard
    'topics/pinterest.pin/partition=1/pinterest.geo+1+0.json',
    'topics/other/partition=1/other+1+0.json',
    'pinterest.pin/partition=1/pinterest.pin+1+0.json',
    'topics/pinterest.pin/partition=1/sub/pinterest.pin+1+0.json',
  ])('skips %s', (key) => {
    expect(parseSinkKey(key, layout)).toBeUndefined();
  });
});

describe('splitSinkLines', () => {
  const text = (lines: Uint8Array[]): string[] => lines.map((l) => new TextDecoder().decode(l));

  it('splits at LF, drops a CR before it, keeps empty lines and a final unterminated line', () => {
    const bytes = new TextEncoder().encode('{"a":1}\r\n\n{"b":2}\n\r{"c":3}');
    expect(text(splitSinkLines(bytes))).toEqual(['{"a":1}', '', '{"b":2}', '\r{"c":3}']);
    expect(splitSinkLines(new Uint8Array(0))).toEqual([]);
  });

  it('gives back the file when the lines are joined with LF', () => {
    fc.assert(
      fc.property(fc.array(fc.string().filter((s) => !s.includes('\n') && !s.endsWith('\r'))), (lines) => {
        const file = lines.map((l) => `${l}\n`).join('');
        expect(text(splitSinkLines(new TextEncoder().encode(file)))).toEqual(
          lines.map((l) => new TextDecoder().decode(new TextEncoder().encode(l))),
        );
      }),
    );
  });
});

describe('parseSinkKeyAnyPrefix', () => {
  it('finds the prefix before <topic>/partition= at the start or after a slash', () => {
    expect(
      parseSinkKeyAnyPrefix('a/b/pinterest.pin/partition=2/pinterest.pin+2+0000000005.json', layout.topics),
    ).toEqual({ type: 'pin', topic: 'pinterest.pin', partition: 2, startOffset: '5', prefix: 'a/b/' });
    expect(
      parseSinkKeyAnyPrefix('pinterest.geo/partition=0/pinterest.geo+0+0.json', layout.topics),
    ).toMatchObject({ type: 'geo', prefix: '' });
  });

  it.each([
    'xpinterest.pin/partition=2/pinterest.pin+2+0.json', // the topic is part of a longer name
    'topics/pinterest.pin/partition=2/pinterest.pin+3+0.json',
    'lmnh_hist_data_0.csv',
  ])('refuses %s', (key) => {
    expect(parseSinkKeyAnyPrefix(key, layout.topics)).toBeUndefined();
  });
});

describe('sinkSortKey', () => {
  it('orders by type (pin, geo, user), then partition and start offset as numbers', () => {
    const keys = [
      'topics/pinterest.user/partition=0/pinterest.user+0+0.json',
      'topics/pinterest.pin/partition=10/pinterest.pin+10+0.json',
      'topics/pinterest.pin/partition=2/pinterest.pin+2+1000.json',
      'topics/pinterest.pin/partition=2/pinterest.pin+2+999.json',
      'topics/pinterest.geo/partition=0/pinterest.geo+0+0.json',
    ];
    const sorted = [...keys].sort((a, b) => {
      const ka = sinkSortKey(parseSinkKey(a, layout)!);
      const kb = sinkSortKey(parseSinkKey(b, layout)!);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    expect(sorted).toEqual([keys[3], keys[2], keys[1], keys[4], keys[0]]);
  });
});
