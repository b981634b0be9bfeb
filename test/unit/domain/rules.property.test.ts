import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { integerLike, validateKafkaPayload, validateRecord } from '../../../datasets/kiosk/rules';
import { ctx, isWellFormedVerdict, outcome } from './fixtures';

const OPEN_AT = '2026-02-24T10:00:00+00:00';

function judge(record: Record<string, unknown>) {
  return validateKafkaPayload(JSON.stringify(record), ctx);
}

const integralForms = (n: number) => [n, String(n), `${n}.0`, `${n}.000`];
const notIntegerText = fc.string().filter((s) => s !== '' && !/^-?[0-9]+(\.0+)?$/.test(s));
const fractional = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x));

describe('integer-like coercion', () => {
  it('accepts integral numbers and their string forms, "3.00" included', () => {
    expect(integerLike('3.00')).toBe(3);
    expect(integerLike('-0')).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), (n) => {
        for (const form of integralForms(n)) expect(integerLike(form)).toBe(n + 0);
      }),
    );
  });

  it('rejects fractions, booleans, null, containers and other strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fractional, notIntegerText, fc.boolean(), fc.constant(null), fc.array(fc.nat())),
        (x) => {
          expect(integerLike(x)).toBeUndefined();
        },
      ),
    );
  });

  it('val: every integral form of -1..4 is accepted, other integers are bad_val', () => {
    fc.assert(
      fc.property(fc.integer({ min: -50, max: 50 }), fc.nat(3), (n, form) => {
        const val = integralForms(n)[form];
        const v = judge({ at: OPEN_AT, site: '3', val, ...(n === -1 ? { type: 0 } : {}) });
        expect(outcome(v)).toBe(n === -1 ? 'request' : n >= 0 && n <= 4 ? 'rating' : 'bad_val');
        if (v.kind === 'rating') expect(v.rating).toBe(n);
      }),
    );
  });

  it('val: fractions, booleans and non-integer text are bad_val', () => {
    fc.assert(
      fc.property(fc.oneof(fractional, notIntegerText, fc.boolean()), (val) => {
        expect(outcome(judge({ at: OPEN_AT, site: '3', val }))).toBe('bad_val');
      }),
    );
  });

  it('site: integral forms name the site; negative is bad_site; not in catalogue is unknown_site', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.nat(3), (n, form) => {
        const v = judge({ at: OPEN_AT, site: integralForms(n)[form], val: 2 });
        expect(outcome(v)).toBe(n < 0 ? 'bad_site' : n <= 5 ? 'rating' : 'unknown_site');
        if (v.kind === 'rating') expect(v.exhibitionPublicId).toBe(`EXH_0${n}`);
      }),
    );
  });

  it('site: fractions, booleans and non-integer text are bad_site', () => {
    fc.assert(
      fc.property(fc.oneof(fractional, notIntegerText, fc.boolean()), (site) => {
        expect(outcome(judge({ at: OPEN_AT, site, val: 2 }))).toBe('bad_site');
      }),
    );
  });

  it('type on a request: 0/1 in any integral form, anything else bad_type', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -5, max: 5 }), fractional, notIntegerText, fc.boolean()),
        fc.nat(3),
        (t, form) => {
          const type = typeof t === 'number' && Number.isInteger(t) ? integralForms(t)[form] : t;
          const v = judge({ at: OPEN_AT, site: '3', val: -1, type });
          expect(outcome(v)).toBe(t === 0 || t === 1 ? 'request' : 'bad_type');
          if (v.kind === 'request') expect(v.request).toBe(t);
        },
      ),
    );
  });
});

describe('opening hours, read in Europe/London', () => {
  // Away from the clock-change weekends: GMT (+00:00) in winter, BST (+01:00) in summer.
  const winterDay = fc.record({
    y: fc.integer({ min: 2015, max: 2025 }),
    m: fc.constantFrom(1, 2, 11, 12),
    d: fc.integer({ min: 1, max: 28 }),
  });
  const summerDay = fc.record({
    y: fc.integer({ min: 2015, max: 2025 }),
    m: fc.constantFrom(5, 6, 7, 8),
    d: fc.integer({ min: 1, max: 28 }),
  });
  const p2 = (n: number) => String(n).padStart(2, '0');
  const BOUNDARIES: [string, 'rating' | 'out_of_hours'][] = [
    ['08:44:59.999999', 'out_of_hours'],
    ['08:45:00', 'rating'],
    ['08:45:00.000000', 'rating'],
    ['18:15:00', 'rating'],
    ['18:15:00.000000', 'rating'],
    ['18:15:00.000001', 'out_of_hours'],
  ];

  for (const [season, days, offset] of [
    ['winter (GMT)', winterDay, '+00:00'],
    ['summer (BST)', summerDay, '+01:00'],
  ] as const) {
    it(`${season}: boundaries with the local offset and without an offset`, () => {
      fc.assert(
        fc.property(days, ({ y, m, d }) => {
          const date = `${y}-${p2(m)}-${p2(d)}`;
          for (const [time, expected] of BOUNDARIES) {
            for (const at of [`${date}T${time}${offset}`, `${date} ${time}`, `${date}T${time}`]) {
              expect(outcome(judge({ at, site: '1', val: 3 })), at).toBe(expected);
            }
          }
        }),
      );
    });

    it(`${season}: any local time of day is open exactly within 08:45:00..18:15:00`, () => {
      fc.assert(
        fc.property(days, fc.integer({ min: 0, max: 86_400_000_000 - 1 }), ({ y, m, d }, tod) => {
          const s = Math.floor(tod / 1e6);
          const time = `${p2(Math.floor(s / 3600))}:${p2(Math.floor(s / 60) % 60)}:${p2(s % 60)}.${String(tod % 1e6).padStart(6, '0')}`;
          const open = tod >= 31_500e6 && tod <= 65_700e6;
          for (const at of [`${y}-${p2(m)}-${p2(d)}T${time}${offset}`, `${y}-${p2(m)}-${p2(d)} ${time}`]) {
            expect(outcome(judge({ at, site: '1', val: 3 })), at).toBe(open ? 'rating' : 'out_of_hours');
          }
        }),
      );
    });
  }

  it('the same instant written with Z, +01:00, +0100 and -01:00 gets the same verdict', () => {
    const min = Date.UTC(2015, 0, 1);
    const max = Date.UTC(2026, 10, 23);
    fc.assert(
      fc.property(fc.integer({ min, max }), fc.integer({ min: 0, max: 999 }), (ms, extraMicros) => {
        const iso = (shiftHours: number) => new Date(ms + shiftHours * 3_600_000).toISOString().slice(0, 23);
        const frac = String(extraMicros).padStart(3, '0');
        const forms = [
          `${iso(0)}${frac}Z`,
          `${iso(1)}${frac}+01:00`,
          `${iso(1)}${frac}+0100`,
          `${iso(-1)}${frac}-01:00`,
        ];
        const verdicts = forms.map((at) => judge({ at, site: '2', val: 1 }));
        for (const v of verdicts) expect(v).toEqual(verdicts[0]);
        const first = verdicts[0];
        if (first?.kind === 'rating') expect(first.eventAt.iso).toBe(`${iso(0)}${frac}Z`);
      }),
    );
  });
});

describe('never throws', () => {
  it('arbitrary bytes yield a well-formed verdict', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(isWellFormedVerdict(validateKafkaPayload(bytes, ctx))).toBe(true);
      }),
    );
  });

  it('arbitrary text (lone surrogates included) yields a well-formed verdict', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(isWellFormedVerdict(validateKafkaPayload(text, ctx))).toBe(true);
      }),
    );
  });

  it('arbitrary JSON values yield a well-formed verdict; non-objects are malformed', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const v = validateKafkaPayload(JSON.stringify(value), ctx);
        expect(isWellFormedVerdict(v)).toBe(true);
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          expect(outcome(v)).toBe('malformed');
      }),
    );
  });

  it('arbitrary objects, as JSON and as records, yield a well-formed verdict', () => {
    fc.assert(
      fc.property(
        fc.object({ withBigInt: true, withDate: true, withMap: true, withNullPrototype: true }),
        (obj) => {
          expect(isWellFormedVerdict(validateRecord(obj, ctx))).toBe(true);
          let text: string | undefined;
          try {
            text = JSON.stringify(obj);
          } catch {
            return; // BigInt: not JSON
          }
          if (text !== undefined) expect(isWellFormedVerdict(validateKafkaPayload(text, ctx))).toBe(true);
        },
      ),
    );
  });

  const fieldValue = fc.oneof(
    fc.constantFrom(
      '2026-02-24T10:00:00+00:00',
      '2024-10-21 12:00:00',
      '2026-02-24T03:00:00Z',
      '2099-01-01T12:00Z',
      '',
    ),
    fc.constantFrom('0', '3', '5', '9', '-1', '1.0', 'INF', 'None', null, true),
    fc.integer({ min: -3, max: 12 }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const eventLike = fc.record(
    { at: fieldValue, site: fieldValue, val: fieldValue, type: fieldValue, note: fieldValue },
    { requiredKeys: [] },
  );

  it('event-shaped records: well-formed verdict, and key order never matters', () => {
    fc.assert(
      fc.property(eventLike, (record) => {
        const forward = judge(record);
        const backward = judge(Object.fromEntries(Object.entries(record).reverse()));
        expect(isWellFormedVerdict(forward)).toBe(true);
        expect(backward).toEqual(forward);
      }),
    );
  });
});
