import { metricMeter } from '@temporalio/activity';

/**
 * Pipeline metrics, emitted through the Temporal SDK's meter so they appear on the worker's one
 * Prometheus endpoint beside the SDK's own metrics. Call only from inside an activity.
 */
/** At commit: rows written by table, rejects by reason, and produce-to-commit time of the batch. */
export function recordLoadedBatch(
  batch: { dataset: string; source: string; firstBrokerAt?: string | null },
  r: { inserted: Record<string, number> },
  rejectsByReason: Record<string, number> = {},
): void {
  const tags = { source: 'kafka', dataset: batch.dataset, topic: batch.source };
  const loaded = metricMeter.createCounter(
    'museum_events_loaded',
    'events',
    'Rows written at commit, by kind',
  );
  for (const [kind, n] of Object.entries(r.inserted)) loaded.withTags({ ...tags, kind }).add(n);
  const rejected = metricMeter.createCounter(
    'museum_events_rejected',
    'events',
    'Rejects committed, by reason',
  );
  for (const [reason, n] of Object.entries(rejectsByReason)) rejected.withTags({ ...tags, reason }).add(n);
  if (batch.firstBrokerAt) {
    metricMeter
      .createHistogram(
        'museum_ingest_commit_latency',
        'int',
        'ms',
        'Broker append to commit of the oldest event in a batch',
      )
      .withTags(tags)
      .record(Math.max(0, Date.now() - Date.parse(batch.firstBrokerAt)));
  }
}

/** After extract: messages waiting per partition (high watermark minus what the batch reaches). */
export function recordLag(topic: string, lag: Record<string, number>): void {
  const gauge = metricMeter.createGauge(
    'museum_ingest_lag',
    'int',
    'messages',
    'High watermark minus next offset',
  );
  for (const [partition, n] of Object.entries(lag))
    gauge.withTags({ source: 'kafka', topic, partition }).set(n);
}

/** Duration of one extract, transform or load activity. */
export function recordStage(stage: 'extract' | 'transform' | 'load', dataset: string, ms: number): void {
  metricMeter
    .createHistogram('museum_pipeline_stage_duration', 'int', 'ms', 'Duration of one pipeline activity')
    .withTags({ stage, dataset })
    .record(ms);
}

/** Outcome tag of each kind load writes: kiosk rating/request/rejected, Pinterest row/duplicate/rejected. */
const OUTCOME_OF_KIND: Readonly<Record<string, string>> = { reject: 'rejected' };

export function recordBackfillRows(bucket: string, dataset: string, inserted: Record<string, number>): void {
  const c = metricMeter.createCounter(
    'museum_backfill_rows',
    'rows',
    'Rows loaded by the backfill, by dataset and outcome',
  );
  for (const [kind, n] of Object.entries(inserted)) {
    c.withTags({ bucket, source: 's3', dataset, outcome: OUTCOME_OF_KIND[kind] ?? kind }).add(n);
  }
}

/** After an archive load: objects and messages stored in S3 (or found there), and the archive's lag. */
export function recordArchived(
  topic: string,
  r: { objects: number; messages: number; bytes: number },
  lag: Record<string, number>,
): void {
  const tags = { topic };
  metricMeter
    .createCounter('museum_archive_objects', 'objects', 'Archive objects stored in S3')
    .withTags(tags)
    .add(r.objects);
  metricMeter
    .createCounter('museum_archive_messages', 'messages', 'Messages stored in archive objects')
    .withTags(tags)
    .add(r.messages);
  metricMeter
    .createCounter('museum_archive_bytes', 'bytes', 'Bytes of archive objects stored')
    .withTags(tags)
    .add(r.bytes);
  const gauge = metricMeter.createGauge(
    'museum_archive_lag',
    'int',
    'messages',
    'High watermark minus the archive checkpoint',
  );
  for (const [partition, n] of Object.entries(lag)) gauge.withTags({ topic, partition }).set(n);
}
