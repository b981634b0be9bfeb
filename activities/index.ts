import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { createBackfillActivities } from './backfill';
import { CatalogueCache } from './catalogue-cache';
import { createIngestActivities } from './ingest';
import { PartitionReaderPool } from './kafka-reader';
import { createHealthActivities } from './health';
import { createRejectActivities } from './rejects';
import { createSeedActivities } from './seed';

/** Clients every activity may use; the worker builds them once per process. */
export interface ActivityDeps {
  config: Config;
  db: Pool;
  kafka: Kafka;
  s3: S3Client;
  /** Long-lived Kafka partition readers of this worker process. */
  readers: PartitionReaderPool;
  catalogue: CatalogueCache;
}

/** Per-process state shared by activities (readers, caches) around the given clients. */
export function buildActivityDeps(
  clients: Pick<ActivityDeps, 'config' | 'db' | 'kafka' | 's3'>,
): ActivityDeps & {
  close(): Promise<void>;
} {
  const readers = new PartitionReaderPool(clients.kafka);
  return { ...clients, readers, catalogue: new CatalogueCache(clients.db), close: () => readers.close() };
}

/** The single registration point: workflows see only `typeof` this object's members. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps),
    ...createSeedActivities(deps),
    ...createIngestActivities(deps),
    ...createBackfillActivities(deps),
    ...createRejectActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
