/**
 * Shapes of the Pinterest post contract (docs/spec/pinterest-posts.md): record types, their keys,
 * the reasons in check order, the cleaned target rows and the verdicts.
 */

export const PINTEREST_TYPES = ['pin', 'geo', 'user'] as const;
export type PinterestType = (typeof PINTEREST_TYPES)[number];

/** The keys each record type must carry, exactly (no more, no fewer). */
export const RECORD_KEYS = {
  pin: [
    'index',
    'unique_id',
    'title',
    'description',
    'poster_name',
    'follower_count',
    'tag_list',
    'is_image_or_video',
    'image_src',
    'downloaded',
    'save_location',
    'category',
  ],
  geo: ['ind', 'timestamp', 'latitude', 'longitude', 'country'],
  user: ['ind', 'first_name', 'last_name', 'age', 'date_joined'],
} as const satisfies Record<PinterestType, readonly string[]>;

/** In check order: the first failing check is the record's reason. */
export const PINTEREST_REJECT_REASONS = [
  'malformed',
  'too_large',
  'unexpected_key',
  'missing_field',
  'bad_ind',
  'bad_unique_id',
  'bad_follower_count',
  'bad_downloaded',
  'bad_coordinates',
  'bad_age',
  'bad_timestamp',
  'future_timestamp',
  'bad_text',
  'conflicting_record',
] as const;
export type PinterestRejectReason = (typeof PINTEREST_REJECT_REASONS)[number];

export const MAX_PAYLOAD_BYTES = 65_536;
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** PostgreSQL `integer`: the range of ind and of a follower count. */
export const MAX_INT4 = 2_147_483_647;

/** Columns in the seed's final order (`downloaded` last), as `pinterest.pin` holds them. */
export interface PinRow {
  readonly ind: number;
  /** Lower-case 8-4-4-4-12 hex. */
  readonly unique_id: string;
  readonly title: string | null;
  readonly description: string | null;
  readonly follower_count: number | null;
  readonly poster_name: string | null;
  readonly tag_list: string | null;
  readonly is_image_or_video: string | null;
  readonly image_src: string | null;
  readonly save_location: string | null;
  readonly category: string;
  readonly downloaded: 0 | 1 | null;
}

export interface GeoRow {
  readonly ind: number;
  readonly country: string;
  readonly latitude: number;
  readonly longitude: number;
  /** UTC, as PostgreSQL prints a `timestamp`: `2019-12-15 03:51:28.25`. */
  readonly timestamp: string;
}

export interface UserRow {
  readonly ind: number;
  readonly user_name: string;
  readonly age: number;
  /** UTC, as PostgreSQL prints a `timestamp`. */
  readonly date_joined: string;
}

export interface RowOf {
  pin: PinRow;
  geo: GeoRow;
  user: UserRow;
}
export type PinterestRow = PinRow | GeoRow | UserRow;

export interface PinterestReject {
  readonly kind: 'rejected';
  readonly reason: PinterestRejectReason;
  readonly detail: string;
}

export type PinterestVerdict<T extends PinterestType = PinterestType> =
  | { readonly kind: 'row'; readonly type: T; readonly row: RowOf[T] }
  | { readonly kind: 'duplicate'; readonly type: T; readonly row: RowOf[T] }
  | PinterestReject;

export function reject(reason: PinterestRejectReason, detail: string): PinterestReject {
  return { kind: 'rejected', reason, detail };
}
