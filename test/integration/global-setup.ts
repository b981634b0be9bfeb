import { LocalStack } from '../../infra/local/stack';

/** Integration tests need the real stack: start whatever is not running, and stop only what we started. */
export default async function setup(): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stack = new LocalStack();
  const before = await stack.status();
  const alreadyRunning = before.filter((c) => c.running).map((c) => c.component);
  const started = Date.now();
  await stack.up((c, m) => {
    if (m !== 'bootstrapping') console.log(`[stack] ${c.padEnd(8)} ${m}`);
  });
  console.log(`[stack] ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return async () => {
    if (process.env.KEEP_STACK === 'true') return;
    const ours = stack.components.map((c) => c.name).filter((n) => !alreadyRunning.includes(n));
    if (ours.length > 0) await stack.down(() => undefined, ours);
  };
}
