/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field below */
import { describe, expect, it } from 'vitest';
import type { KnownEvent } from '../e2e/support/dashboard-data';
import { dashboardFixture } from '../support/dashboard-fixture';

// The weekend London leaves BST (27 October 2019, 02:00 BST becomes 01:00 GMT), a window no other
// test writes to: the hour of day must be museum time on both sides of the change.
const FIRST = '2019-10-26';
const LAST = '2019-10-27';
const W = `from=${FIRST}&to=${LAST}`;

const assistance = (publicId: string, local: string): KnownEvent => ({
  publicId,
  kind: 'request',
  value: 0,
  local,
});
const emergency = (publicId: string, local: string): KnownEvent => ({
  publicId,
  kind: 'request',
  value: 1,
  local,
});

// Floors: Vault EXH_01; 1 EXH_00, EXH_03, EXH_05; 2 EXH_02; 3 EXH_04.
const EVENTS: KnownEvent[] = [
  assistance('EXH_00', '2019-10-26 09:15:00'),
  assistance('EXH_03', '2019-10-26 09:50:00'),
  emergency('EXH_05', '2019-10-26 09:59:59'),
  assistance('EXH_03', '2019-10-27 09:05:00'),
  emergency('EXH_01', '2019-10-26 10:00:00'),
  emergency('EXH_01', '2019-10-27 10:30:00'),
  assistance('EXH_01', '2019-10-27 10:45:00'),
  assistance('EXH_02', '2019-10-26 14:20:00'),
  assistance('EXH_02', '2019-10-27 14:59:00'),
  emergency('EXH_04', '2019-10-26 17:30:00'),
  assistance('EXH_04', '2019-10-27 07:40:00'), // before opening: the grid gains an 07 column
  emergency('EXH_00', '2019-10-27 19:10:00'), // after closing: and a 19 column
  { publicId: 'EXH_00', kind: 'rating', value: 4, local: '2019-10-26 11:00:00' }, // not a request
  assistance('EXH_03', '2019-10-28 09:00:00'), // the day after the window
];

/** 07:00 to 19:00: the opening hours (08-18) and the two hours with requests outside them. */
const HOURS = Array.from({ length: 13 }, (_, i) => 7 + i);

/** A heatmap row from hand-counted cells: hour -> [assistance, emergency]; every other hour is 0. */
function row(floor: string, cells: Record<number, [number, number]>, type?: 'assistance' | 'emergency') {
  const a = HOURS.map((h) => (type === 'emergency' ? 0 : (cells[h]?.[0] ?? 0)));
  const e = HOURS.map((h) => (type === 'assistance' ? 0 : (cells[h]?.[1] ?? 0)));
  return { floor, assistance: a, emergency: e, total: a.map((x, i) => x + e[i]!) };
}

const { api, ok } = dashboardFixture({
  name: 'dash-heatmap',
  token: 'dash-heatmap-test-token-0123456789',
  events: EVENTS,
});

describe('GET /api/safety/heatmap', () => {
  it('counts requests per floor and museum-time hour of day', async () => {
    const heat = await ok(`/api/safety/heatmap?${W}`);
    expect(heat.filters).toEqual({ from: FIRST, to: LAST, exhibitions: [], floors: [] });
    expect(heat.timeZone).toBe('Europe/London');
    expect(heat.hours).toEqual(HOURS.map((hour) => ({ hour, label: `${String(hour).padStart(2, '0')}:00` })));
    expect(heat.floors).toEqual([
      row('Vault', { 10: [1, 2] }),
      row('1', { 9: [3, 1], 19: [0, 1] }),
      row('2', { 14: [2, 0] }),
      row('3', { 7: [1, 0], 17: [0, 1] }),
    ]);
  });

  it('applies the type, floor, exhibition and date filters', async () => {
    expect((await ok(`/api/safety/heatmap?${W}&type=emergency`)).floors).toEqual([
      row('Vault', { 10: [1, 2] }, 'emergency'),
      row('1', { 9: [3, 1], 19: [0, 1] }, 'emergency'),
      row('2', {}, 'emergency'),
      row('3', { 17: [0, 1] }, 'emergency'),
    ]);
    // Floor 1 alone has no 07 column; its 19:00 emergency keeps the 19 column (as in by-hour), at 0.
    const floor1 = await ok(`/api/safety/heatmap?${W}&type=assistance&floor=1`);
    expect(floor1.hours.map((h: { hour: number }) => h.hour)).toEqual(HOURS.slice(1));
    expect(floor1.floors).toEqual([
      {
        floor: '1',
        assistance: [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        emergency: Array(12).fill(0),
        total: [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      },
    ]);
    // Only EXH_03's requests, on its floor; the grid keeps the opening hours.
    const one = await ok(`/api/safety/heatmap?${W}&exhibition=EXH_03`);
    expect(one.hours.map((h: { hour: number }) => h.hour)).toEqual(HOURS.slice(1, -1));
    expect(one.floors).toEqual([
      {
        floor: '1',
        assistance: [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        emergency: Array(11).fill(0),
        total: [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      },
    ]);
    // The GMT day alone.
    expect((await ok(`/api/safety/heatmap?from=${LAST}&to=${LAST}`)).floors).toEqual([
      row('Vault', { 10: [1, 1] }),
      row('1', { 9: [1, 0], 19: [0, 1] }),
      row('2', { 14: [1, 0] }),
      row('3', { 7: [1, 0] }),
    ]);
    // An exhibition not on the floor asked for: a valid question with nothing to show.
    const none = await ok(`/api/safety/heatmap?${W}&exhibition=EXH_01&floor=2`);
    expect(none.floors).toEqual([]);
  });

  it('adds up to the per-floor and per-hour totals', async () => {
    const [heat, byFloor, byHour] = await Promise.all([
      ok(`/api/safety/heatmap?${W}`),
      ok(`/api/safety/by-floor?${W}`),
      ok(`/api/safety/by-hour?${W}`),
    ]);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(
      heat.floors.map((f: any) => ({
        floor: f.floor,
        assistance: sum(f.assistance),
        emergency: sum(f.emergency),
        total: sum(f.total),
      })),
    ).toEqual(byFloor.floors);
    expect(
      heat.hours.map((h: { hour: number; label: string }, i: number) => ({
        ...h,
        assistance: sum(heat.floors.map((f: any) => f.assistance[i])),
        emergency: sum(heat.floors.map((f: any) => f.emergency[i])),
      })),
    ).toEqual(byHour.hours);
  });

  it.each([
    ['type=fire', /type must be assistance or emergency/],
    ['limit=5', /unknown parameter "limit"/],
    ['floor=Roof', /unknown floor "Roof"/],
    ['from=2019-10-32', /from must be a date/],
  ])('?%s is a 400 with a reason', async (query, reason) => {
    const { status, body } = await api(`/api/safety/heatmap?${query}`);
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'bad_request', reason: expect.stringMatching(reason) });
  });
});
