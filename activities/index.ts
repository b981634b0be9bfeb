import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { createArchiveActivities } from './archive';
import { createBackfillActivities } from './backfill';
import { CatalogueCache } from '../pipeline/catalogue-cache';
import { createIngestActivities } from './ingest';
import type { Dataset } from '../pipeline/dataset';
import { ArchiveExtractor } from '../pipeline/archive-extract';
import { PartitionReaderPool } from '../pipeline/kafka-reader';
import { KIOSK_ARCHIVE_DATASET, kioskArchiveFiles } from '../pipeline/kiosk/archive-files';
import { kioskDataset } from '../pipeline/kiosk/dataset';
import { pinterestDataset } from '../pipeline/pinterest/dataset';
import { TopicExtractor } from '../pipeline/topic-extract';
import { createHealthActivities } from './health';
import { createRejectActivities } from './rejects';
import { guardSchema } from './schema-guard';
import { createSeedActivities } from './seed';

/** Clients every activity may use; the worker builds them once per process. */
export interface ActivityDeps {
  config: Config;
  db: Pool;
  kafka: Kafka;
  s3: S3Client;
  /** Long-lived Kafka partition readers of this worker process. */
  readers: PartitionReaderPool;
  /** Reads a batch across a topic's partitions through `readers`. */
  extractor: TopicExtractor;
  /** Reads the archive's ranges through readers of its own: it never moves the live ingest's readers. */
  archiveExtractor: ArchiveExtractor;
  catalogue: CatalogueCache;
  /** The datasets this worker runs, by name: the pipeline's only dataset-specific parts. */
  datasets: Record<string, Dataset>;
}

/** Per-process state shared by activities (readers, caches) around the given clients. */
export function buildActivityDeps(
  clients: Pick<ActivityDeps, 'config' | 'db' | 'kafka' | 's3'>,
): ActivityDeps & {
  close(): Promise<void>;
} {
  const readers = new PartitionReaderPool(clients.kafka);
  const archiveReaders = new PartitionReaderPool(clients.kafka, undefined, 'museum-etl-archive-reader');
  const catalogue = new CatalogueCache(clients.db);
  const kiosk = kioskDataset({ catalogue, timeZone: clients.config.museum.timeZone });
  const pinterest = pinterestDataset({ topics: clients.config.pinterest.topics });
  // The kiosk rules over a kiosk topic's S3 archive: a replay at the messages' own Kafka positions.
  const kioskArchive: Dataset = {
    ...kiosk,
    name: KIOSK_ARCHIVE_DATASET,
    files: kioskArchiveFiles({
      catalogue,
      timeZone: clients.config.museum.timeZone,
      otherTopics: Object.values(clients.config.pinterest.topics),
    }),
  };
  return {
    ...clients,
    readers,
    extractor: new TopicExtractor(clients.kafka, readers),
    archiveExtractor: new ArchiveExtractor(clients.kafka, archiveReaders),
    catalogue,
    datasets: { [kiosk.name]: kiosk, [pinterest.name]: pinterest, [kioskArchive.name]: kioskArchive },
    close: async () => {
      await Promise.all([readers.close(), archiveReaders.close()]);
    },
  };
}

/** The single registration point: workflows see only `typeof` this object's members. */
export function createActivities(deps: ActivityDeps) {
  return guardSchema({
    ...createHealthActivities(deps),
    ...createSeedActivities(deps),
    ...createIngestActivities(deps),
    ...createBackfillActivities(deps),
    ...createRejectActivities(deps),
    ...createArchiveActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
