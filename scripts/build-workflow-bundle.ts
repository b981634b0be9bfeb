/**
 * Pre-bundles the workflow code (run by `npm run build`, after tsc), so workers start without
 * running webpack: worker/worker.ts loads this file unless it is older than the compiled workflows.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';

/** dist/workflow-bundle.js: WORKFLOW_BUNDLE_PATH of worker/worker.ts (not imported: it loads every activity). */
const WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'workflow-bundle.js');

async function main(): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    // Only problems: webpack's report is noise in a build log.
    logger: new DefaultLogger('WARN'),
  });
  await writeFile(WORKFLOW_BUNDLE_PATH, code);
  const mb = (code.length / 1024 / 1024).toFixed(2);
  console.log(`workflow bundle written to ${WORKFLOW_BUNDLE_PATH} (${mb} MB, ${Date.now() - started} ms)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
