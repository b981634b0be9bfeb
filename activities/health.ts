import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { ActivityDeps } from './index';

export interface DependencyReport {
  postgres: string;
  kafka: string;
  s3: string;
}

export function createHealthActivities({ config, db, kafka, s3 }: ActivityDeps) {
  return {
    /** Proves the worker can reach every data dependency; used by `health-check` runs. */
    async checkDependencies(): Promise<DependencyReport> {
      const { rows } = await db.query<{ version: string }>('select version() as version');
      const admin = kafka.admin();
      await admin.connect();
      try {
        const cluster = await admin.describeCluster();
        await s3.send(new HeadBucketCommand({ Bucket: config.s3.bucket }));
        return {
          postgres: rows[0]?.version.split(' on ')[0] ?? 'unknown',
          kafka: `${cluster.brokers.length} broker(s)`,
          s3: `bucket ${config.s3.bucket} reachable`,
        };
      } finally {
        await admin.disconnect();
      }
    },
  };
}
