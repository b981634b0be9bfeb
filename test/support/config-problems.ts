import { ConfigError, loadConfig, type LoadOptions } from '../../config';

/** The problems loadConfig reports for an environment; none when it loads. */
export function configProblems(env: Record<string, string>, options: LoadOptions = {}): string[] {
  try {
    loadConfig(env, options);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
