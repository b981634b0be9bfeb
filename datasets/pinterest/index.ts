import { repoPath } from '../../config/paths';
import type { DatasetPlugin } from '../../pipeline/dataset-plugin';
import { PINTEREST_TOPIC_VARIABLES } from './config';
import { PINTEREST_DATASET, pinterestDataset } from './dataset';
import { PINTEREST_REJECTS } from './rejects-replay';
import { positionSources } from '../../pipeline/position';
import { PINTEREST_TYPES } from './rules';

export const PINTEREST_SCHEDULE_ID = 'pinterest-daily';

/** Pinterest posts (docs/spec/pinterest-posts.md): three topics, one per record type, and the S3 sink connector's objects. */
export const pinterestPlugin: DatasetPlugin = {
  name: PINTEREST_DATASET,
  summary:
    'Pinterest posts: one workflow for each of its three topics (pin, geo, user), named by PINTEREST_TOPIC_PIN, PINTEREST_TOPIC_GEO, PINTEREST_TOPIC_USER (default pinterest.pin, pinterest.geo, pinterest.user); every command acts on all three',
  files: { [PINTEREST_DATASET]: 'S3 sink connector objects (topics/)' },
  topics: (config) => PINTEREST_TYPES.map((type) => ({ label: type, topic: config.pinterest.topics[type] })),
  topicVariables: PINTEREST_TYPES.map((t) => PINTEREST_TOPIC_VARIABLES[t].name),
  rejects: PINTEREST_REJECTS,
  migrations: repoPath('datasets', PINTEREST_DATASET, 'migrations'),
  schedules: [
    {
      id: PINTEREST_SCHEDULE_ID,
      description: 'Pinterest sink objects, 00:00 UTC',
      // Midnight UTC, the seed's daily job: the sink connector has archived the previous day by then.
      spec: () => ({
        calendars: [{ hour: 0, minute: 0, second: 0, comment: 'Pinterest daily batch, 00:00 UTC' }],
        timezone: 'UTC',
      }),
      dataset: PINTEREST_DATASET,
    },
  ],
  create: ({ config, db }) => [
    pinterestDataset({ topics: config.pinterest.topics, sources: positionSources(db) }),
  ],
};
