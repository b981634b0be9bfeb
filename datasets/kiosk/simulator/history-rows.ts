import { siteOfPublicId } from '../rules/catalogue';
import { DEFAULT_EXHIBITIONS, type SimExhibition } from './exhibitions';
import { DEFAULT_MIX, press, type PressMix } from './mix';
import { createRng } from '../../../simulator/random';
import { CLOSING_SECOND, OPENING_SECOND, localParts } from './zoned-time';

export const HISTORY_HEADER = 'at,site,val,type';

/** Kiosks wake up at 08:30, a quarter of an hour before the doors open. */
const KIOSK_ON_SECOND = 8 * 3600 + 30 * 60;
const DAY_MS = 86_400_000;

export interface HistoryRowsOptions extends Partial<PressMix> {
  seed: number | string;
  /** Data rows to produce (the header is not counted). */
  rows: number;
  /**
   * First and last museum-local date, YYYY-MM-DD; default the two years up to yesterday. A `to` of
   * today or later yields rows the rules reject as `future_at`.
   */
  from?: string;
  to?: string;
  /** Epoch ms that "yesterday" is relative to. */
  now?: number;
  timeZone?: string;
  exhibitions?: readonly SimExhibition[];
  /** Share of presses between 08:30 and 08:45 (rejected as out of hours). */
  beforeOpeningFraction?: number;
  /** Share of rows that repeat the previous row exactly. */
  duplicateFraction?: number;
  /** Emit the header line first (default true). */
  header?: boolean;
}

/** Running counts, updated as lines are pulled. */
export interface HistoryStats {
  rows: number;
  /** Ratings and requests inside opening hours: what a loader should accept. */
  ratings: number;
  requests: number;
  beforeOpening: number;
  /** Rows identical to the one before (counted in the other totals too). */
  duplicates: number;
}

export const newHistoryStats = (): HistoryStats => ({
  rows: 0,
  ratings: 0,
  requests: 0,
  beforeOpening: 0,
  duplicates: 0,
});

const dayOf = (ymd: string): number => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) throw new Error(`expected YYYY-MM-DD, got ${ymd}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
};

const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));
const clock = (s: number): string =>
  `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;

/** Museum-local date range (day numbers) the options ask for. */
export function historyDays(options: Pick<HistoryRowsOptions, 'from' | 'to' | 'now' | 'timeZone'>): {
  first: number;
  last: number;
} {
  const p = localParts(options.now ?? Date.now(), options.timeZone ?? 'Europe/London');
  const last = options.to ? dayOf(options.to) : Date.UTC(p.year, p.month - 1, p.day) / DAY_MS - 1;
  const first = options.from ? dayOf(options.from) : last - 729;
  if (first > last) throw new Error(`empty date range ${options.from} .. ${options.to}`);
  return { first, last };
}

/**
 * CSV lines (no terminator) in the bucket's format: `at` is local `YYYY-MM-DD HH:MM:SS`, `type`
 * is empty for ratings and `0.0`/`1.0` for requests. No press predates its exhibition's start.
 */
export function* historyLines(options: HistoryRowsOptions, stats = newHistoryStats()): Generator<string> {
  const rng = createRng(options.seed);
  const mix = { ...DEFAULT_MIX, ...options };
  const { beforeOpeningFraction = 0.01, duplicateFraction = 0.001 } = options;
  const kiosks = (options.exhibitions ?? DEFAULT_EXHIBITIONS).flatMap((e) => {
    const site = siteOfPublicId(e.publicId);
    return site === undefined ? [] : [{ site, opened: dayOf(e.startDate) }];
  });
  const range = historyDays(options);
  const first = Math.max(range.first, Math.min(...kiosks.map((k) => k.opened)));
  if (kiosks.length === 0 || first > range.last) throw new Error('no exhibition is open in the date range');

  const dates = new Map<number, string>();
  const dateText = (day: number): string => {
    let text = dates.get(day);
    if (text === undefined) {
      text = new Date(day * DAY_MS).toISOString().slice(0, 10);
      dates.set(day, text);
    }
    return text;
  };

  if (options.header ?? true) yield HISTORY_HEADER;
  interface Row {
    line: string;
    early: boolean;
    request: boolean;
  }
  let previous: Row | null = null;
  for (let i = 0; i < options.rows; i++) {
    let row: Row | null = previous;
    if (row && rng.chance(duplicateFraction)) {
      stats.duplicates++;
    } else {
      const day = rng.int(first, range.last);
      const open = kiosks.filter((k) => k.opened <= day);
      const site = rng.pick(open).site;
      const early = rng.chance(beforeOpeningFraction);
      const second = early
        ? rng.int(KIOSK_ON_SECOND, OPENING_SECOND - 1)
        : rng.int(OPENING_SECOND, CLOSING_SECOND);
      const { val, type } = press(rng, site, mix);
      const typeText = type === undefined ? '' : `${type}.0`;
      row = {
        line: `${dateText(day)} ${clock(second)},${site},${val},${typeText}`,
        early,
        request: val === -1,
      };
    }
    previous = row;
    stats.rows++;
    if (row.early) stats.beforeOpening++;
    else if (row.request) stats.requests++;
    else stats.ratings++;
    yield row.line;
  }
}
