import { maintenanceClient } from '../../infra/local/components/postgres';
import { LocalStack } from '../../infra/local/stack';
import { ensureNamespace } from '../../infra/local/temporal-namespace';
import { TEST_NAMESPACE } from '../support/env';

/** Tests own a database of their own, so they can assert exact counts and never touch the developer's data. */
async function recreateTestDatabase(stack: LocalStack, name: string, drop = false): Promise<void> {
  const client = maintenanceClient(stack.settings);
  await client.connect();
  try {
    await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
    if (!drop) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/** Integration tests need the real stack: start whatever is not running, and stop only what we started. */
export default async function setup(): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const stack = new LocalStack();
  const before = await stack.status();
  const alreadyRunning = before.filter((c) => c.running).map((c) => c.component);
  const started = Date.now();
  await stack.up((c, m) => {
    if (m !== 'bootstrapping') console.log(`[stack] ${c.padEnd(8)} ${m}`);
  });
  console.log(`[stack] ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  // One database per run: concurrent runs (several developers' terminals) never drop each other's data.
  const database = `museum_test_${process.pid}`;
  process.env.MUSEUM_TEST_DATABASE = database;
  await recreateTestDatabase(stack, database);
  // Tests never fill the operator's `default` namespace (what `npm start` and the UI show).
  await ensureNamespace(
    `127.0.0.1:${stack.settings.ports.temporal}`,
    TEST_NAMESPACE,
    'museum-etl test runs (npm test)',
  );
  return async () => {
    if (process.env.KEEP_TEST_DATABASE !== 'true') await recreateTestDatabase(stack, database, true);
    if (process.env.KEEP_STACK === 'true') return;
    const ours = stack.components.map((c) => c.name).filter((n) => !alreadyRunning.includes(n));
    if (ours.length > 0) await stack.down(() => undefined, ours);
  };
}
