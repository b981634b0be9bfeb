/** Shared by the replay activities and the replay workflow (pure: safe to import from workflows). */

/** What a replay did, per page and in total. */
export interface ReplayCounts {
  /** Rejects judged again. */
  examined: number;
  /** Now accepted: rows inserted, or already present under the same position. */
  loaded: number;
  ratings: number;
  requests: number;
  /** Now accepted, by what they became (kiosk: rating, request; pinterest: row, duplicate). */
  loadedByKind: Record<string, number>;
  /** Accepted rows whose position was already in an interaction table (nothing inserted). */
  alreadyPresent: number;
  stillRejected: number;
  /** Today's reason of those still rejected. */
  stillRejectedByReason: Record<string, number>;
}

export function emptyReplayCounts(): ReplayCounts {
  return {
    examined: 0,
    loaded: 0,
    ratings: 0,
    requests: 0,
    loadedByKind: {},
    alreadyPresent: 0,
    stillRejected: 0,
    stillRejectedByReason: {},
  };
}
