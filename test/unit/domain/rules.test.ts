import { describe, expect, it } from 'vitest';
import {
  MAX_PAYLOAD_BYTES,
  REJECT_REASONS,
  type Verdict,
  catalogueFromPublicIds,
  validateKafkaPayload,
  validateRecord,
} from '../../../datasets/kiosk/rules';
import { NOW, ctx, outcome } from './fixtures';

const judge = (raw: string | Uint8Array) => validateKafkaPayload(raw, ctx);
const event = (fields: Record<string, unknown>) =>
  JSON.stringify({ at: '2026-02-24T10:00:00+00:00', site: '3', val: 2, ...fields });

describe('validateKafkaPayload', () => {
  it('lists the reasons in check order', () => {
    expect(REJECT_REASONS).toEqual([
      'malformed',
      'too_large',
      'unexpected_key',
      'missing_field',
      'bad_at',
      'bad_site',
      'bad_val',
      'bad_type',
      'type_on_rating',
      'unknown_site',
      'out_of_hours',
      'future_at',
    ]);
  });

  it('returns the accepted event with microsecond UTC time', () => {
    const v = judge('{"at": "2024-10-21T18:15:00.000000+01:00", "site": "1", "val": 3}');
    expect(v).toEqual({
      kind: 'rating',
      site: 1,
      exhibitionPublicId: 'EXH_01',
      rating: 3,
      eventAt: { epochMicros: 1_729_530_900_000_000, iso: '2024-10-21T17:15:00.000000Z' },
    });
  });

  it('reports the first failing check when several fail', () => {
    // bad site, bad val, bad type, out of hours and future all at once: bad_site comes first.
    expect(outcome(judge('{"at": "2099-01-01T03:00:00Z", "site": "ERR", "val": 9, "type": 7}'))).toBe(
      'bad_site',
    );
    expect(outcome(judge('{"site": "ERR", "val": 9, "extra": 1}'))).toBe('unexpected_key');
  });

  it('treats __proto__ and other inherited names as unexpected keys', () => {
    expect(outcome(judge(event({}).replace('{', '{"__proto__": {"x": 1}, ')))).toBe('unexpected_key');
    expect(outcome(judge(event({ constructor: 1 })))).toBe('unexpected_key');
    expect(outcome(judge(event({ toString: 'x' })))).toBe('unexpected_key');
  });

  it('keeps the last of duplicate keys, as JSON.parse does', () => {
    expect(outcome(judge('{"at": "2026-02-24T10:00:00Z", "site": "3", "val": 9, "val": 1}'))).toBe('rating');
  });

  it('rejects non-UTF-8 bytes, a BOM, a tombstone and non-objects as malformed', () => {
    expect(judge(new Uint8Array([0x7b, 0xff, 0x7d]))).toMatchObject({
      reason: 'malformed',
      detail: 'not valid UTF-8',
    });
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(event({}))]);
    expect(outcome(judge(withBom))).toBe('malformed');
    expect(outcome(judge(`\uFEFF${event({})}`))).toBe('malformed');
    expect(outcome(validateKafkaPayload(null, ctx))).toBe('malformed');
    expect(outcome(judge('null'))).toBe('malformed');
    expect(outcome(judge('{"at": "\uD800"}'))).toBe('malformed');
  });

  it('accepts a Buffer and other views over a larger ArrayBuffer', () => {
    const text = event({});
    expect(outcome(judge(Buffer.from(text)))).toBe('rating');
    const padded = new TextEncoder().encode(`xx${text}yy`);
    expect(outcome(judge(padded.subarray(2, padded.length - 2)))).toBe('rating');
  });

  describe('size limit (64 KiB, counted in UTF-8 bytes)', () => {
    const padTo = (bytes: number, filler: string) => {
      const base = event({ at: '' }).length; // '{"at":"", ...}' with an empty at
      return event({
        at: filler.repeat(Math.ceil((bytes - base) / new TextEncoder().encode(filler).length)),
      });
    };

    it('an oversize JSON object is too_large, even if its fields are also bad', () => {
      expect(judge(padTo(MAX_PAYLOAD_BYTES + 1, 'a'))).toMatchObject({ reason: 'too_large' });
      expect(judge(`{"note": "${'x'.repeat(70_000)}"}`)).toMatchObject({ reason: 'too_large' });
    });

    it('counts bytes, not UTF-16 units, for text and for Uint8Array', () => {
      const text = padTo(MAX_PAYLOAD_BYTES - 100, 'é'); // ~33k characters, ~65.4k bytes
      expect(text.length).toBeLessThan(MAX_PAYLOAD_BYTES / 2 + 200);
      expect(outcome(judge(text))).toBe('bad_at');
      const over = text.replace('"at":"', `"at":"${'é'.repeat(60)}`);
      expect(outcome(judge(over))).toBe('too_large');
      expect(outcome(judge(new TextEncoder().encode(over)))).toBe('too_large');
    });

    it('exactly 65536 bytes is allowed', () => {
      const base = event({ at: '' });
      const exact = event({ at: 'a'.repeat(MAX_PAYLOAD_BYTES - base.length) });
      expect(exact.length).toBe(MAX_PAYLOAD_BYTES);
      expect(outcome(judge(exact))).toBe('bad_at');
    });

    it('an oversize payload that is not a JSON object is malformed (malformed is checked first)', () => {
      expect(outcome(judge('x'.repeat(70_000)))).toBe('malformed');
      expect(outcome(judge(`[${'1,'.repeat(40_000)}1]`))).toBe('malformed');
      expect(outcome(judge(`{"a": "${'x'.repeat(70_000)}"`))).toBe('malformed');
      expect(outcome(judge(new Uint8Array(70_000).fill(0xff)))).toBe('malformed');
    });

    it('deep nesting neither throws nor overflows the stack, under or over the limit', () => {
      const deep = (n: number, closed = n) =>
        `{"at": ${'['.repeat(n)}${']'.repeat(closed)}, "site": 1, "val": 1}`;
      expect(outcome(judge(deep(30_000)))).toBe('bad_at');
      expect(outcome(judge(deep(30_000, 29_999)))).toBe('malformed');
      expect(outcome(judge(deep(1_000_000)))).toBe('too_large');
      expect(outcome(judge(deep(1_000_000, 999_999)))).toBe('malformed');
    });
  });

  it('handles huge and odd numbers without throwing', () => {
    expect(outcome(judge(event({ site: '9'.repeat(400) })))).toBe('unknown_site');
    expect(outcome(judge(event({ site: 1e300 })))).toBe('unknown_site');
    expect(outcome(judge(event({ val: '9'.repeat(400) })))).toBe('bad_val');
    expect(outcome(judge('{"at": "2026-02-24T10:00:00Z", "site": 1e400, "val": 1}'))).toBe('bad_site');
    expect(outcome(judge(event({ site: '-0', val: '-0' })))).toBe('rating');
  });

  it('treats "" as empty: missing for at/site/val, absent for type', () => {
    expect(outcome(judge(event({ site: '' })))).toBe('missing_field');
    expect(outcome(judge(event({ val: '' })))).toBe('missing_field');
    expect(outcome(judge(event({ type: '' })))).toBe('rating');
    expect(outcome(judge(event({ val: -1, type: '' })))).toBe('bad_type');
  });

  it('future_at allows exactly five minutes of clock skew', () => {
    const at = (ms: number, micros = '000') =>
      new Date(NOW.getTime() + ms).toISOString().replace('Z', `${micros}Z`);
    const atFive = judge(event({ at: at(5 * 60_000) }));
    expect(outcome(atFive)).toBe('rating');
    expect(outcome(judge(event({ at: at(5 * 60_000, '001') })))).toBe('future_at');
    expect(
      outcome(validateKafkaPayload(event({ at: at(5 * 60_000) }), { ...ctx, now: NOW.getTime() - 1 })),
    ).toBe('future_at');
  });

  it('checks the catalogue it is given, so a new exhibition makes its site valid', () => {
    const payload = event({ site: '12' });
    expect(outcome(judge(payload))).toBe('unknown_site');
    const grown = catalogueFromPublicIds(['EXH_03', 'EXH_12']);
    expect(validateKafkaPayload(payload, { ...ctx, catalogue: grown })).toMatchObject({
      kind: 'rating',
      site: 12,
      exhibitionPublicId: 'EXH_12',
    });
  });

  it('reports the id actually in the catalogue for a zero-padded spelling', () => {
    const v = validateKafkaPayload(event({ site: '7' }), {
      ...ctx,
      catalogue: catalogueFromPublicIds(['EXH_007']),
    });
    expect(v).toMatchObject({ kind: 'rating', exhibitionPublicId: 'EXH_007' });
  });

  it('reads opening hours in the context time zone', () => {
    const ny = { ...ctx, timeZone: 'America/New_York' };
    expect(outcome(validateKafkaPayload(event({ at: '2026-02-24T14:00:00Z' }), ny))).toBe('rating'); // 09:00 EST
    expect(outcome(validateKafkaPayload(event({ at: '2026-02-24T13:00:00Z' }), ny))).toBe('out_of_hours');
    expect(outcome(validateKafkaPayload(event({ at: '2026-02-24 09:00' }), ny))).toBe('rating');
  });

  it('gives short, specific details', () => {
    const detail = (v: Verdict) => (v.kind === 'rejected' ? v.detail : '');
    expect(detail(judge(event({ val: 5 })))).toBe('val 5 outside -1..4');
    expect(detail(judge(event({ site: '9' })))).toBe('no exhibition EXH_09');
    expect(detail(judge(event({ at: '2026-02-24T07:00:00Z' })))).toBe(
      '07:00:00 Europe/London is outside 08:45:00..18:15:00',
    );
    expect(detail(judge(event({ val: -1 })))).toBe('type is absent on a request');
    expect(detail(judge(event({ note: 'y'.repeat(1000) }))).length).toBeLessThan(80);
    expect(detail(judge(event({ at: '2024-03-31 01:30' })))).toMatch(/skipped by a clock change/);
  });

  it('throws only for an invalid context, never for a payload', () => {
    expect(() => validateKafkaPayload('{}', { ...ctx, now: new Date('nope') })).toThrow(RangeError);
    expect(() => validateKafkaPayload('{}', { ...ctx, timeZone: 'Mars/Olympus_Mons' })).toThrow(RangeError);
    expect(outcome(validateKafkaPayload(event({}), { catalogue: ctx.catalogue, now: NOW }))).toBe('rating');
  });
});

describe('validateRecord', () => {
  it('applies checks 3..12 to a decoded record', () => {
    expect(outcome(validateRecord({ at: '2026-02-24T10:00:00Z', site: 3, val: -1, type: 1 }, ctx))).toBe(
      'request',
    );
    // Only own properties count: an inherited `at` is absent.
    const inherited = Object.assign(Object.create({ at: '2026-02-24T10:00:00Z' }) as object, {
      site: 3,
      val: 1,
    });
    expect(validateRecord(inherited, ctx)).toMatchObject({ reason: 'missing_field', detail: 'at is absent' });
  });
});
