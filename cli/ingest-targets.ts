import type { Config } from '../config';
import { INSTALLED_DATASETS } from '../datasets';
import type { LiveTopic } from '../pipeline/dataset-plugin';
import { EXIT, fail } from './output';

/** One live ingest workflow: a topic, and what it carries (kiosk events, or a Pinterest record type). */
export type IngestTarget = LiveTopic;

export interface IngestTargets {
  dataset: string;
  targets: IngestTarget[];
}

export interface TargetOptions {
  topic?: string;
  dataset?: string;
}

/**
 * Which workflows a command acts on: the dataset's topics from the registry. A dataset of one
 * topic takes `--topic`; one of several (Pinterest) acts on all of them, named by configuration.
 * A wrong combination is a usage error.
 */
export function ingestTargets(config: Config, opts: TargetOptions): IngestTargets {
  const dataset = opts.dataset ?? INSTALLED_DATASETS.defaultName;
  const plugin = INSTALLED_DATASETS.plugin(dataset);
  if (!plugin) {
    fail(
      `--dataset must be one of ${INSTALLED_DATASETS.names.join(', ')}, got ${JSON.stringify(dataset)}`,
      EXIT.usage,
    );
  }
  const targets = plugin.topics(config);
  if (opts.topic === undefined) return { dataset, targets };
  if (plugin.topicVariables) {
    fail(
      `--topic is for a dataset of one topic; the ${dataset} topics come from ${plugin.topicVariables.join(', ')}`,
      EXIT.usage,
    );
  }
  return { dataset, targets: targets.map((t) => ({ ...t, topic: opts.topic! })) };
}
