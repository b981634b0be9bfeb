import { metricMeter } from '@temporalio/activity';

/**
 * Pipeline metrics, emitted through the Temporal SDK's meter so they appear on the worker's one
 * Prometheus endpoint beside the SDK's own metrics. Call only from inside an activity.
 */
export function recordIngestBatch(
  topic: string,
  partition: number,
  r: {
    ratings: number;
    requests: number;
    rejectsByReason: Record<string, number>;
    lag: number | null;
    durationMs: number;
  },
): void {
  const tags = { topic, partition: String(partition), source: 'kafka' };
  const loaded = metricMeter.createCounter(
    'museum_events_loaded',
    'events',
    'Accepted events written, by table',
  );
  loaded.withTags({ ...tags, table: 'rating_interaction' }).add(r.ratings);
  loaded.withTags({ ...tags, table: 'request_interaction' }).add(r.requests);
  const rejected = metricMeter.createCounter(
    'museum_events_rejected',
    'events',
    'Rejected events stored, by reason',
  );
  for (const [reason, n] of Object.entries(r.rejectsByReason)) rejected.withTags({ ...tags, reason }).add(n);
  if (r.lag !== null) {
    metricMeter
      .createGauge('museum_ingest_lag', 'int', 'messages', 'High watermark minus checkpoint')
      .withTags(tags)
      .set(r.lag);
  }
  metricMeter
    .createHistogram('museum_ingest_batch_latency', 'int', 'ms', 'Extract+transform+load time of one batch')
    .withTags(tags)
    .record(r.durationMs);
}

export function recordBackfillRows(
  bucket: string,
  r: { ratings: number; requests: number; rejects: number },
): void {
  const c = metricMeter.createCounter(
    'museum_backfill_rows',
    'rows',
    'History rows loaded by the backfill, by outcome',
  );
  const tags = { bucket, source: 's3' };
  c.withTags({ ...tags, outcome: 'rating' }).add(r.ratings);
  c.withTags({ ...tags, outcome: 'request' }).add(r.requests);
  c.withTags({ ...tags, outcome: 'rejected' }).add(r.rejects);
}
