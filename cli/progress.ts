import { Presets, SingleBar } from 'cli-progress';
import pino from 'pino';
import type { Config } from '../config';
import { createLogger } from '../worker/logger';

export interface ProgressReporter {
  /** `done` units so far; `detail` is shown after the count (bar) or added to the line (no TTY). */
  update(done: number, detail?: Record<string, string | number>): void;
  /** Clears the way for the summary; safe to call twice. */
  stop(): void;
  /** Prints a message on stderr; on a terminal this ends the bar (it cannot share the screen). */
  note(message: string): void;
}

export interface ProgressOptions {
  config: Config;
  /** e.g. 'simulate live'. */
  command: string;
  /** e.g. 'events'. */
  unit: string;
  /** Without a total the bar shows a running count only. */
  total?: number;
  /** Interval of the structured lines when stderr is not a terminal (default 5 s). */
  intervalMs?: number;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-GB');

/**
 * A cli-progress bar on stderr when stderr is a terminal; otherwise a JSON progress line on stderr
 * every few seconds (stdout stays free for the summary and --json).
 */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const { unit, total } = options;
  const started = Date.now();
  const perSecond = (done: number): number => {
    const s = (Date.now() - started) / 1000;
    return s > 0 ? done / s : 0;
  };
  const detailText = (detail: Record<string, string | number> = {}): string =>
    Object.entries(detail)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`)
      .join(' | ');

  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format:
          total !== undefined
            ? `{bar} {percentage}% | {done}/{all} ${unit} | {speed}/s | {detail}| {duration_formatted} (ETA {eta_formatted})`
            : `{done} ${unit} | {speed}/s | {detail}| {duration_formatted}`,
        stream: process.stderr,
        fps: 5,
        hideCursor: true,
        etaBuffer: 50,
        barsize: 30,
      },
      Presets.shades_classic,
    );
    const payload = (done: number, detail?: Record<string, string | number>) => {
      const text = detailText(detail);
      return {
        done: fmt(done),
        all: fmt(total ?? 0),
        speed: fmt(perSecond(done)),
        detail: text ? `${text} ` : '',
      };
    };
    bar.start(total ?? 0, 0, payload(0));
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      bar.stop();
    };
    return {
      update(done, detail) {
        if (!stopped) bar.update(done, payload(done, detail));
      },
      stop,
      note(message) {
        // The bar restores the cursor to where it started when it stops, so lines printed while it
        // runs would be overwritten: a note ends the bar (notes are rare: Ctrl-C, then the summary).
        stop();
        process.stderr.write(`${message}\n`);
      },
    };
  }

  const logger = createLogger(
    options.config.log,
    { command: options.command },
    pino.destination({ dest: 2, sync: true }),
  );
  const intervalMs = options.intervalMs ?? 5000;
  let nextAt = started + intervalMs;
  return {
    update(done, detail = {}) {
      const now = Date.now();
      if (now < nextAt) return;
      nextAt = now + intervalMs;
      logger.info(
        {
          [unit]: done,
          ...(total !== undefined
            ? { total, percent: Math.round((done * 1000) / Math.max(1, total)) / 10 }
            : {}),
          perSecond: Math.round(perSecond(done)),
          elapsedS: Math.round((now - started) / 100) / 10,
          ...detail,
        },
        'progress',
      );
    },
    stop() {},
    note(message) {
      logger.info(message);
    },
  };
}
