import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { Config } from '../config';

/** Paths that may carry secrets in any structured log line; pino replaces their values. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'secretAccessKey',
  '*.secretAccessKey',
  '*.*.secretAccessKey',
  'sasl.password',
  'config.pg.password',
  'config.kafka.sasl.password',
  'config.temporal.profile.apiKey',
  'config.s3.credentials.secretAccessKey',
  'headers.authorization',
];

/**
 * Key names whose values are secrets wherever they appear. The paths above cannot say "at any
 * depth", and a Config holds secrets deeper than they reach (temporal.connect.connectionOptions
 * .apiKey, the mTLS key in tls.clientCertPair) and under other names (pg.readerPassword).
 */
export const SECRET_KEY =
  /password|passwd|secret|api[-_]?key|token|authorization|cookie|private[-_]?key|^clientKey$|^clientCertPair$/i;

const CENSOR = '[redacted]';

/**
 * A copy of `value` with every SECRET_KEY property censored, at any depth; untouched parts are
 * shared, and the caller's objects are never modified. Only plain objects and arrays are walked:
 * errors, buffers and class instances are left to pino's serializers.
 */
export function redactSecrets(value: unknown, seen: WeakSet<object> = new WeakSet(), depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 16 || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redactSecrets(v, seen, depth + 1);
      if (r !== v) changed = true;
      return r;
    });
    return changed ? out : value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const r =
      SECRET_KEY.test(k) && v !== undefined && v !== null ? CENSOR : redactSecrets(v, seen, depth + 1);
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = r;
  }
  return out ?? value;
}

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT if set; otherwise human-readable lines when stdout is a terminal, JSON lines when not. */
export function resolveLogFormat(
  format: Config['log']['format'],
  stdoutIsTTY: boolean = process.stdout.isTTY === true,
): LogFormat {
  return format ?? (stdoutIsTTY ? 'pretty' : 'json');
}

/**
 * A stream turning pino's (already redacted) JSON lines into readable ones, written synchronously
 * in this thread: no worker-thread transport, so the last lines before an exit are not lost.
 */
export function prettyStream(
  destination: pino.DestinationStream,
  colorize: boolean = process.stdout.isTTY === true && !process.env.NO_COLOR,
): pino.DestinationStream {
  const format = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,command,component',
    // Command and component prefix the message instead of being repeated as fields below it.
    messageFormat: '{if command}[{command}] {end}{if component}{component}: {end}{msg}',
    hideObject: false,
  });
  return { write: (line: string) => void destination.write(format(line)) };
}

export function createLogger(
  log: Config['log'],
  bindings: Record<string, unknown> = {},
  destination?: pino.DestinationStream,
): Logger {
  const streams: pino.StreamEntry[] = [];
  if (destination) streams.push({ stream: destination });
  else {
    if (process.env.LOG_TO_STDOUT !== 'false') {
      const stdout = pino.destination({ dest: 1, sync: true });
      streams.push({ stream: resolveLogFormat(log.format) === 'pretty' ? prettyStream(stdout) : stdout });
    }
    // The file always gets JSON lines: it is for machines.
    if (log.file) streams.push({ stream: pino.destination({ dest: log.file, mkdir: true, sync: false }) });
  }
  const logger = pino(
    {
      level: log.level,
      base: { service: 'museum-etl', ...bindings },
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      formatters: {
        bindings: (b) => redactSecrets(b) as pino.Bindings,
        log: (o) => redactSecrets(o) as Record<string, unknown>,
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
  // pino applies formatters.bindings to the root's bindings only; children (which inherit this
  // property) get theirs censored here.
  type ChildFn = (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;
  const child = logger.child as unknown as ChildFn;
  const guarded: ChildFn = function (bindings, options) {
    return child.call(this, redactSecrets(bindings) as pino.Bindings, options);
  };
  logger.child = guarded as unknown as Logger['child'];
  return logger;
}

/**
 * SDK warnings about a set-up chosen on purpose: the worker's own task queue (held batches) has
 * activities and no workflows. Logged at debug, so a healthy start prints no WARN.
 */
export function isExpectedSdkWarning(message: string): boolean {
  return message === 'No workflows registered, not polling for workflow tasks';
}
