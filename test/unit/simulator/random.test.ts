import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from '../../../datasets/kiosk/simulator';

describe('createRng', () => {
  it('replays a stream for the same seed, numeric or text', () => {
    for (const seed of [0, 1, 2 ** 32 - 1, 'demo']) {
      const a = createRng(seed);
      const b = createRng(seed);
      const xs = Array.from({ length: 100 }, () => a.next());
      expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
      expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    }
    expect(createRng(1).next()).not.toBe(createRng(2).next());
  });

  it('covers integer ranges inclusively and weights picks', () => {
    const rng = createRng(5);
    const ints = new Set(Array.from({ length: 2_000 }, () => rng.int(-3, 3)));
    expect([...ints].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    const picks = Array.from({ length: 10_000 }, () => rng.weighted(['a', 'b', 'c'], [1, 0, 3]));
    expect(picks.includes('b')).toBe(false);
    expect(picks.filter((p) => p === 'c').length / picks.length).toBeCloseTo(0.75, 1);
    expect(Array.from({ length: 1_000 }, () => rng.chance(0.2)).filter(Boolean).length).toBeLessThan(260);
    expect(() => rng.pick([])).toThrow();
  });

  it('derives distinct stable seeds from parts', () => {
    expect(deriveSeed('history', 1)).toBe(deriveSeed('history', 1));
    expect(deriveSeed('history', 1)).not.toBe(deriveSeed('history', '1'));
    expect(deriveSeed(7, 'history', 0)).not.toBe(deriveSeed(7, 'history', 1));
  });
});
