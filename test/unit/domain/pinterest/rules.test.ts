import { describe, expect, it } from 'vitest';
import {
  type PinRow,
  type PinterestType,
  type PinterestVerdict,
  compareWithStored,
  judgeAgainstStored,
  judgePinterestRecord,
} from '../../../../datasets/pinterest/rules';
import { BASE, NOW, pin, record } from './records';

const judge = <T extends PinterestType>(type: T, raw: string | Uint8Array | null): PinterestVerdict<T> =>
  judgePinterestRecord(type, raw, { now: NOW });
const reasonOf = (v: PinterestVerdict): string | null => (v.kind === 'rejected' ? v.reason : null);

describe('decoding', () => {
  it('rejects U+0000 and unpaired surrogates anywhere in the document, keys and nested values included', () => {
    expect(reasonOf(judge('pin', pin({ tag_list: ['a\u0000'] })))).toBe('malformed');
    expect(reasonOf(judge('pin', '{"ti\\u0000tle": 1}'))).toBe('malformed');
    expect(reasonOf(judge('pin', pin({ title: 'x' }).replace('"x"', '"\\udc00x"')))).toBe('malformed');
    expect(reasonOf(judge('pin', pin({ title: 'x' }).replace('"x"', '"\\ud83dx"')))).toBe('malformed');
    // A paired escape is an ordinary character; an escaped backslash before "u0000" is text.
    const paired = judge('pin', pin({ title: 'x' }).replace('"x"', '"\\ud83d\\ude00 \\\\u0000"'));
    expect(paired.kind === 'row' && paired.row.title).toBe('😀 \\u0000');
  });

  it('says malformed before too_large for an oversize payload, and too_large for an oversize valid one', () => {
    const big = 'x'.repeat(70_000);
    expect(reasonOf(judge('pin', pin({ description: big })))).toBe('too_large');
    expect(reasonOf(judge('pin', pin({ description: big }).slice(0, -1)))).toBe('malformed');
    expect(reasonOf(judge('pin', pin({ description: big, title: 'a\u0000' })))).toBe('malformed');
    // The limit counts UTF-8 bytes, not UTF-16 units: 22,000 × ☕ is 66,000 bytes.
    expect(reasonOf(judge('pin', pin({ description: '☕'.repeat(22_000) })))).toBe('too_large');
    expect(
      reasonOf(judge('pin', pin({ description: 'x'.repeat(65_536 - pin({ description: '' }).length) }))),
    ).toBeNull();
  });

  it('rejects invalid UTF-8, a BOM, a tombstone and a lone surrogate in a JS string', () => {
    expect(reasonOf(judge('user', new Uint8Array([0x7b, 0xff, 0x7d])))).toBe('malformed');
    expect(reasonOf(judge('user', `\ufeff${record('user', {})}`))).toBe('malformed');
    expect(reasonOf(judge('user', null))).toBe('malformed');
    expect(reasonOf(judge('user', record('user', { first_name: '\ud800' })))).toBe('malformed');
  });

  it('lets the last of repeated keys count, and refuses __proto__ as an unexpected key', () => {
    const repeated = record('user', {}).replace('"age":34', '"age":200,"age":34');
    expect(judge('user', repeated).kind).toBe('row');
    expect(reasonOf(judge('user', record('user', {}).replace('{', '{"__proto__":{},')))).toBe(
      'unexpected_key',
    );
  });
});

describe('check order', () => {
  it.each([
    ['pin', { extra: 1, category: undefined }, 'unexpected_key'],
    ['pin', { index: -1, unique_id: 'nope' }, 'bad_ind'],
    ['pin', { unique_id: 42 }, 'bad_unique_id'],
    ['pin', { follower_count: 'lots', downloaded: 7 }, 'bad_follower_count'],
    ['pin', { downloaded: '2', title: 5 }, 'bad_downloaded'],
    ['pin', { category: 5 }, 'bad_text'],
    ['geo', { latitude: 95, timestamp: 'soon' }, 'bad_coordinates'],
    ['geo', { timestamp: '2020-01-01 00:00:00Z' }, 'bad_timestamp'],
    ['geo', { timestamp: '2099-01-01 00:00:00', country: 1 }, 'future_timestamp'],
    ['user', { age: '34.5' }, 'bad_age'],
    ['user', { age: 'x', date_joined: 'y' }, 'bad_age'],
    ['user', { ind: ' 12 ', last_name: ['x'] }, 'bad_text'],
  ] as const)('%s %j is %s', (type, changes, reason) => {
    expect(reasonOf(judge(type, record(type, changes)))).toBe(reason);
  });

  it('trims string values before every check, keys never', () => {
    expect(judge('user', record('user', { ind: '\t12\r\n', age: ' 34.0 ' }))).toMatchObject({
      kind: 'row',
      row: { ind: 12, age: 34 },
    });
    expect(reasonOf(judge('user', record('user', {}).replace('"ind"', '" ind"')))).toBe('unexpected_key');
    expect(reasonOf(judge('geo', record('geo', { country: ' \n ' })))).toBe('missing_field');
  });

  it('stores empty optional pin fields as NULL and keeps inner whitespace', () => {
    const v = judge(
      'pin',
      pin({
        title: null,
        follower_count: ' ',
        downloaded: '',
        tag_list: 'a,  b',
        save_location: 'Local save in',
      }),
    );
    expect(v).toMatchObject({
      kind: 'row',
      row: { title: null, follower_count: null, downloaded: null, tag_list: 'a,  b', save_location: null },
    });
    const kept = judge('pin', pin({ save_location: 'Local save in/data' }));
    expect(kept.kind === 'row' && kept.row.save_location).toBe('Local save in/data');
  });
});

describe('identity', () => {
  const stored = (judge('pin', pin({})) as { row: PinRow }).row;

  it('calls a re-spelled record a duplicate of its stored row', () => {
    const again = pin({
      index: '10794',
      follower_count: 26000,
      unique_id: BASE.pin.unique_id!.toString().toUpperCase(),
      title: ' TireBuyer\n',
    });
    expect(
      judgePinterestRecord('pin', again, { now: NOW, stored: (ind) => (ind === 10794 ? stored : undefined) })
        .kind,
    ).toBe('duplicate');
  });

  it('rejects a differing record as conflicting_record naming the columns, and ignores rows of other identities', () => {
    const changed = (judge('pin', pin({ title: 'Other', downloaded: 0 })) as { row: PinRow }).row;
    expect(compareWithStored('pin', changed, stored)).toEqual({
      kind: 'conflict',
      columns: ['title', 'downloaded'],
    });
    const verdict = judgeAgainstStored('pin', changed, stored);
    expect(verdict).toMatchObject({ kind: 'rejected', reason: 'conflicting_record' });
    expect(verdict.kind === 'rejected' && verdict.detail).toContain('title, downloaded');
    expect(judgeAgainstStored('pin', { ...changed, ind: 1 }, stored).kind).toBe('row');
  });

  it('throws only for an invalid now', () => {
    expect(() => judgePinterestRecord('pin', pin({}), { now: new Date(NaN) })).toThrow(RangeError);
  });
});
