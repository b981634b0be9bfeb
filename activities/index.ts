import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { createArchiveActivities } from './archive';
import { createBackfillActivities } from './backfill';
import { createIngestActivities } from './ingest';
import type { Dataset } from '../pipeline/dataset';
import { ArchiveExtractor } from '../pipeline/archive-extract';
import { PartitionReaderPool } from '../pipeline/kafka-reader';
import type { DatasetRegistry } from '../pipeline/dataset-plugin';
import { TopicExtractor } from '../pipeline/topic-extract';
import { HeldBatches } from '../pipeline/held-batches';
import { BufferBudget } from '../pipeline/buffer-budget';
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
  /** The installed dataset plug-ins (`datasets/index.ts`). */
  registry: DatasetRegistry;
  /** The datasets this worker runs, by name: the pipeline's only dataset-specific parts. */
  datasets: Record<string, Dataset>;
  /** Live batches held in memory between extract and load; absent when no worker polls a host queue (then staged). */
  held?: HeldBatches;
}

/** Per-process state shared by activities (readers, caches) around the given clients. */
export function buildActivityDeps(
  clients: Pick<ActivityDeps, 'config' | 'db' | 'kafka' | 's3'>,
  registry: DatasetRegistry,
  /** This process's own task queue (`hostQueueName`), polled by a worker of its own beside the shared one. */
  hostQueue?: string,
): ActivityDeps & {
  close(): Promise<void>;
} {
  const budget = new BufferBudget();
  const readers = new PartitionReaderPool(clients.kafka, undefined, undefined, budget);
  const archiveReaders = new PartitionReaderPool(
    clients.kafka,
    undefined,
    'museum-etl-archive-reader',
    budget,
  );
  return {
    ...clients,
    readers,
    extractor: new TopicExtractor(clients.kafka, readers),
    archiveExtractor: new ArchiveExtractor(clients.kafka, archiveReaders),
    registry,
    datasets: registry.createDatasets({ config: clients.config, db: clients.db }),
    ...(hostQueue !== undefined && { held: new HeldBatches(hostQueue, budget) }),
    close: async () => {
      await Promise.all([readers.close(), archiveReaders.close()]);
    },
  };
}

/** The single registration point: workflows see only `typeof` this object's members. */
export function createActivities(deps: ActivityDeps) {
  const ingest = createIngestActivities(deps);
  const backfill = createBackfillActivities(deps);
  return guardSchema({
    ...createHealthActivities(deps),
    ...createSeedActivities(deps),
    ...ingest,
    ...backfill,
    ...createRejectActivities(deps),
    ...createArchiveActivities(deps),
    ...recordedNames(ingest, backfill),
  });
}

/**
 * The trios are named `<stage><Source>`: extract/transform/load of TopicBatch, ArchiveBatch and
 * File. Runs started before that scheme schedule the old names, so these stay registered until
 * none is left (workflows choose by `patched(ACTIVITY_NAMES_PATCH)`).
 */
function recordedNames(
  ingest: ReturnType<typeof createIngestActivities>,
  backfill: ReturnType<typeof createBackfillActivities>,
) {
  return {
    transformStagedBatch: ingest.transformTopicBatch,
    loadStagedBatch: ingest.loadTopicBatch,
    extractHistoryFile: backfill.extractFile,
    transformStagedFile: backfill.transformFile,
    loadStagedFile: backfill.loadFile,
  };
}

export type Activities = ReturnType<typeof createActivities>;
