import type { Config } from '../config';
import { PINTEREST_TOPIC_VARIABLES } from '../config/pinterest';
import { PINTEREST_TYPES } from '../domain/pinterest';
import { EXIT, fail } from './output';

/** The datasets `ingest` can drive; kiosk is the default, as before datasets existed. */
export const INGEST_DATASETS = ['kiosk', 'pinterest'] as const;
export type IngestDataset = (typeof INGEST_DATASETS)[number];

/** One live ingest workflow: a topic, and what it carries (kiosk events, or a Pinterest record type). */
export interface IngestTarget {
  label: string;
  topic: string;
}

export interface IngestTargets {
  dataset: IngestDataset;
  targets: IngestTarget[];
}

export interface TargetOptions {
  topic?: string;
  dataset?: string;
}

/**
 * Which workflows a command acts on: the kiosk topic (--topic or KAFKA_TOPIC), or the three
 * Pinterest topics (PINTEREST_TOPIC_PIN/GEO/USER) at once. A wrong combination is a usage error.
 */
export function ingestTargets(config: Config, opts: TargetOptions): IngestTargets {
  const dataset = opts.dataset ?? 'kiosk';
  if (!(INGEST_DATASETS as readonly string[]).includes(dataset)) {
    fail(
      `--dataset must be one of ${INGEST_DATASETS.join(', ')}, got ${JSON.stringify(dataset)}`,
      EXIT.usage,
    );
  }
  if (dataset === 'kiosk') {
    return { dataset, targets: [{ label: 'kiosk', topic: opts.topic ?? config.kafka.topic }] };
  }
  if (opts.topic !== undefined) {
    const names = PINTEREST_TYPES.map((t) => PINTEREST_TOPIC_VARIABLES[t].name).join(', ');
    fail(`--topic is for the kiosk dataset; the Pinterest topics come from ${names}`, EXIT.usage);
  }
  return {
    dataset: 'pinterest',
    targets: PINTEREST_TYPES.map((type) => ({ label: type, topic: config.pinterest.topics[type] })),
  };
}
