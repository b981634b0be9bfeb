import { CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config';
import {
  historyKey,
  writeHistory,
  type HistoryProgress,
  type WriteHistoryResult,
} from '../datasets/kiosk/simulator/history-writer';
import { historyDays } from '../datasets/kiosk/simulator/history-rows';
import type { LiveProgress } from '../datasets/kiosk/simulator/live-producer';
import {
  startLiveSimulation,
  UnknownTopicError,
  type LiveSimulation,
  type LiveSimulationResult,
} from '../datasets/kiosk/simulator/run-live';
import {
  CLOSING_SECOND,
  localParts,
  OPENING_SECOND,
  openingWindow,
} from '../datasets/kiosk/simulator/zoned-time';
import { createS3 } from '../worker/connections';
import { loadConfigOrExit } from './context';
import { EXIT, fail, printJson, printTable } from './output';
import { createProgress, type ProgressReporter } from './progress';
import { registerSimulatePinterest } from './simulate-pinterest';
import {
  fraction,
  nonEmpty,
  positiveInteger,
  positiveRate,
  proxyUrlOption,
  restProxyTarget,
  seedOf,
  usageExit,
  viaOption,
} from './simulate-options';

// ---------------------------------------------------------------------------------------------
// Option parsing: each parser throws InvalidArgumentError, which commander reports naming the option.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `30s`, `5m`, `1h30m`, `500ms`; a bare number is seconds. */
export function parseDuration(value: string): number {
  const text = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) {
    ms = 0;
    for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
      ms += Number(n) * (UNIT_MS[unit ?? 's'] ?? 1000);
    }
  } else throw new InvalidArgumentError('expected a duration such as 30s, 5m, 1h30m or 500ms.');
  if (!(ms > 0)) throw new InvalidArgumentError('the duration must be positive.');
  return ms;
}

function isoDate(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || d.toISOString().slice(0, 10) !== value)
    throw new InvalidArgumentError('expected a date YYYY-MM-DD.');
  return value;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const int = (n: number): string => Math.round(n).toLocaleString('en-GB');
const pct = (part: number, whole: number): string =>
  whole > 0 ? `${((part * 100) / whole).toFixed(1)}%` : '-';

function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

// ---------------------------------------------------------------------------------------------
// simulate live

interface LiveOpts {
  rate: number;
  count?: number;
  duration?: number;
  maxRate?: boolean;
  faultFraction: number;
  stamp: 'now' | 'recent';
  seed?: number | string;
  topic?: string;
  partitionsRoundRobin?: boolean;
  json?: boolean;
  via: 'kafka' | 'http';
  proxyUrl?: string;
}

function renderLive(r: LiveSimulationResult): void {
  const stopped = { count: 'count reached', duration: 'duration reached', signal: 'stopped (Ctrl-C)' }[
    r.stoppedBy
  ];
  console.log(
    `sent ${int(r.sent)} events to ${r.topic} in ${seconds(r.elapsedMs)} (${int(r.eventsPerSecond)} events/s); ${stopped}`,
  );
  printTable(
    (['rating', 'request', 'fault'] as const).map((kind) => ({
      intended: kind,
      events: r.byIntended[kind],
      share: pct(r.byIntended[kind], r.sent),
    })),
  );
  console.log(
    `partitions: ${r.partitions} (${r.partitioning === 'round-robin' ? 'round robin' : 'keyed by site'}); ` +
      `stamps: ${r.stamp} (${r.timeZone}); seed: ${JSON.stringify(r.seed)}`,
  );
}

const hhmm = (secondOfDay: number): string =>
  `${String(Math.floor(secondOfDay / 3600)).padStart(2, '0')}:${String(Math.floor(secondOfDay / 60) % 60).padStart(2, '0')}`;

/** The museum-local time of day when the museum is closed now, else undefined. */
function outsideOpeningHours(config: Config): string | undefined {
  const now = Date.now();
  const tz = config.museum.timeZone;
  const w = openingWindow(now, tz);
  if (now >= w.open && now <= w.close) return undefined;
  const p = localParts(now, tz);
  return hhmm(p.hour * 3600 + p.minute * 60);
}

async function runLive(opts: LiveOpts): Promise<void> {
  const config = loadConfigOrExit();
  const stamp = opts.stamp === 'recent' ? 'recent-opening-hours' : 'now';
  const controller = new AbortController();
  let interrupts = 0;
  // Created once connected; the signal handler and progress callback may run before that.
  const view: { progress?: ProgressReporter } = {};
  const onSignal = (name: string) => (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort();
    const message = `${name}: stopping after the batches in flight (again to quit at once)`;
    if (view.progress) view.progress.note(message);
    else console.error(message);
  };
  const onInt = onSignal('Ctrl-C');
  const onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  if (stamp === 'now') {
    const at = outsideOpeningHours(config);
    if (at !== undefined) {
      console.error(
        `note: it is ${at} in ${config.museum.timeZone}, outside opening hours ` +
          `(${hhmm(OPENING_SECOND)}-${hhmm(CLOSING_SECOND)}): with --stamp now ` +
          'every valid-looking event will be rejected as out_of_hours; use --stamp recent for accepted data',
      );
    }
  }

  let last: LiveProgress | undefined;
  let sim: LiveSimulation;
  try {
    sim = await startLiveSimulation(
      config,
      {
        rate: opts.rate,
        maxRate: Boolean(opts.maxRate),
        ...(opts.count !== undefined ? { count: opts.count } : {}),
        ...(opts.duration !== undefined ? { durationMs: opts.duration } : {}),
        faultFraction: opts.faultFraction,
        stamp,
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.topic !== undefined ? { topic: opts.topic } : {}),
        partitionsRoundRobin: Boolean(opts.partitionsRoundRobin),
        ...(opts.via === 'http' ? { restProxy: restProxyTarget(config, opts) } : {}),
        onProgress: (p) => {
          last = p;
          view.progress?.update(
            opts.count === undefined && opts.duration !== undefined ? p.elapsedMs / 1000 : p.sent,
            opts.count === undefined && opts.duration !== undefined
              ? { events: p.sent, faults: p.byIntended.fault }
              : { faults: p.byIntended.fault },
          );
        },
      },
      controller.signal,
    );
  } catch (err) {
    if (err instanceof UnknownTopicError) {
      fail(`${err.message} on ${config.kafka.brokers.join(',')} (--topic or KAFKA_TOPIC)`, EXIT.usage);
    }
    if (opts.via === 'http') {
      fail(
        `cannot post to the REST proxy at ${restProxyTarget(config, opts).url}: ${(err as Error).message}; is museum-etl rest-proxy running (or --proxy-url right)?`,
        EXIT.unavailable,
      );
    }
    fail(
      `cannot produce to Kafka at ${config.kafka.brokers.join(',')}: ${(err as Error).message}; is the stack up (museum-etl stack up) or KAFKA_BROKERS right?`,
      EXIT.unavailable,
    );
  }

  const bound =
    opts.count !== undefined
      ? `${int(opts.count)} events`
      : opts.duration !== undefined
        ? seconds(opts.duration)
        : 'until Ctrl-C';
  console.error(
    `producing to ${sim.topic}${opts.via === 'http' ? ` through the REST proxy at ${restProxyTarget(config, opts).url}` : ''} (${sim.partitions} partitions, ${sim.partitioning === 'round-robin' ? 'round robin' : 'keyed by site'}) ` +
      `${opts.maxRate ? 'at max rate' : `at ${opts.rate}/s`}, ${pct(opts.faultFraction, 1)} faults, ` +
      `stamps ${opts.stamp}, seed ${JSON.stringify(sim.seed)}: ${bound}`,
  );
  const progress =
    opts.count !== undefined
      ? createProgress({ config, command: 'simulate live', unit: 'events', total: opts.count })
      : opts.duration !== undefined
        ? createProgress({
            config,
            command: 'simulate live',
            unit: 'seconds',
            total: opts.duration / 1000,
          })
        : createProgress({ config, command: 'simulate live', unit: 'events' });
  view.progress = progress;

  try {
    const result = await sim.done;
    progress.stop();
    if (opts.json) printJson(result);
    else renderLive(result);
  } catch (err) {
    progress.stop();
    if (last) {
      console.error(
        `sent ${int(last.sent)} events before the failure (rating ${last.byIntended.rating}, request ${last.byIntended.request}, fault ${last.byIntended.fault}) in ${seconds(last.elapsedMs)}`,
      );
    }
    fail(`producing to ${sim.topic} failed: ${(err as Error).message}`, EXIT.failed);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

// ---------------------------------------------------------------------------------------------
// simulate history

interface HistoryOpts {
  rows: number;
  files: number;
  bucket?: string;
  seed?: number | string;
  createBucket?: boolean;
  from?: string;
  to?: string;
  json?: boolean;
}

async function ensureBucket(s3: S3Client, config: Config, bucket: string, create: boolean): Promise<void> {
  const where = config.s3.endpoint ?? `AWS S3 (${config.s3.region})`;
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 403) fail(`no access to bucket ${bucket} at ${where}`, EXIT.failed);
    if (status !== 404) {
      fail(
        `cannot reach S3 at ${where}: ${(err as Error).message || (err as Error).name}; is the stack up (museum-etl stack up)?`,
        EXIT.unavailable,
      );
    }
  }
  if (!create) {
    fail(
      `bucket ${bucket} does not exist at ${where} (--bucket); add --create-bucket to create it`,
      EXIT.usage,
    );
  }
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  console.error(`created bucket ${bucket}`);
}

interface HistorySummary extends WriteHistoryResult {
  bucket: string;
  seed: number | string;
  /** Museum-local dates of the rows, YYYY-MM-DD. */
  from: string;
  to: string;
  files: { key: string; rows: number; bytes?: number }[];
  elapsedMs: number;
  rowsPerSecond: number;
  /** The whole process's peak resident set (process.resourceUsage().maxRSS), in bytes. */
  peakRssBytes: number;
}

function renderHistory(s: HistorySummary): void {
  console.log(
    `wrote ${int(s.totals.rows)} rows in ${s.files.length} file(s) to ${s.bucket} in ${seconds(s.elapsedMs)} ` +
      `(${int(s.rowsPerSecond)} rows/s); peak RSS ${mib(s.peakRssBytes)}`,
  );
  printTable(
    s.files.map((f) => ({
      file: f.key,
      rows: f.rows,
      size: f.bytes === undefined ? '' : mib(f.bytes),
    })),
  );
  const t = s.totals;
  console.log(
    `totals: ${int(t.ratings)} ratings + ${int(t.requests)} requests in opening hours, ` +
      `${int(t.beforeOpening)} before opening (rejected as out_of_hours); ${int(t.duplicates)} repeated rows`,
  );
  console.log(
    `dates ${s.from}..${s.to}; also wrote ${s.exhibitionKeys.length} exhibition file(s) and ${s.noteKey}; ` +
      `seed: ${JSON.stringify(s.seed)}`,
  );
}

async function runHistory(opts: HistoryOpts): Promise<void> {
  if (opts.files > opts.rows) {
    fail(`--files (${opts.files}) must not exceed --rows (${opts.rows})`, EXIT.usage);
  }
  const config = loadConfigOrExit();
  const bucket = opts.bucket ?? config.s3.bucket;
  const seed = opts.seed ?? Math.floor(Math.random() * 0xffff_ffff);
  const history = {
    timeZone: config.museum.timeZone,
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
  };
  let range: { from: string; to: string };
  try {
    const days = historyDays(history);
    const ymd = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
    range = { from: ymd(days.first), to: ymd(days.last) };
  } catch (err) {
    fail(`--from/--to: ${(err as Error).message}`, EXIT.usage);
  }
  const s3 = createS3(config);
  await ensureBucket(s3, config, bucket, Boolean(opts.createBucket));

  console.error(
    `writing ${int(opts.rows)} rows in ${opts.files} file(s) to ${bucket}, dates ${range.from}..${range.to}, ` +
      `seed ${JSON.stringify(seed)}`,
  );
  const progress = createProgress({ config, command: 'simulate history', unit: 'rows', total: opts.rows });
  let filesDone = 0;
  // Without this a Ctrl-C would leave the terminal's cursor hidden by the bar.
  const onInterrupt = (): void => {
    progress.stop();
    const done = Array.from({ length: filesDone }, (_, n) => historyKey(n));
    console.error(
      `interrupted: ${filesDone} of ${opts.files} file(s) complete${done.length ? ` (${done.join(', ')})` : ''}; ` +
        `${historyKey(filesDone)} was not written (an object of that name from an earlier run is left as it ` +
        'was; the abandoned multipart upload may linger until the bucket expires incomplete uploads)',
    );
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  const started = Date.now();
  let result: WriteHistoryResult;
  try {
    result = await writeHistory({
      s3,
      bucket,
      rows: opts.rows,
      files: opts.files,
      seed,
      history,
      onProgress: (p: HistoryProgress) => {
        filesDone = p.filesDone;
        progress.update(p.rowsWritten, { file: `${Math.min(p.filesDone + 1, p.files)}/${p.files}` });
      },
    });
  } catch (err) {
    progress.stop();
    fail(`writing history to ${bucket} failed: ${(err as Error).message}`, EXIT.failed);
  }
  const elapsedMs = Date.now() - started;
  process.off('SIGINT', onInterrupt);
  process.off('SIGTERM', onInterrupt);
  progress.stop();

  const files = await Promise.all(
    result.files.map(async (f) => {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: f.key }));
        return head.ContentLength === undefined ? f : { ...f, bytes: head.ContentLength };
      } catch {
        return f;
      }
    }),
  );
  s3.destroy();
  const summary: HistorySummary = {
    bucket,
    seed,
    ...range,
    ...result,
    files,
    elapsedMs,
    rowsPerSecond: elapsedMs > 0 ? (result.totals.rows * 1000) / elapsedMs : 0,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  if (opts.json) printJson(summary);
  else renderHistory(summary);
}

// ---------------------------------------------------------------------------------------------

export function registerSimulateCommands(program: Command): void {
  const simulate = usageExit(
    program
      .command('simulate')
      .description(
        'simulated data: kiosk live events to Kafka, history CSVs and metadata to S3; Pinterest posts to Kafka',
      )
      .addHelpText(
        'after',
        '\nExamples:\n  $ museum-etl simulate live --stamp recent\n  $ museum-etl simulate history --rows 1000000 --files 4',
      ),
  );

  usageExit(
    simulate
      .command('live')
      .description(
        'produce kiosk events to Kafka at a steady rate (or --max-rate), with a share of faults; ' +
          'without --count or --duration it runs until Ctrl-C',
      )
      .addOption(
        new Option('--rate <n>', 'events per second').argParser(positiveRate).default(5).conflicts('maxRate'),
      )
      .addOption(new Option('--count <n>', 'stop after n events').argParser(positiveInteger))
      .addOption(
        new Option('--duration <time>', 'stop after this long: 30s, 5m, 1h30m, 500ms').argParser(
          parseDuration,
        ),
      )
      .option('--max-rate', 'send as fast as the broker acknowledges (batches of 1000, 4 in flight)')
      .addOption(
        new Option('--fault-fraction <f>', 'share of faulty events, 0..1 or a percentage')
          .argParser(fraction)
          .default(0.15),
      )
      .addOption(
        new Option(
          '--stamp <mode>',
          'now: the current museum time, like the kiosks (at night every event is then rejected as ' +
            'out_of_hours); recent: the current time during opening hours, else a time in the most recent ' +
            'opening hours (never in the future)',
        )
          .choices(['now', 'recent'])
          .default('now'),
      )
      .addOption(
        new Option(
          '--seed <s>',
          'replay the same events (timestamps aside); default random, printed',
        ).argParser(seedOf),
      )
      .addOption(
        new Option('--topic <name>', 'topic to produce to (default: KAFKA_TOPIC)').argParser(nonEmpty),
      )
      .option(
        '--partitions-round-robin',
        'spread events evenly over every partition instead of keying them by site',
      )
      .addOption(viaOption())
      .addOption(proxyUrlOption())
      .option('--json', 'print the summary as JSON')
      .addHelpText(
        'after',
        [
          '',
          'Progress goes to stderr (a bar on a terminal, else a JSON line every 5 s); the summary to stdout.',
          'Ctrl-C stops after the batches in flight and still prints the summary (exit 0); twice quits at once.',
          '',
          'Examples:',
          '  $ museum-etl simulate live                          # 5 events/s until Ctrl-C',
          '  $ museum-etl simulate live --stamp recent --duration 5m --rate 20',
          '  $ museum-etl simulate live --count 200000 --max-rate --seed 42 --json',
          '  $ museum-etl simulate live --via http --stamp recent --rate 20   # through museum-etl rest-proxy',
        ].join('\n'),
      )
      .action((opts: LiveOpts) => runLive(opts)),
  );

  usageExit(
    simulate
      .command('history')
      .description(
        'write lmnh_hist_data_<n>.csv files in the real format, the exhibition JSON files and a .txt note ' +
          'to a bucket (streamed: memory stays flat however many rows)',
      )
      .addOption(
        new Option('--rows <n>', 'data rows over all files').argParser(positiveInteger).default(100_000),
      )
      .addOption(
        new Option('--files <n>', 'number of CSV files to spread the rows over')
          .argParser(positiveInteger)
          .default(1),
      )
      .addOption(new Option('--bucket <name>', 'target bucket (default: S3_BUCKET)').argParser(nonEmpty))
      .addOption(new Option('--seed <s>', 'same seed, same files; default random, printed').argParser(seedOf))
      .addOption(
        new Option(
          '--from <date>',
          'first museum-local date of the presses, YYYY-MM-DD (default: two years before --to)',
        ).argParser(isoDate),
      )
      .addOption(
        new Option(
          '--to <date>',
          'last date, YYYY-MM-DD (default: yesterday; today or later yields future_at rejects)',
        ).argParser(isoDate),
      )
      .option('--create-bucket', 'create the bucket if it does not exist')
      .option('--json', 'print the summary as JSON')
      .addHelpText(
        'after',
        [
          '',
          'By default the presses span the two years up to yesterday (museum time), so the same --seed',
          'gives the same files only on the same day: add --from/--to for byte-identical reruns. About',
          '1% of presses fall between 08:30 and 08:45, before opening, like the real files. Existing',
          'objects with the same keys are overwritten.',
          '',
          'Examples:',
          '  $ museum-etl simulate history                          # 100,000 rows to S3_BUCKET',
          '  $ museum-etl simulate history --rows 10000000 --files 10 --bucket lmnh-load --create-bucket \\',
          '      --seed 7 --from 2024-01-01 --to 2025-12-31',
        ].join('\n'),
      )
      .action((opts: HistoryOpts) => runHistory(opts)),
  );

  registerSimulatePinterest(simulate);
}
