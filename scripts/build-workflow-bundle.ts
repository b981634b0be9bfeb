/**
 * Pre-bundles the workflow code (run by `npm run build`, after tsc), so workers with
 * NODE_ENV=production start without running webpack (worker/worker.ts).
 */
import { writeFile } from 'node:fs/promises';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_PATH } from '../worker/workflow-bundle';

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
