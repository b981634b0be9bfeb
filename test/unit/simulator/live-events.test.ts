import { describe, expect, it } from 'vitest';
import { validateKafkaPayload } from '../../../datasets/kiosk/rules/rules';
import {
  FAULT_KINDS,
  FAULT_REASON,
  createLiveEventGenerator,
  type LiveEvent,
} from '../../../datasets/kiosk/simulator';
import { CATALOGUE, TZ, inHours, localTime } from './helpers';

const text = (e: LiveEvent): string => Buffer.from(e.value).toString('utf8');
const take = (n: number, next: () => LiveEvent): LiveEvent[] => Array.from({ length: n }, next);
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}[+-]\d{2}:\d{2}$/;
const atOf = (e: LiveEvent): string => (JSON.parse(text(e)) as { at: string }).at;

/** Winter day, summer night, DST-change mornings (spring and autumn), just after closing. */
const CLOCKS = [
  '2026-02-24T10:18:22.968Z',
  '2025-07-01T23:30:00Z',
  '2025-03-30T06:00:00Z',
  '2025-10-26T07:40:00Z',
  '2025-06-10T17:15:00.500Z',
].map(Date.parse);

describe('createLiveEventGenerator', () => {
  it('replays the same events for the same seed and clock', () => {
    const make = (seed: number) => createLiveEventGenerator({ seed, clock: () => CLOCKS[0]! });
    const a = make(7);
    const b = make(7);
    const c = make(8);
    const first = take(500, () => a.next());
    expect(take(500, () => b.next())).toEqual(first);
    expect(take(500, () => c.next()).map(text)).not.toEqual(first.map(text));
  });

  it('roughly respects the fault fraction and the request/emergency mix', () => {
    const g = createLiveEventGenerator({ seed: 1, clock: () => CLOCKS[0]! });
    const events = take(20_000, () => g.next());
    const count = (intended: string) => events.filter((e) => e.intended === intended).length;
    expect(count('fault') / events.length).toBeGreaterThan(0.137);
    expect(count('fault') / events.length).toBeLessThan(0.163);
    const valid = events.length - count('fault');
    expect(count('request') / valid).toBeGreaterThan(0.08);
    expect(count('request') / valid).toBeLessThan(0.12);
    const emergencies = events.filter((e) => e.intended === 'request' && text(e).endsWith('"type": 1}'));
    expect(emergencies.length).toBeGreaterThan(0);
    expect(emergencies.length / count('request')).toBeLessThan(0.05);
  });

  it.each(CLOCKS.map((clock) => [new Date(clock).toISOString(), clock]))(
    'recent-opening-hours at %s: valid events are accepted, faults are rejected with their reason',
    (_label, clock) => {
      const g = createLiveEventGenerator({ seed: clock, faultFraction: 0.5, clock: () => clock });
      const wrong: string[] = [];
      for (const e of take(4_000, () => g.next())) {
        const verdict = validateKafkaPayload(e.value, { catalogue: CATALOGUE, now: clock, timeZone: TZ });
        const payload = text(e).slice(0, 200);
        if (e.intended === 'fault') {
          const fault = e.fault!;
          const ok =
            verdict.kind === 'rejected' && (fault === 'multiple' || verdict.reason === FAULT_REASON[fault]);
          if (!ok) wrong.push(`${fault}: ${payload}`);
        } else if (verdict.kind !== e.intended || e.key !== (JSON.parse(payload) as { site: string }).site) {
          wrong.push(`${e.intended}: ${payload}`);
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it("'now' mode stamps the clock in museum local time with six fraction digits", () => {
    const clock = Date.parse('2025-07-01T12:34:56.789Z');
    const g = createLiveEventGenerator({ seed: 3, faultFraction: 0, stampMode: 'now', clock: () => clock });
    const events = take(200, () => g.next());
    expect(events.filter((e) => !/^2025-07-01T13:34:56\.789\d{3}\+01:00$/.test(atOf(e)))).toEqual([]);
    const verdicts = events.map(
      (e) => validateKafkaPayload(e.value, { catalogue: CATALOGUE, now: clock }).kind,
    );
    expect(verdicts).toEqual(events.map((e) => e.intended));
  });

  it("'now' mode at night behaves like the real producer: everything is out of hours", () => {
    const clock = Date.parse('2025-07-01T23:30:00Z');
    const g = createLiveEventGenerator({ seed: 4, faultFraction: 0, stampMode: 'now', clock: () => clock });
    const reasons = new Set(
      take(100, () => g.next()).map((e) => {
        const verdict = validateKafkaPayload(e.value, { catalogue: CATALOGUE, now: clock });
        return verdict.kind === 'rejected' ? verdict.reason : verdict.kind;
      }),
    );
    expect([...reasons]).toEqual(['out_of_hours']);
  });

  it('recent-opening-hours stamps are never in the future and always inside opening hours', () => {
    let clock = Date.parse('2025-03-27T00:03:00Z');
    const g = createLiveEventGenerator({ seed: 5, faultFraction: 0, clock: () => clock });
    // Ten days in 7-minute steps, across the spring DST change.
    const wrong: string[] = [];
    for (let i = 0; i < 2_100; i++, clock += 7 * 60_000 + 13) {
      const at = atOf(g.next());
      const ms = Date.parse(at);
      const future = ms > clock || (ms === clock && !/000[+-]/.test(at));
      if (!STAMP.test(at) || future || !inHours(ms)) wrong.push(`${at} (${localTime(ms)}) at ${clock}`);
    }
    expect(wrong).toEqual([]);
  });

  it('out-of-hours faults are in the past and outside opening hours', () => {
    for (const clock of CLOCKS) {
      const g = createLiveEventGenerator({ seed: 9, faultFraction: 1, clock: () => clock });
      const faults = take(3_000, () => g.next()).filter((e) => e.fault === 'out_of_hours');
      expect(faults.length).toBeGreaterThan(50);
      const wrong = faults.map(atOf).filter((at) => Date.parse(at) > clock || inHours(Date.parse(at)));
      expect(wrong).toEqual([]);
    }
  });

  it('produces every declared fault kind, oversized ones above 64 KiB', () => {
    const g = createLiveEventGenerator({ seed: 11, faultFraction: 1, clock: () => CLOCKS[1]! });
    const seen = new Map<string, LiveEvent>();
    for (const e of take(20_000, () => g.next())) if (e.fault && !seen.has(e.fault)) seen.set(e.fault, e);
    expect([...seen.keys()].sort()).toEqual([...FAULT_KINDS].sort());
    expect(seen.get('oversized')!.value.byteLength).toBeGreaterThan(64 * 1024);
  });

  it('uses only the given sites and never a known site for unknown_site faults', () => {
    const g = createLiveEventGenerator({
      seed: 2,
      sites: [3, 7],
      faultFraction: 0.3,
      clock: () => CLOCKS[0]!,
    });
    const events = take(3_000, () => g.next());
    const keys = (pick: (e: LiveEvent) => boolean) => new Set(events.filter(pick).map((e) => e.key));
    expect([...keys((e) => e.intended !== 'fault')].sort()).toEqual(['3', '7']);
    const unknown = [...keys((e) => e.fault === 'site_unknown')];
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.filter((k) => k === '3' || k === '7')).toEqual([]);
  });
});
