/**
 * Lanes: while a topic's backlog is deep, the live ingest runs several extract → transform → load
 * pipelines at once, each over its own partitions, so loads commit in parallel (PostgreSQL uses
 * every core); once it has caught up, one pipeline over every partition again, so a quiet topic
 * costs what it did. Pure code: the workflow decides, these say how.
 */

/** Total messages waiting, from the lag each partition showed at its latest extract. */
export const totalLag = (lag: Record<string, number>): number =>
  Object.values(lag).reduce((n, l) => n + l, 0);

/** Partitions dealt round-robin into at most `lanes` non-empty groups, each in partition order. */
export function dealPartitions(partitions: readonly string[], lanes: number): string[][] {
  const sorted = [...partitions].sort((a, b) => Number(a) - Number(b));
  const count = Math.max(1, Math.min(lanes, sorted.length));
  const groups: string[][] = Array.from({ length: count }, () => []);
  sorted.forEach((p, i) => groups[i % count]!.push(p));
  return groups;
}

/** Widen at a backlog of `widenAtLag`; narrow only when it is a quarter of that, so lanes do not flap. */
export const shouldWiden = (lag: number, widenAtLag: number): boolean => lag >= widenAtLag;
export const caughtUp = (lag: number, widenAtLag: number): boolean => lag < widenAtLag / 4;

/** The entries of `offsets` for the given partitions (`undefined`: read the checkpoint). */
export function pick(
  offsets: Record<string, string> | undefined,
  partitions: readonly string[] | undefined,
): Record<string, string> | undefined {
  if (offsets === undefined || partitions === undefined) return offsets;
  const picked = Object.fromEntries(partitions.flatMap((p) => (p in offsets ? [[p, offsets[p]!]] : [])));
  return Object.keys(picked).length > 0 ? picked : undefined;
}
