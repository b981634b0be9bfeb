import { permanentFailure, FailureType } from '../common/failures';

/** PostgreSQL's codes for a missing table or column (undefined_table, undefined_column). */
const SCHEMA_CODES = new Set(['42P01', '42703']);

const FIX = 'restart the worker (it applies pending migrations at start) or run `museum-etl seed --wait`';

/** The PostgreSQL error in an error's cause chain that says the schema lacks something, if any. */
export function schemaErrorIn(err: unknown): { code: string; message: string } | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && SCHEMA_CODES.has(code)) return { code, message: e.message };
    e = e.cause;
  }
  return undefined;
}

/**
 * Wraps each activity so a missing table or column fails at once as a typed, non-retryable
 * `SchemaBehind` that names the fix, instead of Temporal retrying it forever unseen.
 */
export function guardSchema<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
): T {
  const guarded: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    guarded[name] = async (...args) => {
      try {
        return await fn(...args);
      } catch (err) {
        const schema = schemaErrorIn(err);
        if (!schema) throw err;
        throw permanentFailure(
          FailureType.SchemaBehind,
          `the database schema is behind this worker (${schema.message}): ${FIX}`,
        );
      }
    };
  }
  return guarded as T;
}
