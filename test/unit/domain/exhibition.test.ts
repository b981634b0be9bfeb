import { describe, expect, it } from 'vitest';
import {
  historyFileNumber,
  isExhibitionError,
  isExhibitionKey,
  isHistoryKey,
  parseExhibitionJson,
} from '../../../datasets/kiosk/rules';

const FILE = {
  EXHIBITION_NAME: 'Thunder Lizards',
  EXHIBITION_ID: 'EXH_05',
  FLOOR: '1',
  DEPARTMENT: 'Paleontology',
  START_DATE: '01/02/23',
  DESCRIPTION: 'How dinosaurs came to dominate the land.',
};
const parse = (fields: Record<string, unknown>) =>
  parseExhibitionJson(JSON.stringify({ ...FILE, ...fields }));

describe('parseExhibitionJson', () => {
  it('parses a metadata file, DD/MM/YY meaning 20YY', () => {
    expect(parse({})).toEqual({
      publicId: 'EXH_05',
      site: 5,
      name: 'Thunder Lizards',
      floor: '1',
      department: 'Paleontology',
      startDate: '2023-02-01',
      description: 'How dinosaurs came to dominate the land.',
    });
  });

  it('accepts bytes, a BOM, single-digit day/month, a numeric floor and extra keys', () => {
    const bytes = new TextEncoder().encode(
      `\uFEFF${JSON.stringify({ ...FILE, FLOOR: 2, START_DATE: '3/7/19', X: 1 })}`,
    );
    expect(parseExhibitionJson(bytes)).toMatchObject({ floor: '2', startDate: '2019-07-03' });
    expect(parse({ EXHIBITION_ID: 'EXH_12', FLOOR: 'Vault' })).toMatchObject({ site: 12, floor: 'Vault' });
    expect(parse({ DESCRIPTION: '' })).toMatchObject({ description: '' });
  });

  it.each([
    ['{"EXHIBITION_NAME": ', 'not valid JSON'],
    ['[1]', 'not a JSON object'],
    ['null', 'not a JSON object'],
  ])('rejects %j: %s', (text, error) => {
    expect(parseExhibitionJson(text)).toEqual({ error });
  });

  it('rejects invalid UTF-8', () => {
    expect(parseExhibitionJson(new Uint8Array([0x7b, 0xc3, 0x7d]))).toEqual({ error: 'not valid UTF-8' });
  });

  it('names a missing, null, empty or non-string key', () => {
    const { START_DATE: _dropped, ...withoutDate } = FILE;
    expect(parseExhibitionJson(JSON.stringify(withoutDate))).toEqual({ error: 'missing key START_DATE' });
    expect(parse({ DEPARTMENT: null })).toEqual({ error: 'missing key DEPARTMENT' });
    expect(parse({ EXHIBITION_NAME: '  ' })).toEqual({ error: 'EXHIBITION_NAME is empty' });
    expect(parse({ EXHIBITION_NAME: 5 })).toEqual({ error: 'EXHIBITION_NAME is not a string' });
    expect(parseExhibitionJson('{"__proto__": {"EXHIBITION_NAME": "x"}}')).toEqual({
      error: 'missing key EXHIBITION_NAME',
    });
  });

  it.each(['EXH_5', 'exh_05', 'EXH-05', 'EXH_05a', ' EXH_05x', 'EXH_'])('rejects EXHIBITION_ID %j', (id) => {
    const r = parse({ EXHIBITION_ID: id });
    expect(isExhibitionError(r) && r.error).toMatch(/^EXHIBITION_ID/);
  });

  it.each(['31/02/23', '00/01/23', '01/13/23', '2023-02-01', '01/02/2023', '1/2/3', ''])(
    'rejects START_DATE %j',
    (date) => {
      const r = parse({ START_DATE: date });
      expect(isExhibitionError(r) && r.error).toMatch(/START_DATE/);
    },
  );

  it('accepts 29/02 only in leap years', () => {
    expect(parse({ START_DATE: '29/02/24' })).toMatchObject({ startDate: '2024-02-29' });
    expect(isExhibitionError(parse({ START_DATE: '29/02/23' }))).toBe(true);
  });
});

describe('bucket key patterns', () => {
  it('recognises exhibition metadata keys', () => {
    expect(isExhibitionKey('lmnh_exhibition_thunder_lizards.json')).toBe(true);
    expect(isExhibitionKey('lmnh_exhibition_thunder_lizards.txt')).toBe(false);
    expect(isExhibitionKey('lmnh_exhibition_.json')).toBe(false);
    expect(isExhibitionKey('notes/lmnh_exhibition_x.json')).toBe(false);
    expect(isExhibitionKey('lmnh_exhibition_a/b.json')).toBe(false);
  });

  it('recognises history files and their number', () => {
    expect(isHistoryKey('lmnh_hist_data_0.csv')).toBe(true);
    expect(historyFileNumber('lmnh_hist_data_12.csv')).toBe(12);
    expect(isHistoryKey('lmnh_hist_data_.csv')).toBe(false);
    expect(isHistoryKey('lmnh_hist_data_1.csv.bak')).toBe(false);
    expect(historyFileNumber('lmnh_exhibition_x.json')).toBeUndefined();
  });
});
