import { InvalidArgumentError, type Command } from 'commander';
import type { Pool } from 'pg';
import { REPLAY_LOADED, type ReplayDataset } from '../activities/rejects';
import { INSTALLED_DATASETS } from '../datasets';
import { likePrefix } from '../pipeline/position';
import type { RejectStore } from '../pipeline/reject-replay';
import { createPgPool } from '../worker/connections';
import {
  replayRejectsWorkflow,
  type ReplayRejectsInput,
  type ReplayRejectsResult,
} from '../workflows/replay-rejects';
import { loadConfigOrExit } from './context';
import { EXIT, fail, printJson, printTable } from './output';
import { escapeText, PREVIEW_CHARS, rawPreview } from './raw-preview';
import { startRun } from './runs';

export interface RejectFilter {
  /** Whose rejects (default: the first installed dataset). */
  dataset?: ReplayDataset;
  reason?: string;
  /** Only rejects stored at or after this moment (first_seen_at). */
  since?: Date;
  /** Only rejects whose source position starts with this text (e.g. `kafka:lmnh:` or `s3:lmnh/`). */
  position?: string;
  limit: number;
  /** Include rejects a replay has loaded (hidden by default: they are counted as rows now). */
  all?: boolean;
  /** Length of each raw preview (default 200 characters). */
  previewChars?: number;
}

export interface RejectListing {
  rejects: Array<{
    id: string;
    /** Pinterest only: pin, geo or user. */
    recordType?: string;
    position: string;
    reason: string;
    detail: string;
    firstSeenAt: string;
    replayedAt: string | null;
    replayOutcome: string | null;
    rawBytes: number;
    /** The raw payload or CSV line, non-printable characters escaped, cut to `previewChars`. */
    rawPreview: string;
  }>;
  /** Rejects matching the filter (before --limit), loaded ones included only with --all. */
  matching: number;
  /** Rejects matching the filter that a replay loaded, hidden without --all. */
  loadedHidden: number;
}

/** Bytes read for a preview: a payload may be up to 1 MiB and only its head is shown. */
const PREVIEW_BYTES = 1024;

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, min: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

/** `--since`: an ISO-8601 date or time (`2026-11-20`, `2026-11-20T08:00:00Z`) or an age (`30m`, `6h`, `7d`). */
export function parseSince(text: string, now = Date.now()): Date {
  const age = /^(\d+)\s*(s|m|min|h|d|w)$/.exec(text.trim());
  if (age) return new Date(now - Number(age[1]) * (UNITS[age[2]!] ?? 0));
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(
      `--since must be an ISO-8601 date/time (2026-11-20, 2026-11-20T08:00:00Z) or an age (30m, 6h, 7d); got ${JSON.stringify(text)}`,
    );
  }
  return new Date(ms);
}

/** Where each dataset keeps its rejects, by name, from the registry. */
const REJECT_STORES: ReadonlyMap<string, RejectStore> = new Map(
  INSTALLED_DATASETS.withRejects.map((p) => [p.name, p.rejects]),
);

/** The reasons of each dataset's contract, in check order. */
export const REASONS_OF: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [...REJECT_STORES].map(([name, store]) => [name, store.reasons]),
);

function storeOf(dataset: string | undefined): RejectStore {
  const name = dataset ?? INSTALLED_DATASETS.defaultName;
  const store = REJECT_STORES.get(name);
  if (!store) return fail(`dataset ${name} keeps no rejects`, EXIT.usage);
  return store;
}

/** The rejects matching a filter, newest first, with counts. Read-only. */
export async function listRejects(db: Pool, f: RejectFilter): Promise<RejectListing> {
  const t = storeOf(f.dataset);
  const params = [
    f.reason ?? null,
    f.since?.toISOString() ?? null,
    f.position !== undefined ? likePrefix(f.position) : null,
    REPLAY_LOADED,
  ];
  const where = `($1::text is null or reason = $1)
      and ($2::timestamptz is null or first_seen_at >= $2)
      and ($3::text is null or source_position(source_id, source_seq) like $3)`;
  const counts = await db.query<{ pending: string; loaded: string }>(
    `select count(*) filter (where replay_outcome is distinct from $4) as pending,
            count(*) filter (where replay_outcome = $4) as loaded
     from ${t.table} where ${where}`,
    params,
  );
  const { rows } = await db.query<{
    id: string;
    source_position: string;
    reason: string;
    detail: string;
    first_seen_at: Date;
    replayed_at: Date | null;
    replay_outcome: string | null;
    raw_bytes: number;
    raw_head: Buffer;
    record_type: string | null;
  }>(
    `select ${t.idColumn}::text as id, ${t.recordType} as record_type, source_position(source_id, source_seq), reason,
            detail, first_seen_at, replayed_at,
            replay_outcome, octet_length(raw) as raw_bytes, substring(raw from 1 for ${PREVIEW_BYTES}) as raw_head
     from ${t.table}
     where ${where} and ($5::boolean or replay_outcome is distinct from $4)
     order by first_seen_at desc, ${t.idColumn} desc
     limit $6`,
    [...params, Boolean(f.all), f.limit],
  );
  const pending = Number(counts.rows[0]?.pending ?? 0);
  const loaded = Number(counts.rows[0]?.loaded ?? 0);
  return {
    rejects: rows.map((r) => ({
      id: r.id,
      ...(r.record_type !== null ? { recordType: r.record_type } : {}),
      position: r.source_position,
      reason: r.reason,
      detail: r.detail,
      firstSeenAt: r.first_seen_at.toISOString(),
      replayedAt: r.replayed_at?.toISOString() ?? null,
      replayOutcome: r.replay_outcome,
      rawBytes: r.raw_bytes,
      rawPreview: rawPreview(r.raw_head, f.previewChars ?? PREVIEW_CHARS, r.raw_bytes),
    })),
    matching: f.all ? pending + loaded : pending,
    loadedHidden: f.all ? 0 : loaded,
  };
}

const shortTime = (iso: string | null) => (iso ? iso.replace(/\.\d+Z$/, 'Z') : '');

export function renderListing(l: RejectListing, all: boolean): void {
  printTable(
    l.rejects.map((r) => ({
      id: r.id,
      ...(r.recordType !== undefined ? { type: r.recordType } : {}),
      position: escapeText(r.position, 90),
      reason: r.reason,
      detail: escapeText(r.detail, 50),
      first_seen: shortTime(r.firstSeenAt),
      replayed: shortTime(r.replayedAt),
      outcome: escapeText(r.replayOutcome ?? '', 40),
      raw: r.rawPreview,
    })),
  );
  const hidden =
    !all && l.loadedHidden > 0 ? `; ${l.loadedHidden} loaded by replay hidden (--all shows them)` : '';
  console.log(`${l.rejects.length} shown of ${l.matching} matching${hidden}`);
}

export function renderReplayResult(r: ReplayRejectsResult): void {
  console.log(
    `replayed ${r.examined} of ${r.pending} pending rejects${r.reason ? ` (reason ${r.reason})` : ''} in ${r.pages} page(s)`,
  );
  const kinds = Object.entries(r.loadedByKind).map(([kind, n]) => `${kind} ${n}`);
  if (r.alreadyPresent) kinds.push(`already present ${r.alreadyPresent}`);
  console.log(`  loaded now: ${r.loaded}${kinds.length ? ` (${kinds.join(', ')})` : ''}`);
  console.log(`  still rejected: ${r.stillRejected}`);
  const reasons = Object.entries(r.stillRejectedByReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length) printTable(reasons.map(([reason, count]) => ({ reason, count })));
}

const ALL_REASONS: readonly string[] = [...new Set(Object.values(REASONS_OF).flat())];

const reasonArg = (v: string): string => {
  if (!ALL_REASONS.includes(v)) {
    throw new InvalidArgumentError(
      `must be a reason of the ${Object.keys(REASONS_OF).join(' or ')} contract (${ALL_REASONS.join(', ')})`,
    );
  }
  return v;
};

const datasetArg = (v: string): ReplayDataset => {
  if (!REJECT_STORES.has(v))
    throw new InvalidArgumentError(`must be ${[...REJECT_STORES.keys()].join(' or ')}`);
  return v;
};

/** The dataset of a command, its --reason checked against that dataset's contract (exit 2 if not). */
function datasetOf(opts: { dataset?: ReplayDataset; reason?: string }): ReplayDataset {
  const dataset = opts.dataset ?? INSTALLED_DATASETS.defaultName;
  const reasons = storeOf(dataset).reasons;
  if (opts.reason !== undefined && !reasons.includes(opts.reason)) {
    fail(`--reason ${opts.reason} is not a ${dataset} reason; one of ${reasons.join(', ')}`, EXIT.usage);
  }
  return dataset;
}

const DATASET_HELP = [...REJECT_STORES]
  .map(([name, store], i) => `${name} (${store.table}${i === 0 ? ', default' : ''})`)
  .join(' or ');

const intArg = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`--${name} must be an integer ${min}..${max}`);
  }
  return n;
};

export function registerRejectsCommands(program: Command): void {
  const rejects = program
    .command('rejects')
    .description('inspect stored rejected events and replay them against today’s rules and catalogue')
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl rejects list --reason unknown_site --since 1d\n  $ museum-etl rejects replay --reason unknown_site --wait',
    )
    // Bad usage exits 2 (EXIT.usage), not commander's 1; help exits 0. Inherited by the subcommands below.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

  rejects
    .command('list')
    .description(
      'list rejects, newest first: position, reason, detail, first seen, replay outcome and a safe preview of the raw payload',
    )
    .option('--dataset <name>', DATASET_HELP, datasetArg)
    .option(
      '--reason <reason>',
      `only this reason (${Object.entries(REASONS_OF)
        .map(([name, reasons]) => `${name}: ${reasons.join(', ')}`)
        .join('; ')})`,
      reasonArg,
    )
    .option(
      '--since <time>',
      'only rejects stored since an ISO-8601 date/time or an age (30m, 6h, 7d)',
      (v) => parseSince(v),
    )
    .option('--position <prefix>', 'only source positions starting with this (kafka:lmnh:2: or s3:lmnh/)')
    .option('--limit <n>', 'show at most n', intArg('limit', 1, 100_000), 50)
    .option('--all', 'also show rejects a replay has loaded (hidden by default)')
    .option('--json', 'print JSON: { rejects: [...], matching, loadedHidden }')
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl rejects list\n  $ museum-etl rejects list --reason out_of_hours --since 2026-11-20 --limit 10\n  $ museum-etl rejects list --position kafka:lmnh: --all --json\n  $ museum-etl rejects list --dataset pinterest --reason conflicting_record --position kafka:pinterest.pin:',
    )
    .action(
      async (opts: {
        dataset?: ReplayDataset;
        reason?: string;
        since?: Date;
        position?: string;
        limit: number;
        all?: boolean;
        json?: boolean;
      }) => {
        const dataset = datasetOf(opts);
        const config = loadConfigOrExit();
        const db = createPgPool(config, { max: 1 });
        try {
          const listing = await listRejects(db, {
            dataset,
            ...(opts.reason ? { reason: opts.reason } : {}),
            ...(opts.since ? { since: opts.since } : {}),
            ...(opts.position !== undefined ? { position: opts.position } : {}),
            limit: opts.limit,
            all: Boolean(opts.all),
            previewChars: opts.json ? PREVIEW_CHARS : 60,
          });
          if (opts.json) printJson(listing);
          else renderListing(listing, Boolean(opts.all));
        } catch (err) {
          const e = err as Error & { code?: string };
          if (e.code === '42P01') fail('the database has no rejects table yet: run `museum-etl seed`');
          fail(
            `cannot read rejects from PostgreSQL at ${config.pg.host}:${config.pg.port}/${config.pg.database}: ${e.message}`,
            EXIT.unavailable,
          );
        } finally {
          await db.end().catch(() => undefined);
        }
      },
    );

  rejects
    .command('replay')
    .description(
      'judge stored rejects again with today’s rules and catalogue; load those that now pass (a Temporal workflow, idempotent)',
    )
    .option('--dataset <name>', DATASET_HELP, datasetArg)
    .option('--reason <reason>', 'only rejects stored with this reason', reasonArg)
    .option('--batch-size <n>', 'rejects per transaction (default 500)', intArg('batch-size', 1, 5000))
    .option('--wait', 'wait for the run and print its result; exit 1 if it failed')
    .option('--json', 'with --wait, print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ museum-etl rejects replay --reason unknown_site --wait\n  $ museum-etl rejects replay --wait --json\n  $ museum-etl rejects replay --dataset pinterest --reason future_timestamp --wait',
    )
    .action(
      async (opts: {
        dataset?: ReplayDataset;
        reason?: string;
        batchSize?: number;
        wait?: boolean;
        json?: boolean;
      }) => {
        const dataset = datasetOf(opts);
        const config = loadConfigOrExit();
        const input: ReplayRejectsInput = {
          ...(dataset !== 'kiosk' ? { dataset } : {}),
          ...(opts.reason ? { reason: opts.reason } : {}),
          ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
        };
        await startRun<ReplayRejectsResult>(
          config,
          replayRejectsWorkflow,
          {
            workflowId: `replay-rejects-${dataset === 'kiosk' ? '' : `${dataset}-`}${opts.reason ?? 'all'}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
            args: [input],
          },
          Boolean(opts.wait),
          (r) => (opts.json ? printJson(r) : renderReplayResult(r)),
        );
      },
    );
}
