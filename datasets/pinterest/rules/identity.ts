/**
 * Identity is (type, ind); content is the cleaned row. Comparing cleaned rows, not payloads, is what
 * makes `"26k"` and `26000`, or `T` and a space in a timestamp, the same record.
 */
import { type PinterestRow, type PinterestType, type RowOf } from './types';

export type StoredComparison = { kind: 'duplicate' } | { kind: 'conflict'; columns: readonly string[] };

/** The target table's columns, in row order. */
export const ROW_COLUMNS = {
  pin: [
    'ind',
    'unique_id',
    'title',
    'description',
    'follower_count',
    'poster_name',
    'tag_list',
    'is_image_or_video',
    'image_src',
    'save_location',
    'category',
    'downloaded',
  ],
  geo: ['ind', 'country', 'latitude', 'longitude', 'timestamp'],
  user: ['ind', 'user_name', 'age', 'date_joined'],
} as const satisfies Record<PinterestType, readonly string[]>;

/**
 * Whether a new cleaned row duplicates the stored row of the same identity, or conflicts with it
 * (and in which columns). Values are strings, finite numbers and nulls, so `===` is PostgreSQL's
 * equality; -0 never reaches a row (text.ts folds it into 0).
 */
export function compareWithStored<T extends PinterestType>(
  type: T,
  row: RowOf[T],
  stored: RowOf[T],
): StoredComparison {
  const a = row as unknown as Readonly<Record<string, unknown>>;
  const b = stored as unknown as Readonly<Record<string, unknown>>;
  const columns = (ROW_COLUMNS[type] as readonly string[]).filter((column) => a[column] !== b[column]);
  return columns.length === 0 ? { kind: 'duplicate' } : { kind: 'conflict', columns };
}

/** `pin:10794`: one key per identity, for maps of stored rows. */
export function identityKey(type: PinterestType, row: PinterestRow): string {
  return `${type}:${row.ind}`;
}
