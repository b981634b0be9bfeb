import type { Config } from '../../config';
import { repoPath } from '../../config/paths';
import type { Dataset } from '../../pipeline/dataset';
import type { DatasetPlugin } from '../../pipeline/dataset-plugin';
import { KIOSK_ARCHIVE_DATASET, kioskArchiveFiles } from './archive-files';
import { CatalogueCache } from './catalogue-cache';
import { kioskCatalogueSeed } from './catalogue-seed';
import { kioskDataset } from './dataset';
import { KIOSK_REJECTS } from './rejects-replay';
import { positionSources } from '../../pipeline/position';

export const KIOSK_DATASET = 'kiosk';
export const NIGHTLY_SCHEDULE_ID = 'nightly-backfill';

/**
 * The museum's kiosk events (docs/spec/kiosk-events.md): the `lmnh` topic, the history CSV files,
 * and `kiosk-archive`, the same rules over a kiosk topic's S3 archive at the messages' own positions.
 */
export const kioskPlugin: DatasetPlugin = {
  name: KIOSK_DATASET,
  summary: 'the museum kiosk events of one topic (--topic, default KAFKA_TOPIC or lmnh)',
  files: {
    [KIOSK_DATASET]: 'lmnh_hist_data_*.csv (whole bucket)',
    [KIOSK_ARCHIVE_DATASET]:
      'a kiosk topic archived by `museum-etl archive` (topics/), replayed at its Kafka positions',
  },
  topics: (config: Config) => [{ label: KIOSK_DATASET, topic: config.kafka.topic }],
  rejects: KIOSK_REJECTS,
  variants: [KIOSK_ARCHIVE_DATASET],
  reference: kioskCatalogueSeed,
  migrations: repoPath('datasets', KIOSK_DATASET, 'migrations'),
  schedules: [
    {
      id: NIGHTLY_SCHEDULE_ID,
      description: 'kiosk history, 02:00 museum time',
      // 02:00 museum time every day: after closing and the evening re-exports, before anyone looks.
      spec: (config) => ({
        calendars: [{ hour: 2, minute: 0, second: 0, comment: 'nightly backfill, 02:00 museum time' }],
        timezone: config.museum.timeZone,
      }),
      dataset: KIOSK_DATASET,
    },
  ],
  create({ config, db, otherTopics }): Dataset[] {
    const catalogue = new CatalogueCache(db);
    const timeZone = config.museum.timeZone;
    const sources = positionSources(db);
    const kiosk = kioskDataset({ catalogue, timeZone, sources });
    const archive: Dataset = {
      ...kiosk,
      name: KIOSK_ARCHIVE_DATASET,
      files: kioskArchiveFiles({ catalogue, timeZone, sources, otherTopics }),
    };
    return [kiosk, archive];
  },
};
