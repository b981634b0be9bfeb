import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../../config';

/** Set by the integration global setup (one database per test run, so parallel runs never collide). */
export const TEST_DATABASE = process.env.MUSEUM_TEST_DATABASE ?? 'museum_test';

/** Registered by the integration global setup; never the operator's `default` namespace. */
export const TEST_NAMESPACE = 'museum-etl-test';

/** Integration tests always target the embedded stack, whatever the developer's shell exports. */
export function stackConfig(overrides: Record<string, string> = {}): Config {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  // The stack's own settings (ports, folder) still come from the environment, so tests follow overrides.
  const stackSettings = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k.startsWith('STACK_') || k === 'MUSEUM_STACK_DIR'),
  );
  return loadConfig({
    ...stackSettings,
    MUSEUM_ENV: 'local',
    LOG_LEVEL: 'warn',
    METRICS_PORT: '0',
    PGDATABASE: TEST_DATABASE,
    TEMPORAL_NAMESPACE: TEST_NAMESPACE,
    ...overrides,
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The workflow sources (TypeScript under vitest, compiled JavaScript under dist/); Temporal bundles them. */
export const WORKFLOWS_PATH: string = (() => {
  const ts = path.resolve(__dirname, '../../workflows/index.ts');
  return fs.existsSync(ts) ? ts : require.resolve('../../workflows');
})();
