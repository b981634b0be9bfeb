import { DEFAULT_EXHIBITIONS, sitesOf } from './exhibitions';
import { buildFault, pickFaultKind, type FaultKind } from './faults';
import { DEFAULT_MIX, press } from './mix';
import { toJsonText, type KioskFields } from './payload';
import { createRng } from '../../../simulator/random';
import { outOfHoursStamp, validStamp, type StampMode } from './stamps';

export type Intended = 'rating' | 'request' | 'fault';

export interface LiveEvent {
  value: Uint8Array;
  /** The site as sent (empty when the payload has none), for partitioning. */
  key: string;
  intended: Intended;
  fault?: FaultKind;
}

export interface LiveEventGeneratorOptions {
  seed: number | string;
  /** Share of events that are faults; the real stream has about 1 in 6. */
  faultFraction?: number;
  timeZone?: string;
  /** Epoch ms; read once per event. */
  clock?: () => number;
  /**
   * 'now' stamps the clock like the real producer (so at night every event is out of hours);
   * 'recent-opening-hours' folds it into the last opening hours so `intended` holds at any time.
   */
  stampMode?: StampMode;
  /** Share of valid events that are requests. */
  requestFraction?: number;
  /** Share of valid requests that are emergencies. */
  emergencyFraction?: number;
  /** Sites that exist; defaults to the reference catalogue's. */
  sites?: readonly number[];
}

export interface LiveEventGenerator {
  next(): LiveEvent;
}

export function createLiveEventGenerator(options: LiveEventGeneratorOptions): LiveEventGenerator {
  const {
    faultFraction = 0.15,
    timeZone = 'Europe/London',
    clock = Date.now,
    stampMode = 'recent-opening-hours',
    requestFraction = DEFAULT_MIX.requestFraction,
    emergencyFraction = DEFAULT_MIX.emergencyFraction,
  } = options;
  const mix = { requestFraction, emergencyFraction };
  const rng = createRng(options.seed);
  const sites = options.sites ?? sitesOf(DEFAULT_EXHIBITIONS);
  if (sites.length === 0) throw new Error('the simulator needs at least one site');
  const unknownSites = [6, 7, 8, 9, 10, 11, 12].filter((s) => !sites.includes(s));
  if (unknownSites.length === 0) unknownSites.push(Math.max(...sites) + 1);

  const validFields = (now: number): { fields: KioskFields; intended: 'rating' | 'request' } => {
    const at = validStamp(now, stampMode, timeZone, rng);
    const site = rng.pick(sites);
    const { val, type } = press(rng, site, mix);
    return { fields: { at, site: String(site), val, type }, intended: val === -1 ? 'request' : 'rating' };
  };

  return {
    next(): LiveEvent {
      const now = clock();
      const isFault = rng.chance(faultFraction);
      const { fields, intended } = validFields(now);
      if (!isFault) {
        return { value: Buffer.from(toJsonText(fields)), key: String(fields.site), intended };
      }
      const fault = pickFaultKind(rng);
      const { value, key } = buildFault(fault, {
        rng,
        base: fields,
        unknownSites,
        outOfHoursAt: () => outOfHoursStamp(now, timeZone, rng),
      });
      return { value, key, intended: 'fault', fault };
    },
  };
}
