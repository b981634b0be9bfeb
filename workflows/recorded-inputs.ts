/**
 * What a workflow input meant when it named no topic or dataset. Every starter now names both
 * (the CLI and the schedules take them from the dataset registry, which workflow code cannot
 * import); these remain so that runs started before that, and their recorded histories, go on
 * unchanged. Nothing new should rely on them.
 */
export const RECORDED_DEFAULT_TOPIC = 'lmnh';
export const RECORDED_DEFAULT_DATASET = 'kiosk';

/**
 * The patch under which workflows schedule the trios by their `<stage><Source>` names
 * (transformTopicBatch, extractFile, ...); histories recorded before it replay with the old names.
 */
export const ACTIVITY_NAMES_PATCH = 'activity-names';

/**
 * The patch under which the live ingest holds each batch in the memory of the worker that
 * extracted it and runs its transform and load on that worker's own task queue; histories
 * recorded before it staged every batch in PostgreSQL.
 */
export const HELD_BATCHES_PATCH = 'held-batches';
