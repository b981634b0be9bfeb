/**
 * The dashboard's filters: parsed from a query string, checked against the catalogue, and turned into
 * the exact bounds the SQL uses. Anything wrong is a BadRequest with a reason a person can act on.
 */

export class BadRequest extends Error {
  override readonly name = 'BadRequest';
}

export const REQUEST_TYPES = ['assistance', 'emergency'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];
export type Bucket = 'hour' | 'day' | 'week';

export interface CatalogueEntry {
  exhibitionId: number;
  publicId: string;
  name: string;
  floor: string;
  department: string;
  startDate: string;
}

export interface Catalogue {
  exhibitions: CatalogueEntry[];
  floors: string[];
}

/** What the person asked for, normalised (echoed back in every response). */
export interface Filters {
  from?: string;
  to?: string;
  exhibitions: string[];
  floors: string[];
  type?: RequestType;
}

export interface ParsedQuery {
  filters: Filters;
  limit?: number;
}

const FILTER_PARAMS = ['from', 'to', 'exhibition', 'floor', 'type'] as const;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PUBLIC_ID = /^EXH_\d{2,}$/;
const MAX_LIST = 50;
const MAX_VALUE_LENGTH = 100;

function isRealDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1970 || y > 2200) return false;
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** `a,b` and repeated parameters both give lists; blanks are ignored, duplicates kept once. */
function list(params: URLSearchParams, name: string): string[] {
  const values = params
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (values.length > MAX_LIST) throw new BadRequest(`${name}: at most ${MAX_LIST} values`);
  return [...new Set(values)];
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name).filter((v) => v.trim() !== '');
  if (values.length > 1) throw new BadRequest(`${name} is given ${values.length} times; give it once`);
  return values[0]?.trim();
}

/**
 * Parses the query string of an API call. `extra` names the endpoint's own parameters (only `limit`
 * so far); any other unknown parameter is an error rather than silently ignored.
 */
export function parseQuery(
  params: URLSearchParams,
  catalogue: Catalogue,
  extra: ReadonlyArray<'limit'> = [],
): ParsedQuery {
  const allowed = new Set<string>([...FILTER_PARAMS, ...extra]);
  for (const [name, value] of params) {
    if (!allowed.has(name)) {
      throw new BadRequest(
        `unknown parameter ${JSON.stringify(name)}; expected one of ${[...allowed].join(', ')}`,
      );
    }
    if (value.length > MAX_VALUE_LENGTH) throw new BadRequest(`${name} is too long`);
  }

  const from = single(params, 'from');
  const to = single(params, 'to');
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (value !== undefined && !isRealDate(value)) {
      throw new BadRequest(`${name} must be a date YYYY-MM-DD (museum time), got ${JSON.stringify(value)}`);
    }
  }
  if (from !== undefined && to !== undefined && from > to) {
    throw new BadRequest(`from (${from}) is after to (${to})`);
  }

  const known = new Set(catalogue.exhibitions.map((e) => e.publicId));
  const exhibitions = list(params, 'exhibition').map((v) => v.toUpperCase());
  for (const id of exhibitions) {
    if (!PUBLIC_ID.test(id)) {
      throw new BadRequest(`exhibition must be an exhibition id such as EXH_05, got ${JSON.stringify(id)}`);
    }
    if (!known.has(id)) throw new BadRequest(`unknown exhibition ${id}`);
  }

  const floors = list(params, 'floor');
  for (const f of floors) {
    if (!catalogue.floors.includes(f)) {
      throw new BadRequest(
        `unknown floor ${JSON.stringify(f)}; floors are ${catalogue.floors.map((x) => JSON.stringify(x)).join(', ')}`,
      );
    }
  }

  const typeText = single(params, 'type');
  let type: RequestType | undefined;
  if (typeText !== undefined) {
    const t = typeText.toLowerCase();
    if (!(REQUEST_TYPES as readonly string[]).includes(t)) {
      throw new BadRequest(`type must be assistance or emergency, got ${JSON.stringify(typeText)}`);
    }
    type = t as RequestType;
  }

  const limit = extra.includes('limit') ? parseLimit(params) : undefined;

  const filters: Filters = {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    exhibitions: exhibitions.sort(),
    floors: floors.sort(),
    ...(type !== undefined ? { type } : {}),
  };
  return { filters, ...(limit !== undefined ? { limit } : {}) };
}

/** `limit`, if given once: a whole number 1..200. */
export function parseLimit(params: URLSearchParams): number | undefined {
  const text = single(params, 'limit');
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > 200) {
    throw new BadRequest(`limit must be a whole number 1..200, got ${JSON.stringify(text)}`);
  }
  return limit;
}

/**
 * For an endpoint whose only parameter, if any, is `limit`: anything else is an error rather than
 * silently ignored (the Pinterest views have no date or exhibition to filter by).
 */
export function parseLimitOnly(params: URLSearchParams, limitAllowed: boolean): number | undefined {
  for (const [name, value] of params) {
    if (name !== 'limit' || !limitAllowed) {
      const expected = limitAllowed ? 'only limit' : 'no parameters';
      throw new BadRequest(`unknown parameter ${JSON.stringify(name)}; this endpoint takes ${expected}`);
    }
    if (value.length > MAX_VALUE_LENGTH) throw new BadRequest(`${name} is too long`);
  }
  return limitAllowed ? parseLimit(params) : undefined;
}

/** The exhibitions that both the exhibition and the floor filters allow (all of them when neither is set). */
export function selectedExhibitions(filters: Filters, catalogue: Catalogue): CatalogueEntry[] {
  return catalogue.exhibitions.filter(
    (e) =>
      (filters.exhibitions.length === 0 || filters.exhibitions.includes(e.publicId)) &&
      (filters.floors.length === 0 || filters.floors.includes(e.floor)),
  );
}

/** The floors of the selected exhibitions, in the catalogue's floor order. */
export function selectedFloors(filters: Filters, catalogue: Catalogue): string[] {
  const on = new Set(selectedExhibitions(filters, catalogue).map((e) => e.floor));
  return catalogue.floors.filter((f) => on.has(f));
}

/** Days from `from` to `to` inclusive (both YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** The time bucket follows the range: hours for up to 3 days, days up to about a quarter, weeks beyond. */
export function bucketFor(days: number): Bucket {
  if (days <= 3) return 'hour';
  if (days <= 92) return 'day';
  return 'week';
}
