import { loadConfig, type Config } from '../../config';

export const TEST_DATABASE = 'museum_test';

/** Integration tests always target the embedded stack, whatever the developer's shell exports. */
export function stackConfig(overrides: Record<string, string> = {}): Config {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  return loadConfig({
    MUSEUM_ENV: 'local',
    LOG_LEVEL: 'warn',
    METRICS_PORT: '0',
    PGDATABASE: TEST_DATABASE,
    ...overrides,
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The TypeScript workflow sources; Temporal's bundler compiles them itself. */
export const WORKFLOWS_PATH = require('node:path').resolve(__dirname, '../../workflows/index.ts') as string;
