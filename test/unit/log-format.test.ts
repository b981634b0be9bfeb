import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import { createLogger, prettyStream, resolveLogFormat } from '../../worker/logger';

const LOCAL = { MUSEUM_ENV: 'local' };

describe('log format selection', () => {
  it('LOG_FORMAT unset: pretty on a terminal, JSON when stdout is not one', () => {
    const { log } = loadConfig(LOCAL);
    expect(log.format).toBeUndefined();
    expect(resolveLogFormat(log.format, true)).toBe('pretty');
    expect(resolveLogFormat(log.format, false)).toBe('json');
  });

  it('LOG_FORMAT=json|pretty wins over the terminal check, in any case', () => {
    expect(loadConfig({ ...LOCAL, LOG_FORMAT: 'json' }).log.format).toBe('json');
    expect(loadConfig({ ...LOCAL, LOG_FORMAT: 'Pretty' }).log.format).toBe('pretty');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
    expect(loadConfig({ ...LOCAL, LOG_FORMAT: '' }).log.format).toBeUndefined();
  });

  it('an invalid LOG_FORMAT is a config error naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({ ...LOCAL, LOG_FORMAT: 'yaml' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^LOG_FORMAT must be json or pretty.*got "yaml"/)]),
    );
  });
});

describe('pretty log lines', () => {
  function capturePretty() {
    const out: string[] = [];
    const stream = prettyStream({ write: (s: string) => void out.push(s) }, false);
    const logger = createLogger({ level: 'info', format: 'pretty' }, { command: 'up' }, stream);
    return { logger, text: () => out.join('') };
  }

  it('reads as time, level, command and message, without the JSON envelope', () => {
    const { logger, text } = capturePretty();
    logger.child({ component: 'ingest' }).warn({ rows: 3 }, 'slow partition');
    const out = text();
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[up\] ingest: slow partition\n/);
    expect(out).toContain('rows: 3');
    expect(out).not.toContain('"level"');
    expect(out).not.toContain('service');
  });

  it('keeps redaction', () => {
    const { logger, text } = capturePretty();
    logger.info({ pg: { host: 'db', password: 'pg-password-0001' }, token: 'tok-0002' }, 'connected');
    expect(text()).not.toMatch(/pg-password-0001|tok-0002/);
    expect(text()).toContain('[redacted]');
  });
});
