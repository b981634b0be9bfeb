import { describe, expect, it } from 'vitest';
import { REFERENCE_CATALOGUE } from '../../../datasets/kiosk/rules/catalogue';
import { validateCsvRow } from '../../../datasets/kiosk/rules/rules';
import { HISTORY_HEADER, historyLines, newHistoryStats } from '../../../datasets/kiosk/simulator';
import { CATALOGUE } from './helpers';

const NOW = Date.parse('2025-06-15T12:00:00Z');
const ROW = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}),([0-5]),(-1,[01]\.0|[0-4],)$/;
const HEADER = HISTORY_HEADER.split(',');
const START = new Map(REFERENCE_CATALOGUE.map((e) => [String(Number(e.publicId.slice(4))), e.startDate]));

describe('historyLines', () => {
  const stats = newHistoryStats();
  const lines = [...historyLines({ seed: 'hist', rows: 20_000, now: NOW, duplicateFraction: 0.002 }, stats)];
  const rows = lines.slice(1);

  it('starts with the header and yields the requested number of rows', () => {
    expect(lines[0]).toBe('at,site,val,type');
    expect(rows).toHaveLength(20_000);
    expect(stats.rows).toBe(20_000);
  });

  it('writes every row in the bucket format, within range and after its exhibition opened', () => {
    const bad = rows.filter((line) => {
      const [, date = '', , site = ''] = ROW.exec(line) ?? [];
      return date < START.get(site)! || date > '2025-06-14' || date < '2023-06-16';
    });
    expect(bad).toEqual([]);
    expect(rows.some((l) => l.endsWith(',-1,1.0'))).toBe(true);
    expect(rows.some((l) => l.startsWith('2025-06-14 '))).toBe(true);
  });

  it('has valid rows except the presses before opening, and counts them', () => {
    const tally = { rating: 0, request: 0, early: 0 };
    const bad: string[] = [];
    for (const line of rows) {
      const verdict = validateCsvRow(HEADER, line.split(','), line, { catalogue: CATALOGUE, now: NOW });
      const time = line.slice(11, 19);
      if (time < '08:45:00') {
        if (time < '08:30:00' || verdict.kind !== 'rejected' || verdict.reason !== 'out_of_hours')
          bad.push(line);
        tally.early++;
      } else {
        if (verdict.kind !== (line.includes(',-1,') ? 'request' : 'rating')) bad.push(line);
        if (verdict.kind !== 'rejected') tally[verdict.kind]++;
      }
    }
    expect(bad).toEqual([]);
    expect(tally).toEqual({ rating: stats.ratings, request: stats.requests, early: stats.beforeOpening });
    expect(stats.beforeOpening).toBeGreaterThan(100);
    expect(stats.requests / stats.rows).toBeGreaterThan(0.08);
  });

  it('repeats a few rows verbatim', () => {
    const repeats = rows.filter((l, i) => i > 0 && rows[i - 1] === l).length;
    expect(stats.duplicates).toBeGreaterThan(20);
    expect(repeats).toBeGreaterThanOrEqual(stats.duplicates);
  });

  it('is deterministic under a seed and honours an explicit date range', () => {
    const opts = { seed: 42, rows: 2_000, from: '2023-01-25', to: '2023-02-05', header: false };
    const a = [...historyLines(opts)];
    expect([...historyLines(opts)]).toEqual(a);
    expect([...historyLines({ ...opts, seed: 43 })]).not.toEqual(a);
    expect(a[0]).not.toBe(HISTORY_HEADER);
    for (const line of a)
      expect(line.slice(0, 10) >= '2023-01-25' && line.slice(0, 10) <= '2023-02-05').toBe(true);
    // Thunder Lizards (site 5) opened on 2023-02-01.
    expect(a.filter((l) => l.slice(20, 21) === '5').every((l) => l >= '2023-02-01')).toBe(true);
    expect(a.some((l) => l.slice(20, 21) === '5')).toBe(true);
  });

  it('refuses a range in which no exhibition was open', () => {
    expect(() => [...historyLines({ seed: 1, rows: 1, from: '2010-01-01', to: '2010-12-31' })]).toThrow(
      /no exhibition/,
    );
  });
});
