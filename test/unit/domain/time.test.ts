import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEventTime } from '../../../common/time';
import { civilFromDays, daysFromCivil, parseInstant } from '../../../common/time';

const iso = (text: string, tz?: string) => {
  const r = parseEventTime(text, tz);
  return 'iso' in r ? r.iso : `error: ${r.error}`;
};

describe('parseEventTime', () => {
  it('accepts every form of the grammar', () => {
    expect(iso('2024-10-21T12:00')).toBe('2024-10-21T11:00:00.000000Z');
    expect(iso('2024-10-21 12:00:07')).toBe('2024-10-21T11:00:07.000000Z');
    expect(iso('2024-10-21T12:00:07.5Z')).toBe('2024-10-21T12:00:07.500000Z');
    expect(iso('2024-10-21T12:00:07.123456+0530')).toBe('2024-10-21T06:30:07.123456Z');
    expect(iso('2024-10-21T12:00-03:00')).toBe('2024-10-21T15:00:00.000000Z');
  });

  it('truncates fractions beyond microseconds', () => {
    expect(iso('2024-10-21T12:00:59.9999999Z')).toBe('2024-10-21T12:00:59.999999Z');
    expect(iso(`2024-10-21T12:00:00.${'9'.repeat(5000)}Z`)).toBe('2024-10-21T12:00:00.999999Z');
  });

  it.each([
    '2024-02-30T12:00:00Z',
    '2023-02-29T12:00:00Z',
    '2024-13-01T12:00:00Z',
    '2024-00-10T12:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T12:60:00Z',
    '2024-01-01T12:00:60Z',
    '2024-01-01T12:00:00+24:00',
    '2024-01-01T12:00:00.Z',
    '2024-01-01T12Z',
    '2024-1-01T12:00Z',
    '2024-01-01t12:00Z',
    '2024-01-01T12:00:00z',
    '2024-01-01T12:00:00+01',
    ' 2024-01-01T12:00:00Z',
    '2024-01-01T12:00:00Z\n',
    '0000-06-01T12:00:00Z',
    '9999-12-31T23:30:00-01:00',
    '2024-01-01T12:00:00 Europe/London',
  ])('rejects %j', (text) => {
    expect(iso(text)).toMatch(/^error: /);
  });

  it('accepts 29 February in leap years only', () => {
    expect(iso('2024-02-29 12:00')).toBe('2024-02-29T12:00:00.000000Z');
    expect(iso('2000-02-29 12:00')).toBe('2000-02-29T12:00:00.000000Z');
    expect(iso('1900-02-29 12:00')).toMatch(/^error/);
  });

  it('rejects a local time skipped by spring-forward', () => {
    expect(iso('2024-03-31 01:30')).toBe('error: skipped by a clock change in Europe/London');
    expect(iso('2024-03-31 00:59:59.999999')).toBe('2024-03-31T00:59:59.999999Z');
    expect(iso('2024-03-31 02:00')).toBe('2024-03-31T01:00:00.000000Z');
    expect(iso('2024-03-10 02:30', 'America/New_York')).toMatch(/^error/);
  });

  it('resolves a local time repeated by fall-back to the earlier (summer time) instant', () => {
    expect(iso('2024-10-27 01:30')).toBe('2024-10-27T00:30:00.000000Z');
    expect(iso('2024-10-27 01:30+00:00')).toBe('2024-10-27T01:30:00.000000Z');
    expect(iso('2024-11-03 01:30', 'America/New_York')).toBe('2024-11-03T05:30:00.000000Z');
  });

  it('uses historical offsets, seconds included (London mean time before 1847)', () => {
    expect(iso('1800-01-01 12:00')).toBe('1800-01-01T12:01:15.000000Z');
    expect(iso('1944-06-06 12:00')).toBe('1944-06-06T10:00:00.000000Z'); // double summer time
  });

  it('keeps microsecond-exact epochMicros for current dates', () => {
    expect(parseEventTime('2024-10-21T18:15:00.000001+01:00')).toEqual({
      epochMicros: 1_729_530_900_000_001,
      iso: '2024-10-21T17:15:00.000001Z',
    });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(typeof parseInstant(text, 'Europe/London').ok).toBe('boolean');
      }),
    );
  });

  it('round-trips any instant written in UTC', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 999 }),
        (d, us) => {
          const text = `${d.toISOString().slice(0, 23)}${String(us).padStart(3, '0')}Z`;
          expect(iso(text)).toBe(text);
        },
      ),
    );
  });
});

describe('civil day arithmetic', () => {
  it('agrees with Date for every day in years 0001..9999', () => {
    const min = daysFromCivil(1, 1, 1);
    const max = daysFromCivil(9999, 12, 31);
    fc.assert(
      fc.property(fc.integer({ min, max }), (days) => {
        const [y, m, d] = civilFromDays(days);
        const expected = new Date(days * 86_400_000).toISOString().slice(0, 10);
        expect(
          `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
        ).toBe(expected);
        expect(daysFromCivil(y, m, d)).toBe(days);
      }),
    );
  });
});
