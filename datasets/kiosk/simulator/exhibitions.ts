import { REFERENCE_CATALOGUE, siteOfPublicId } from '../rules/catalogue';

/** The fields the simulator needs; the domain's catalogue entries satisfy it structurally. */
export interface SimExhibition {
  publicId: string;
  name: string;
  floor: string | number;
  department: string;
  /** YYYY-MM-DD */
  startDate: string;
  description?: string;
}

export const DEFAULT_EXHIBITIONS: readonly SimExhibition[] = REFERENCE_CATALOGUE;

/** The catalogue carries no descriptions; the metadata files do. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  EXH_00: 'An immersive 3D experience: delve deep into a previously-inaccessible cave system.',
  EXH_01: 'How insect evolution has kept pace with an industrialised world.',
  EXH_02: 'An exhibition of 18th Century watercolours, mostly focused on South American wildlife.',
  EXH_03: 'Whales: from ancient myth to critically endangered.',
  EXH_04: "A hard-hitting exploration of humanity's impact on the environment.",
  EXH_05: 'How new research is making scientists rethink what dinosaurs really looked like.',
};

export function sitesOf(exhibitions: readonly SimExhibition[]): number[] {
  return exhibitions.flatMap((e) => {
    const site = siteOfPublicId(e.publicId);
    return site === undefined ? [] : [site];
  });
}

export function slugOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/** The bucket's metadata document: START_DATE as DD/MM/YY, FLOOR as a name. */
export function exhibitionDocument(e: SimExhibition): string {
  const [year = '', month = '', day = ''] = e.startDate.split('-');
  return JSON.stringify({
    EXHIBITION_NAME: e.name,
    EXHIBITION_ID: e.publicId,
    FLOOR: String(e.floor),
    DEPARTMENT: e.department,
    START_DATE: `${day}/${month}/${year.slice(-2)}`,
    DESCRIPTION: e.description ?? DESCRIPTIONS[e.publicId] ?? `${e.department} on floor ${e.floor}.`,
  });
}
