import type { Logger } from 'pino';
import { ConfigError, loadConfig, loadDotEnv, type Config, type LoadOptions } from '../config';
import { createLogger } from '../worker/logger';
import { EXIT, fail } from './output';

/** Loads and validates configuration once per command; a bad variable exits 2 with its name. */
export function loadConfigOrExit(options: LoadOptions = {}): Config {
  loadDotEnv();
  try {
    return loadConfig(process.env, options);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, EXIT.usage);
    throw err;
  }
}

export function commandLogger(config: Config, command: string): Logger {
  return createLogger(config.log, { command });
}
