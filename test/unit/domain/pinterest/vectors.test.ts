import { describe, expect, it } from 'vitest';
import {
  type PinterestRow,
  type PinterestVerdict,
  judgePinterestRecord,
} from '../../../../datasets/pinterest/rules';
import { type PinterestVector, readPinterestVectors } from '../../../support/pinterest-vectors';

// Fixed, so the 2099 future vectors and every past one stay what they are on any machine clock.
const NOW = Date.UTC(2026, 0, 1);

type Vector = PinterestVector;
const vectors = readPinterestVectors();

/** Judges the stored payloads in order into a store, then the case against it. */
function judgeCase(v: Vector, raw: string | Uint8Array): PinterestVerdict {
  const store = new Map<number, PinterestRow>();
  for (const payload of v.stored ?? []) {
    const verdict = judgePinterestRecord(v.type, payload, { now: NOW, stored: (ind) => store.get(ind) });
    if (verdict.kind === 'rejected') throw new Error(`stored payload rejected: ${verdict.reason}`);
    if (verdict.kind === 'row') store.set(verdict.row.ind, verdict.row);
  }
  return judgePinterestRecord(v.type, raw, { now: NOW, stored: (ind) => store.get(ind) });
}

describe('pinterest vectors (test/fixtures/pinterest-vectors.jsonl)', () => {
  it('holds the 94 cases of the contract', () => {
    expect(vectors).toHaveLength(94);
  });

  it.each(vectors.map((v, i) => [i + 1, v.type, v.expect, v.reason ?? '', v] as const))(
    'line %i: %s %s %s',
    (_line, _type, _expect, _reason, v) => {
      for (const raw of [v.raw, new TextEncoder().encode(v.raw)]) {
        const verdict = judgeCase(v, raw);
        expect(verdict.kind).toBe(v.expect);
        expect(verdict.kind === 'rejected' ? verdict.reason : null).toBe(v.reason);
        expect(verdict.kind === 'rejected' ? null : verdict.row).toEqual(v.row);
        if (verdict.kind !== 'rejected' && v.row !== null) {
          // Same columns in the same order as the contract's target table.
          expect(Object.keys(verdict.row)).toEqual(Object.keys(v.row));
        }
      }
    },
  );
});
