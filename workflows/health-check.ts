import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DependencyReport } from '../activities/health';

const { checkDependencies } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** A cheap end-to-end probe: Temporal schedules an activity that touches PostgreSQL, Kafka and S3. */
export async function healthCheckWorkflow(): Promise<DependencyReport> {
  return checkDependencies();
}
