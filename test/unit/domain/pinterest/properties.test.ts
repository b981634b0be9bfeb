import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_INT4,
  PINTEREST_REJECT_REASONS,
  PINTEREST_TYPES,
  SENTINELS,
  judgePinterestRecord,
  parseCount,
  parseTimestamp,
  trimControlSpace,
} from '../../../../datasets/pinterest/rules';
import { BASE, NOW, pin } from './records';

const TRIMMED = ['\t', '\n', '\r', ' '];
const trimmable = fc.array(fc.constantFrom(...TRIMMED), { maxLength: 6 }).map((cs) => cs.join(''));
const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((ds) => ds.join(''));

describe('parseCount', () => {
  it('reads every plain decimal integer in range as itself', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_INT4 }), (n) => {
        expect(parseCount(String(n))).toBe(n);
        expect(parseCount(n)).toBe(n);
      }),
    );
  });

  it('scales k/K/M exactly, refusing anything that is not whole or not in range', () => {
    fc.assert(
      fc.property(digits(1, 12), fc.option(digits(1, 8)), fc.constantFrom('', 'k', 'K', 'M'), (w, f, s) => {
        const text = f === null ? `${w}${s}` : `${w}.${f}${s}`;
        const scale = s === 'M' ? 1_000_000n : s === '' ? 1n : 1000n;
        const denominator = 10n ** BigInt(f?.length ?? 0);
        const numerator = BigInt(w + (f ?? '')) * scale;
        const whole = numerator % denominator === 0n;
        const value = numerator / denominator;
        const expected = whole && value <= BigInt(MAX_INT4) ? Number(value) : undefined;
        expect(parseCount(text)).toBe(expected);
      }),
    );
  });

  it('never rounds where binary floating point would drift', () => {
    expect(parseCount('0.29k')).toBe(290);
    expect(parseCount('1.2k')).toBe(1200);
    expect(parseCount('12.5M')).toBe(12_500_000);
    expect(parseCount('2147.483647M')).toBe(MAX_INT4);
    expect(parseCount('2147.483648M')).toBeUndefined();
    expect(parseCount('1.2345k')).toBeUndefined();
  });

  it('answers any value with undefined or an integer in 0..2147483647, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.anything()), (value) => {
        const n = parseCount(value);
        if (n !== undefined) {
          expect(Number.isInteger(n) && n >= 0 && n <= MAX_INT4).toBe(true);
          expect(Object.is(n, -0)).toBe(false);
        }
      }),
    );
  });

  it('refuses negatives, fractions, separators, signs and exponents', () => {
    for (const bad of [
      '-5',
      '437.5',
      '1,234',
      '+5',
      '1e3',
      '5m',
      '.5k',
      '5.k',
      'k',
      '',
      ' 5',
      -5,
      437.5,
      NaN,
      true,
    ]) {
      expect(parseCount(bad)).toBeUndefined();
    }
  });
});

describe('trimControlSpace', () => {
  it('removes exactly leading and trailing TAB, LF, CR and SPACE', () => {
    fc.assert(
      fc.property(trimmable, fc.string({ unit: 'grapheme' }), trimmable, (left, core, right) => {
        const once = trimControlSpace(left + core + right);
        expect(once).toBe(trimControlSpace(core));
        expect(trimControlSpace(once)).toBe(once);
        expect(TRIMMED.includes(once.charAt(0))).toBe(false);
        expect(TRIMMED.includes(once.charAt(once.length - 1))).toBe(false);
        expect(core.includes(once)).toBe(true);
      }),
    );
  });

  it('keeps every other kind of space, at the ends and inside', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('\u00a0', '\v', '\f', '\u2028', '\u3000', '\ufeff'),
        trimmable,
        (space, pad) => {
          const text = `${space}a ${pad} b${space}`;
          expect(trimControlSpace(pad + text + pad)).toBe(text);
        },
      ),
    );
  });

  it('is linear on long inner runs of spaces', () => {
    // Milliseconds when linear; a quadratic scan of a million spaces would take minutes and hit
    // the test's timeout, so no wall-clock assertion is needed to tell them apart.
    const text = `a${' '.repeat(1_000_000)}b`;
    expect(trimControlSpace(text)).toBe(text);
  });
});

describe('sentinels', () => {
  const cases = Object.entries(SENTINELS).flatMap(([field, values]) =>
    values.map((value) => [field, value] as const),
  );

  it('store NULL for each sentinel, whatever trimmable padding surrounds it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases), trimmable, trimmable, ([field, value], left, right) => {
        const verdict = judgePinterestRecord('pin', pin({ [field]: left + value + right }), { now: NOW });
        expect(verdict.kind).toBe('row');
        if (verdict.kind === 'row')
          expect((verdict.row as unknown as Record<string, unknown>)[field]).toBeNull();
      }),
    );
  });

  it('are case-sensitive whole values: a changed spelling is data', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...cases.filter(([field]) => field !== 'follower_count')),
        fc.constantFrom('upper', 'lower', 'prefix', 'suffix'),
        ([field, value], change) => {
          const text =
            change === 'upper'
              ? value.toUpperCase()
              : change === 'lower'
                ? value.toLowerCase()
                : change === 'prefix'
                  ? `x${value}`
                  : `${value}x`;
          fc.pre(text !== value);
          const verdict = judgePinterestRecord('pin', pin({ [field]: text }), { now: NOW });
          expect(verdict.kind).toBe('row');
          if (verdict.kind === 'row')
            expect((verdict.row as unknown as Record<string, unknown>)[field]).toBe(text);
        },
      ),
    );
  });
});

describe('parseTimestamp', () => {
  const instant = fc.integer({
    min: new Date('0001-01-01T00:00:00Z').getTime(),
    max: new Date('9999-12-31T23:59:59Z').getTime(),
  });

  it('reads every real instant in years 0001..9999, in any allowed spelling, as PostgreSQL prints it', () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 0, max: 999 }),
        fc.constantFrom('T', ' '),
        fc.integer({ min: 0, max: 3 }),
        (ms, us, sep, extraZeros) => {
          const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
          const fraction = `${iso.slice(20, 23)}${String(us).padStart(3, '0')}`;
          const digitsShown = Math.max(1, 6 - extraZeros);
          const text = `${iso.slice(0, 10)}${sep}${iso.slice(11, 19)}.${fraction.slice(0, digitsShown)}`;
          const parsed = parseTimestamp(text);
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) return;
          const kept = fraction.slice(0, digitsShown).replace(/0+$/, '');
          expect(parsed.value.text).toBe(
            `${iso.slice(0, 10)} ${iso.slice(11, 19)}${kept === '' ? '' : `.${kept}`}`,
          );
          // Floating milliseconds: exact to well below a microsecond's worth near the epoch, ~0.01 ms in year 1.
          expect(parsed.value.epochMs).toBeCloseTo(
            Math.floor(ms / 1000) * 1000 + Number(kept.padEnd(6, '0')) / 1000,
            1,
          );
        },
      ),
    );
  });

  it('refuses days a month does not have, times of day that do not exist, offsets and extra digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const last = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // month length in a leap year
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
        const days = month === 2 && !leap ? 28 : last;
        const y = String(year).padStart(4, '0');
        const m = String(month).padStart(2, '0');
        expect(parseTimestamp(`${y}-${m}-${days} 00:00:00`).ok).toBe(true);
        expect(parseTimestamp(`${y}-${m}-${days + 1} 00:00:00`).ok).toBe(false);
      }),
    );
    for (const bad of [
      '2020-02-30 10:00:00',
      '0000-01-01 00:00:00',
      '2020-01-01 24:00:00',
      '2020-01-01 23:60:00',
      '2020-01-01 23:59:60',
      '2020-01-01 00:00:00.1234567',
      '2020-01-01 00:00:00.',
      '2020-01-01 00:00:00Z',
      '2020-01-01T00:00:00+00:00',
      '2020-01-01 00:00',
      '2020-01-01',
      '20-01-01 00:00:00',
      1598586767,
      null,
    ]) {
      expect(parseTimestamp(bad).ok).toBe(false);
    }
  });

  it('never throws on any value', () => {
    fc.assert(fc.property(fc.anything(), (value) => void parseTimestamp(value)));
    fc.assert(fc.property(fc.string(), (value) => void parseTimestamp(value)));
  });
});

describe('future timestamps', () => {
  it('accept up to exactly 5 minutes after now and reject anything later', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (offsetMs) => {
        const when = new Date(NOW + 5 * 60_000 + offsetMs).toISOString().replace('Z', '');
        const verdict = judgePinterestRecord('geo', JSON.stringify({ ...BASE.geo, timestamp: when }), {
          now: NOW,
        });
        if (offsetMs > 0) expect(verdict.kind === 'rejected' && verdict.reason).toBe('future_timestamp');
        else expect(verdict.kind).toBe('row');
      }),
    );
  });
});

describe('arbitrary input never throws', () => {
  const expectVerdict = (verdict: ReturnType<typeof judgePinterestRecord>): void => {
    expect(['row', 'duplicate', 'rejected']).toContain(verdict.kind);
    if (verdict.kind === 'rejected') {
      expect(PINTEREST_REJECT_REASONS).toContain(verdict.reason);
      expect(typeof verdict.detail).toBe('string');
    }
  };

  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PINTEREST_TYPES), fc.uint8Array({ maxLength: 300 }), (type, bytes) => {
        expectVerdict(judgePinterestRecord(type, bytes, { now: NOW }));
      }),
      { numRuns: 500 },
    );
  });

  it('on arbitrary strings, including lone surrogates, as text and as bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PINTEREST_TYPES), fc.string({ unit: 'binary' }), (type, text) => {
        expectVerdict(judgePinterestRecord(type, text, { now: NOW }));
        expectVerdict(judgePinterestRecord(type, new TextEncoder().encode(text), { now: NOW }));
      }),
    );
  });

  it('on arbitrary JSON, and on records of the right keys with arbitrary values', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PINTEREST_TYPES), fc.jsonValue(), (type, value) => {
        expectVerdict(judgePinterestRecord(type, JSON.stringify(value) ?? 'null', { now: NOW }));
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...PINTEREST_TYPES),
        fc.dictionary(
          fc.constantFrom(
            'index',
            'ind',
            'unique_id',
            'timestamp',
            'age',
            'follower_count',
            'title',
            'latitude',
          ),
          fc.jsonValue(),
        ),
        (type, overrides) => {
          const record = { ...BASE[type], ...overrides };
          const verdict = judgePinterestRecord(type, JSON.stringify(record), {
            now: NOW,
            stored: () => undefined,
          });
          expectVerdict(verdict);
          // Text and bytes are the same payload.
          expect(
            judgePinterestRecord(type, new TextEncoder().encode(JSON.stringify(record)), { now: NOW }),
          ).toEqual(verdict);
        },
      ),
    );
  });

  it('on values that are not payloads at all, and on an unknown record type', () => {
    for (const raw of [null, undefined, 42, {}, [], new DataView(new ArrayBuffer(2))]) {
      expectVerdict(judgePinterestRecord('pin', raw as unknown as string, { now: NOW }));
    }
    expect(judgePinterestRecord('board' as 'pin', pin({}), { now: NOW })).toMatchObject({
      reason: 'malformed',
    });
  });
});
