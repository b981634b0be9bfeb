import { describe, expect, it } from 'vitest';
import { PartitionClaims } from '../../pipeline/partition-claims';

describe('partition claims', () => {
  it('a newer claim on any partition stops the older extract; others are left alone', async () => {
    const claims = new PartitionClaims();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let olderStopped: (() => boolean) | undefined;
    const older = claims.hold('t', [0, 1], async (stopped) => {
      olderStopped = stopped;
      await held;
      return stopped();
    });
    const other = await claims.hold('t', [2], async (stopped) => stopped());
    expect(other).toBe(false);
    expect(olderStopped!()).toBe(false);
    const newer = await claims.hold('t', [1], async (stopped) => stopped());
    expect(newer).toBe(false);
    release();
    expect(await older).toBe(true);
  });

  it('releases its partitions when done, even when the read throws', async () => {
    const claims = new PartitionClaims();
    await expect(claims.hold('t', [0], () => Promise.reject(new Error('broker down')))).rejects.toThrow();
    let leftover: (() => boolean) | undefined;
    await claims.hold('t', [0], async (stopped) => void (leftover = stopped));
    // Nothing held partition 0 any more, so a later claim stops nobody (and is stopped by nobody).
    expect(leftover!()).toBe(false);
  });
});
