import { REFERENCE_CATALOGUE, catalogueFromPublicIds } from '../../../datasets/kiosk/rules/catalogue';

export const CATALOGUE = catalogueFromPublicIds(REFERENCE_CATALOGUE.map((e) => e.publicId));
export const TZ = 'Europe/London';

const london = new Intl.DateTimeFormat('en-GB', {
  timeZone: TZ,
  hourCycle: 'h23',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Museum-local `HH:MM:SS.mmm` of an instant, computed independently of the simulator's helpers. */
export function localTime(epochMs: number): string {
  return `${london.format(epochMs)}.${String(epochMs % 1000).padStart(3, '0')}`;
}

export const inHours = (epochMs: number): boolean => {
  const t = localTime(epochMs);
  return t >= '08:45:00.000' && t <= '18:15:00.000';
};
