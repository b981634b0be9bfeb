/** An exhibition as the catalogue knows it (the metadata file minus its description). */
export interface CatalogueEntry {
  /** `EXHIBITION_ID`, e.g. `EXH_05`. */
  readonly publicId: string;
  readonly name: string;
  /** A name, not a number: "Vault", "1", "2", "3". */
  readonly floor: string;
  readonly department: string;
  /** `YYYY-MM-DD`. */
  readonly startDate: string;
}

/**
 * Site number -> the `EXHIBITION_ID` that exists for it. A map rather than a set of ids because the
 * loader joins on the id actually stored, which need not be the canonical spelling (see below).
 */
export type Catalogue = ReadonlyMap<number, string>;

const PUBLIC_ID = /^EXH_([0-9]{2,})$/;

/** Canonical id for a site: `EXH_` + the number written with at least two digits. */
export function siteToPublicId(site: number): string {
  if (!Number.isSafeInteger(site) || site < 0)
    throw new RangeError(`site ${site} is not a non-negative integer`);
  return `EXH_${String(site).padStart(2, '0')}`;
}

/** The site an id names (`EXH_05` and `EXH_005` both name 5), or undefined if it is not an exhibition id. */
export function siteOfPublicId(publicId: string): number | undefined {
  const digits = PUBLIC_ID.exec(publicId)?.[1];
  if (digits === undefined) return undefined;
  const site = Number(digits);
  return Number.isSafeInteger(site) ? site : undefined;
}

/**
 * Builds the lookup. The spec says site N is `EXH_` + N "written with at least two digits", which a
 * zero-padded spelling like `EXH_005` also satisfies; if two ids name one site the shortest (the
 * canonical one) wins, so the choice does not depend on iteration order.
 */
export function catalogueFromPublicIds(publicIds: Iterable<string>): Catalogue {
  const bySite = new Map<number, string>();
  for (const id of publicIds) {
    const site = siteOfPublicId(id);
    if (site === undefined) throw new RangeError(`${JSON.stringify(id)} is not an exhibition id (EXH_NN)`);
    const held = bySite.get(site);
    if (held === undefined || id.length < held.length) bySite.set(site, id);
  }
  return bySite;
}

/** The museum's exhibitions today (the spec's reference table); real runs read the bucket instead. */
export const REFERENCE_CATALOGUE: readonly CatalogueEntry[] = Object.freeze([
  {
    publicId: 'EXH_00',
    name: 'Measureless to Man',
    floor: '1',
    department: 'Geology',
    startDate: '2021-08-23',
  },
  {
    publicId: 'EXH_01',
    name: 'Adaptation',
    floor: 'Vault',
    department: 'Entomology',
    startDate: '2019-07-01',
  },
  {
    publicId: 'EXH_02',
    name: 'The Crenshaw Collection',
    floor: '2',
    department: 'Zoology',
    startDate: '2021-03-03',
  },
  {
    publicId: 'EXH_03',
    name: 'Cetacean Sensations',
    floor: '1',
    department: 'Zoology',
    startDate: '2019-07-01',
  },
  {
    publicId: 'EXH_04',
    name: 'Our Polluted World',
    floor: '3',
    department: 'Ecology',
    startDate: '2021-05-12',
  },
  {
    publicId: 'EXH_05',
    name: 'Thunder Lizards',
    floor: '1',
    department: 'Paleontology',
    startDate: '2023-02-01',
  },
]);
