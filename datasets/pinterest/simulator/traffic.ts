import { PINTEREST_TYPES, type PinterestRejectReason, type PinterestType } from '../rules';
import { createRng, deriveSeed } from '../../../simulator/random';
import { breakRecord } from './faults';
import { createPostPool } from './pool';

/** One message of emulator traffic, with the outcome the contract gives it. */
export interface PinterestMessage {
  readonly type: PinterestType;
  readonly ind: number;
  readonly value: string;
  readonly expect: 'row' | 'duplicate' | 'rejected';
  readonly reason?: PinterestRejectReason;
}

export interface PinterestTrafficOptions {
  /** Posts to draw; each is three messages (pin, geo, user). */
  posts: number;
  seed?: number | string;
  /** Distinct posts to draw from; default a quarter of `posts` (at least 1), so most draws repeat. */
  poolSize?: number;
  /** Share of records sent broken; default 1%. */
  faultRate?: number;
}

/**
 * Emulator traffic: posts drawn with replacement from a pool, so identical records repeat. The first
 * intact record of an identity is a row, every later one a duplicate (the emulator makes no
 * conflicts); a broken record is a reject and claims nothing. Pure and deterministic for a seed.
 */
export function* pinterestTraffic(options: PinterestTrafficOptions): Generator<PinterestMessage> {
  const seed = options.seed ?? 'pinterest';
  const pool = createPostPool(
    createRng(deriveSeed(seed, 'pool')),
    options.poolSize ?? Math.max(1, Math.floor(options.posts / 4)),
  );
  const rng = createRng(deriveSeed(seed, 'draws'));
  const faultRate = options.faultRate ?? 0.01;
  const stored = new Set<string>();
  for (let i = 0; i < options.posts; i++) {
    const post = rng.pick(pool);
    for (const type of PINTEREST_TYPES) {
      const record = post[type];
      if (rng.chance(faultRate)) {
        const fault = breakRecord(type, record, rng);
        yield { type, ind: post.ind, value: fault.value, expect: 'rejected', reason: fault.reason };
        continue;
      }
      const identity = `${type}:${post.ind}`;
      const expect = stored.has(identity) ? 'duplicate' : 'row';
      stored.add(identity);
      yield { type, ind: post.ind, value: JSON.stringify(record), expect };
    }
  }
}

export interface PinterestTotals {
  consumed: number;
  rows: number;
  duplicates: number;
  rejects: number;
  rejectsByReason: Partial<Record<PinterestRejectReason, number>>;
}

export type PinterestTally = Record<PinterestType, PinterestTotals>;

export function emptyTally(): PinterestTally {
  const empty = (): PinterestTotals => ({
    consumed: 0,
    rows: 0,
    duplicates: 0,
    rejects: 0,
    rejectsByReason: {},
  });
  return { pin: empty(), geo: empty(), user: empty() };
}

export function addToTally(tally: PinterestTally, m: PinterestMessage): void {
  const t = tally[m.type];
  t.consumed++;
  if (m.expect === 'row') t.rows++;
  else if (m.expect === 'duplicate') t.duplicates++;
  else {
    t.rejects++;
    if (m.reason) t.rejectsByReason[m.reason] = (t.rejectsByReason[m.reason] ?? 0) + 1;
  }
}

/** Per type, what the traffic should leave in an empty database. */
export function expectedTotals(messages: Iterable<PinterestMessage>): PinterestTally {
  const tally = emptyTally();
  for (const m of messages) addToTally(tally, m);
  return tally;
}
