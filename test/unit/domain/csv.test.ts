import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, validateCsvRow } from '../../../datasets/kiosk/rules';
import { ctx, outcome } from './fixtures';

const HEADER = ['at', 'site', 'val', 'type'];

/** Splits like the loader will (csv-parse), keeping the raw line for the reject store. */
function row(line: string, header = HEADER) {
  const [fields] = parse(line, { relax_column_count: true }) as string[][];
  return validateCsvRow(header, fields ?? [], line, ctx);
}

describe('validateCsvRow', () => {
  it('accepts a rating with an empty type, in museum local time', () => {
    expect(row('2023-03-06 15:09:21,4,0,')).toEqual({
      kind: 'rating',
      site: 4,
      exhibitionPublicId: 'EXH_04',
      rating: 0,
      eventAt: { epochMicros: 1_678_115_361_000_000, iso: '2023-03-06T15:09:21.000000Z' }, // GMT in March
    });
    expect(row('2023-07-06 15:09:21,4,0,')).toMatchObject({
      eventAt: { iso: '2023-07-06T14:09:21.000000Z' },
    }); // BST
  });

  it('accepts requests whose type is 0.0 or 1.0', () => {
    expect(row('2023-03-06 09:02:11,1,-1,0.0')).toMatchObject({ kind: 'request', site: 1, request: 0 });
    expect(row('2023-03-06 09:02:11,1,-1,1.0')).toMatchObject({ kind: 'request', site: 1, request: 1 });
    expect(outcome(row('2023-03-06 09:02:11,1,-1,2.0'))).toBe('bad_type');
    expect(outcome(row('2023-03-06 09:02:11,1,-1,'))).toBe('bad_type');
  });

  it('rejects presses before opening (08:30..08:45) as out_of_hours', () => {
    expect(outcome(row('2023-03-06 08:30:00,1,2,'))).toBe('out_of_hours');
    expect(outcome(row('2023-03-06 08:44:59,1,2,'))).toBe('out_of_hours');
    expect(outcome(row('2023-03-06 08:45:00,1,2,'))).toBe('rating');
  });

  it('rejects a row whose field count differs from the header as malformed', () => {
    expect(row('2023-03-06 15:09:21,4,0')).toMatchObject({
      reason: 'malformed',
      detail: '3 fields, header has 4',
    });
    expect(outcome(row('2023-03-06 15:09:21,4,0,,'))).toBe('malformed');
    expect(outcome(validateCsvRow(HEADER, [], '', ctx))).toBe('malformed');
  });

  it('maps columns by name, whatever their order', () => {
    expect(outcome(row('0,,4,2023-03-06 15:09:21', ['val', 'type', 'site', 'at']))).toBe('rating');
    expect(outcome(row('2023-03-06 15:09:21,4,0', ['at', 'site', 'val']))).toBe('rating');
    expect(outcome(row('2023-03-06 15:09:21,4', ['at', 'site']))).toBe('missing_field');
  });

  it('rejects every row of a file with an unknown column as unexpected_key', () => {
    expect(outcome(row('2023-03-06 15:09:21,4,0,,x', [...HEADER, 'note']))).toBe('unexpected_key');
    expect(outcome(row('2023-03-06 15:09:21,4,0,,x', [...HEADER, '__proto__']))).toBe('unexpected_key');
  });

  it('rejects a header that repeats a column as malformed', () => {
    expect(outcome(row('2023-03-06 15:09:21,4,0,5', ['at', 'site', 'val', 'val']))).toBe('malformed');
  });

  it('treats empty at/site/val as missing_field', () => {
    expect(outcome(row(',4,0,'))).toBe('missing_field');
    expect(outcome(row('2023-03-06 15:09:21,,0,'))).toBe('missing_field');
    expect(outcome(row('2023-03-06 15:09:21,4,,'))).toBe('missing_field');
  });

  it('applies the size limit to the raw line', () => {
    const line = `2023-03-06 15:09:21,4,0,${'x'.repeat(MAX_PAYLOAD_BYTES)}`;
    expect(outcome(row(line))).toBe('too_large');
  });

  it('judges identical rows identically (both count: identity is the position, not the content)', () => {
    expect(row('2023-03-06 15:09:21,4,0,')).toEqual(row('2023-03-06 15:09:21,4,0,'));
  });
});
