import { describe, expect, it } from 'vitest';
import {
  isoWithOffset,
  localToEpoch,
  openingWindow,
  recentOpeningInstant,
} from '../../../datasets/kiosk/simulator';

const TZ = 'Europe/London';

describe('zoned time', () => {
  it('formats instants in museum local time with the offset in force', () => {
    expect(isoWithOffset(Date.parse('2026-02-24T17:18:22.968Z'), 819, TZ)).toBe(
      '2026-02-24T17:18:22.968819+00:00',
    );
    expect(isoWithOffset(Date.parse('2024-10-21T08:21:24.254Z'), 719, TZ)).toBe(
      '2024-10-21T09:21:24.254719+01:00',
    );
    expect(isoWithOffset(Date.parse('2024-10-21T08:21:24.004Z'), 7, 'America/New_York')).toBe(
      '2024-10-21T04:21:24.004007-04:00',
    );
  });

  it('finds local times on both sides of DST changes', () => {
    const at = (ymd: [number, number, number], second: number) => new Date(localToEpoch(...ymd, second, TZ));
    expect(at([2025, 3, 30], 8 * 3600 + 45 * 60).toISOString()).toBe('2025-03-30T07:45:00.000Z');
    expect(at([2025, 3, 29], 18 * 3600 + 15 * 60).toISOString()).toBe('2025-03-29T18:15:00.000Z');
    expect(at([2025, 10, 26], 8 * 3600 + 45 * 60).toISOString()).toBe('2025-10-26T08:45:00.000Z');
    expect(at([2025, 10, 25], 8 * 3600 + 45 * 60).toISOString()).toBe('2025-10-25T07:45:00.000Z');
  });

  it('folds night-time clocks into the last opening hours', () => {
    const w = openingWindow(Date.parse('2025-07-01T12:00:00Z'), TZ);
    expect([new Date(w.open).toISOString(), new Date(w.close).toISOString()]).toEqual([
      '2025-07-01T07:45:00.000Z',
      '2025-07-01T17:15:00.000Z',
    ]);
    const noon = Date.parse('2025-07-01T12:00:00Z');
    expect(recentOpeningInstant(noon, TZ)).toBe(noon);
    // 23:00 local is 4h45 after closing: 08:45 + 4h45 = 13:30 local that day.
    expect(new Date(recentOpeningInstant(Date.parse('2025-07-01T22:00:00Z'), TZ)).toISOString()).toBe(
      '2025-07-01T12:30:00.000Z',
    );
    // 07:00 local is 12h45 after the previous closing: wraps once (9h30) to 08:45 + 3h15 = 12:00 local.
    expect(new Date(recentOpeningInstant(Date.parse('2025-07-02T06:00:00Z'), TZ)).toISOString()).toBe(
      '2025-07-01T11:00:00.000Z',
    );
  });
});
