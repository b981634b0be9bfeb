import { describe, expect, it } from 'vitest';
import { caughtUp, dealPartitions, pick, shouldWiden, totalLag } from '../../workflows/ingest-lanes';

describe('live ingest lanes', () => {
  it('deals partitions round-robin in numeric order, never more lanes than partitions', () => {
    expect(dealPartitions(['3', '0', '10', '2', '1'], 2)).toEqual([
      ['0', '2', '10'],
      ['1', '3'],
    ]);
    expect(dealPartitions(['0', '1'], 4)).toEqual([['0'], ['1']]);
    expect(dealPartitions(['0'], 0)).toEqual([['0']]);
    const dealt = dealPartitions([...Array(12).keys()].map(String), 5);
    expect(dealt.flat().sort()).toEqual([...Array(12).keys()].map(String).sort());
  });

  it('widens at the threshold and narrows only at a quarter of it', () => {
    expect(totalLag({ '0': 10, '1': 30 })).toBe(40);
    expect(shouldWiden(40, 40)).toBe(true);
    expect(shouldWiden(39, 40)).toBe(false);
    expect(caughtUp(10, 40)).toBe(false);
    expect(caughtUp(9, 40)).toBe(true);
  });

  it("picks a lane's offsets, and leaves partitions it does not know to the checkpoint", () => {
    const offsets = { '0': '5', '1': '7', '2': '9' };
    expect(pick(offsets, ['0', '2'])).toEqual({ '0': '5', '2': '9' });
    expect(pick(offsets, undefined)).toBe(offsets);
    expect(pick(offsets, ['3'])).toBeUndefined();
    expect(pick(undefined, ['0'])).toBeUndefined();
  });
});
