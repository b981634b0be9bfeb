// Everything exported here is registered as a workflow type on the worker.
export { healthCheckWorkflow } from './health-check';
export { seedWorkflow } from './seed';
export { liveIngestWorkflow } from './ingest';
export { backfillWorkflow } from './backfill';
export { replayRejectsWorkflow } from './replay-rejects';
export { archiveTopicWorkflow } from './archive';
