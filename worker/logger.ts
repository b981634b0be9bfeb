import pino, { type Logger } from 'pino';
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

export function createLogger(
  log: Config['log'],
  bindings: Record<string, unknown> = {},
  destination?: pino.DestinationStream,
): Logger {
  const streams: pino.StreamEntry[] = [];
  if (destination) streams.push({ stream: destination });
  else {
    if (process.env.LOG_TO_STDOUT !== 'false') streams.push({ stream: pino.destination(1) });
    if (log.file) streams.push({ stream: pino.destination({ dest: log.file, mkdir: true, sync: false }) });
  }
  return pino(
    {
      level: log.level,
      base: { service: 'museum-etl', ...bindings },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
}
