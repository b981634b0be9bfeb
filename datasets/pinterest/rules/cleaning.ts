/**
 * Cleaning rules: never a reason to reject, only what a valid value is stored as. Sentinels are
 * the source's placeholders for "no data"; storing them as text would make them a category,
 * a poster or a tag in every analysis view.
 */

/** Whole trimmed value, case-sensitive: `no description available` is someone's real text. */
export const SENTINELS = {
  title: ['No Title Data Available'],
  description: ['No description available Story format', 'No description available', 'Untitled'],
  poster_name: ['User Info Error'],
  follower_count: ['User Info Error'],
  tag_list: ['N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e'],
  image_src: ['Image src error.'],
} as const satisfies Record<string, readonly string[]>;

export type SentinelField = keyof typeof SENTINELS;

export function isSentinel(field: SentinelField, value: unknown): boolean {
  return typeof value === 'string' && (SENTINELS[field] as readonly string[]).includes(value);
}

/** A text field's stored value: a string, or NULL when empty or a sentinel. Expects a trimmed value. */
export function cleanText(value: string | null | undefined, field?: SentinelField): string | null {
  if (value === undefined || value === null || value === '') return null;
  return field !== undefined && isSentinel(field, value) ? null : value;
}

const LOCAL_SAVE = /^Local save in( +|$)/;

/** The prefix names the emulator's machine, not the place; the path after it is the data. */
export function cleanSaveLocation(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return cleanText(value.replace(LOCAL_SAVE, ''));
}
