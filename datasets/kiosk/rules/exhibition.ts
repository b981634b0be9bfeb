import { type CatalogueEntry, siteOfPublicId } from './catalogue';

/** An exhibition metadata file from the bucket (`lmnh_exhibition_<slug>.json`). */
export interface Exhibition extends CatalogueEntry {
  /** The site number its kiosk sends (`EXH_05` -> 5). */
  readonly site: number;
  readonly description: string;
}

export interface ExhibitionError {
  readonly error: string;
}

export const EXHIBITION_KEY_PATTERN = /^lmnh_exhibition_[^/]+\.json$/;
export const HISTORY_KEY_PATTERN = /^lmnh_hist_data_(\d+)\.csv$/;

export function isExhibitionKey(key: string): boolean {
  return EXHIBITION_KEY_PATTERN.test(key);
}

export function isHistoryKey(key: string): boolean {
  return HISTORY_KEY_PATTERN.test(key);
}

/** The `<n>` of `lmnh_hist_data_<n>.csv`, or undefined for any other key. */
export function historyFileNumber(key: string): number | undefined {
  const digits = HISTORY_KEY_PATTERN.exec(key)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

export function isExhibitionError(result: Exhibition | ExhibitionError): result is ExhibitionError {
  return 'error' in result;
}

const REQUIRED_KEYS = [
  'EXHIBITION_NAME',
  'EXHIBITION_ID',
  'FLOOR',
  'DEPARTMENT',
  'START_DATE',
  'DESCRIPTION',
] as const;
const START_DATE = /^([0-9]{1,2})\/([0-9]{1,2})\/([0-9]{2})$/;

/**
 * Parses and checks one metadata file. Values are trimmed; extra keys are ignored so the museum can
 * add fields without breaking loads; FLOOR may be a JSON number (it is a name, so it becomes text).
 * A leading BOM is tolerated because these files are edited by hand.
 */
export function parseExhibitionJson(content: string | Uint8Array): Exhibition | ExhibitionError {
  let text: string;
  try {
    text = typeof content === 'string' ? content : new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return { error: 'not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return { error: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'not a JSON object' };
  const record = value as Record<string, unknown>;

  const values: string[] = [];
  for (const key of REQUIRED_KEYS) {
    const v = readField(record, key);
    if (typeof v !== 'string') return v;
    values.push(v);
  }
  const [name, publicId, floor, department, rawDate, description] = values as Six<string>;

  const site = siteOfPublicId(publicId);
  if (site === undefined)
    return { error: `EXHIBITION_ID ${JSON.stringify(publicId)} is not EXH_ and 2+ digits` };
  const startDate = parseStartDate(rawDate);
  if (startDate === undefined)
    return { error: `START_DATE ${JSON.stringify(rawDate)} is not a DD/MM/YY date` };
  return { publicId, site, name, floor, department, startDate, description };
}

type Six<T> = [T, T, T, T, T, T];

function readField(
  record: Record<string, unknown>,
  key: (typeof REQUIRED_KEYS)[number],
): string | ExhibitionError {
  const v = Object.hasOwn(record, key) ? record[key] : undefined;
  if (v === undefined || v === null) return { error: `missing key ${key}` };
  const text = typeof v === 'number' && key === 'FLOOR' && Number.isInteger(v) ? String(v) : v;
  if (typeof text !== 'string') return { error: `${key} is not a string` };
  if (text.trim() === '' && key !== 'DESCRIPTION') return { error: `${key} is empty` };
  return text.trim();
}

/** DD/MM/YY (days and months may drop the leading zero) -> YYYY-MM-DD in 20YY. */
function parseStartDate(text: string): string | undefined {
  const m = START_DATE.exec(text);
  if (!m) return undefined;
  const [day, month, year] = [Number(m[1]), Number(m[2]), 2000 + Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  return probe.toISOString().slice(0, 10);
}
