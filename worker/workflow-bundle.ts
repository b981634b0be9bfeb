import path from 'node:path';

/**
 * Where `npm run build` (scripts/build-workflow-bundle.ts) writes the pre-bundled workflow code and
 * where a worker with NODE_ENV=production loads it: dist/workflow-bundle.js. A module of its own, so
 * the build script reads it without loading the worker and every activity.
 */
export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'workflow-bundle.js');
