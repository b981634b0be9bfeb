import { ingestWorkflowId, type LiveIngestStats } from '../workflows/ingest';
import { printStageTable, printTable } from './output';

/** Kiosk: one topic's workflow in detail. */
export function printStatus(stats: LiveIngestStats, url: string): void {
  const rows = Object.entries(stats.inserted)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  console.log(`${ingestWorkflowId(stats.topic)} (${stats.dataset}): ${stats.state}  ${url}`);
  console.log(
    `  ${stats.batches} batches, ${stats.consumed} events: ${rows || 'no rows yet'}; top reject ${topReason(stats.rejectsByReason)}` +
      (stats.alreadyLoaded ? `; ${stats.alreadyLoaded} already stored` : ''),
  );
  // Older runs' stats lack the limit.
  if (stats.limit != null) {
    const done = stats.consumed >= stats.limit;
    console.log(
      `  limit: ${stats.consumed} of ${stats.limit} messages loaded${done ? ' (complete)' : ` (${Math.floor((100 * stats.consumed) / stats.limit)}%)`}`,
    );
  }
  console.log(
    `  last batch: ${stats.lastBatchAt ? `${stats.lastBatchAt} (${stats.lastBatchSize} events)` : '-'}`,
  );
  // Older runs' stats lack the lane counters.
  const lanes = stats.lanes ?? 1;
  console.log(
    `  lanes: ${lanes} ${lanes > 1 ? 'pipelines (catching up on a backlog)' : 'pipeline'}; opened ${stats.widened ?? 0} times`,
  );
  printStageTable(stats.stages);
  printTable(
    Object.entries(stats.partitions).map(([partition, p]) => ({
      partition,
      next_offset: p.nextOffset,
      high_watermark: p.highWatermark ?? '-',
      lag: stats.lag[partition] ?? p.lag ?? '-',
    })),
  );
}

function topReason(byReason: Record<string, number>): string {
  const top = Object.entries(byReason).sort((a, b) => b[1] - a[1])[0];
  return top ? `${top[0]} ${top[1]}` : '-';
}

/**
 * Per record type: consumed = rows + duplicates + rejects (+ positions already stored, skipped),
 * the equation the contract promises, and the state of each topic's workflow.
 */
export function printStatusByTopic(
  byLabel: Record<string, LiveIngestStats>,
  url: (topic: string) => string,
): void {
  const kinds = [...new Set(Object.values(byLabel).flatMap((s) => Object.keys(s.inserted)))];
  printTable(
    Object.entries(byLabel).map(([label, s]) => ({
      type: label,
      topic: s.topic,
      state: s.state,
      consumed: s.limit != null ? `${s.consumed}/${s.limit}` : s.consumed,
      ...Object.fromEntries(kinds.map((k) => [`${k}s`, s.inserted[k] ?? 0])),
      already_stored: s.alreadyLoaded,
      top_reject: topReason(s.rejectsByReason),
      lag: Object.values(s.lag).reduce((n, l) => n + l, 0),
    })),
  );
  for (const s of Object.values(byLabel)) console.log(`  ${s.topic}: ${url(s.topic)}`);
}
