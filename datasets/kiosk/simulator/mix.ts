import type { Rng } from '../../../simulator/random';

/** Each kiosk gets its own mood so dashboards have something to show. */
const RATING_WEIGHTS: readonly (readonly number[])[] = [
  [5, 10, 25, 35, 25],
  [10, 15, 30, 30, 15],
  [4, 8, 20, 38, 30],
  [6, 12, 28, 34, 20],
  [15, 20, 30, 22, 13],
  [3, 6, 15, 36, 40],
];
const OTHER_SITES = [8, 12, 28, 32, 20];
const RATINGS = [0, 1, 2, 3, 4];

export interface PressMix {
  /** Share of presses that are requests (the rest are ratings). */
  requestFraction: number;
  /** Share of requests that are emergencies. */
  emergencyFraction: number;
}

export const DEFAULT_MIX: PressMix = { requestFraction: 0.1, emergencyFraction: 0.02 };

/** `val` (0..4, or -1 for a request) and, for requests, `type` (0 assistance, 1 emergency). */
export function press(rng: Rng, site: number, mix: PressMix): { val: number; type?: number } {
  if (rng.chance(mix.requestFraction)) return { val: -1, type: rng.chance(mix.emergencyFraction) ? 1 : 0 };
  return { val: rng.weighted(RATINGS, RATING_WEIGHTS[site] ?? OTHER_SITES) };
}
