import type { S3Client } from '@aws-sdk/client-s3';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { createHealthActivities } from './health';
import { createSeedActivities } from './seed';

/** Clients every activity may use; the worker builds them once per process. */
export interface ActivityDeps {
  config: Config;
  db: Pool;
  kafka: Kafka;
  s3: S3Client;
}

/** The single registration point: workflows see only `typeof` this object's members. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps),
    ...createSeedActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
