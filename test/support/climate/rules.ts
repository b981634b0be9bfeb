/** The climate contract: `{"sensor": "G1", "celsius": 21.5}`, a known sensor, -40..60 °C. Pure. */

export const CLIMATE_REJECT_REASONS = ['malformed', 'bad_sensor', 'bad_celsius', 'unknown_sensor'] as const;
export type ClimateRejectReason = (typeof CLIMATE_REJECT_REASONS)[number];

export type ClimateVerdict =
  | { kind: 'reading'; sensor: string; celsius: number }
  | { kind: 'rejected'; reason: ClimateRejectReason; detail: string };

const SENSOR = /^[A-Z][0-9]{1,3}$/;

export function judgeReading(raw: Buffer | null, sensors: ReadonlySet<string>): ClimateVerdict {
  let value: unknown;
  try {
    value = JSON.parse((raw ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    return { kind: 'rejected', reason: 'malformed', detail: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null) {
    return { kind: 'rejected', reason: 'malformed', detail: 'not a JSON object' };
  }
  const { sensor, celsius } = value as Record<string, unknown>;
  if (typeof sensor !== 'string' || !SENSOR.test(sensor)) {
    return { kind: 'rejected', reason: 'bad_sensor', detail: `sensor ${JSON.stringify(sensor)}` };
  }
  if (typeof celsius !== 'number' || !(celsius >= -40 && celsius <= 60)) {
    return { kind: 'rejected', reason: 'bad_celsius', detail: `celsius ${JSON.stringify(celsius)}` };
  }
  if (!sensors.has(sensor)) return { kind: 'rejected', reason: 'unknown_sensor', detail: sensor };
  return { kind: 'reading', sensor, celsius };
}
