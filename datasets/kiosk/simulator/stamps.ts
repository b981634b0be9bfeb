import type { Rng } from '../../../simulator/random';
import { isoWithOffset, openingWindow } from './zoned-time';

export type StampMode = 'now' | 'recent-opening-hours';

/**
 * An instant inside the most recent opening hours that is not after `now`. At night the clock is
 * folded onto the last window (stamps advance with the clock and wrap once a night), so a night-time
 * demo still produces accepted data.
 */
export function recentOpeningInstant(now: number, timeZone: string): number {
  const today = openingWindow(now, timeZone);
  if (now >= today.open && now <= today.close) return now;
  const last = now > today.close ? today : openingWindow(now, timeZone, -1);
  const length = last.close - last.open;
  return last.open + ((now - last.close) % length);
}

/** `at` for an event meant to be valid: 6 fraction digits and the museum's offset. */
export function validStamp(now: number, mode: StampMode, timeZone: string, rng: Rng): string {
  const micros = rng.int(0, 999);
  if (mode === 'now') return isoWithOffset(now, micros, timeZone);
  const instant = recentOpeningInstant(now, timeZone);
  if (instant < now) return isoWithOffset(instant, micros, timeZone);
  // In opening hours the stamp is `now`: sub-millisecond digits must not put it in the future.
  return instant - 1 >= openingWindow(now, timeZone).open
    ? isoWithOffset(instant - 1, micros, timeZone)
    : isoWithOffset(instant, 0, timeZone);
}

/** A random instant of the most recent night (after closing, before opening) that is not after `now`. */
export function outOfHoursStamp(now: number, timeZone: string, rng: Rng): string {
  const today = openingWindow(now, timeZone);
  const night =
    now >= today.close + 1000
      ? { from: today.close + 1000, to: openingWindow(now, timeZone, 1).open - 1000 }
      : { from: openingWindow(now, timeZone, -1).close + 1000, to: today.open - 1000 };
  const to = Math.min(now, night.to);
  return isoWithOffset(night.from + rng.int(0, Math.max(0, to - night.from)), rng.int(0, 999), timeZone);
}
