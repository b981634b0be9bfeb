import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import type { BackfillHeartbeat } from '../activities/backfill';
import type { BackfillProgress } from '../workflows/backfill';

export interface LiveBackfill {
  progress: BackfillProgress;
  /** Finished files' rows plus what the running files' last heartbeats report. */
  rows: number;
  rejects: number;
  rowsPerSecond: number;
}

/**
 * The workflow only learns a file's counts when it finishes, so live row counts come from the
 * pending activities' heartbeat details, which `describe` returns.
 */
export async function readLiveBackfill(handle: WorkflowHandle): Promise<LiveBackfill> {
  const [progress, description] = await Promise.all([
    handle.query<BackfillProgress>('progress'),
    handle.describe(),
  ]);
  // Older runs' progress lacks rowsAwaitingLoad.
  let rows = progress.rows + (progress.rowsAwaitingLoad ?? 0);
  let rejects = progress.rejects;
  for (const a of description.raw.pendingActivities ?? []) {
    const payload = a.heartbeatDetails?.payloads?.[0];
    if (!payload) continue;
    const beat = defaultPayloadConverter.fromPayload<Partial<BackfillHeartbeat>>(payload);
    // Only transform judges rows; extract and load report lines.
    if (beat.stage !== 'transform') continue;
    rows += beat.rows ?? 0;
    rejects += beat.rejects ?? 0;
  }
  const seconds = Math.max(0.001, (Date.now() - progress.startedAt) / 1000);
  return { progress, rows, rejects, rowsPerSecond: rows / seconds };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-GB');

/** e.g. `extract 3/10 · transform 2/10 · load 2/10`: files through each stage of those to load. */
export function stagesLine(p: BackfillProgress): string {
  const of = p.filesToLoad ?? 0;
  const stages = p.stages ?? { extract: 0, transform: 0, load: 0 };
  return `extract ${stages.extract}/${of} · transform ${stages.transform}/${of} · load ${stages.load}/${of}`;
}

/** e.g. `lmnh_hist_data_3.csv (transform)`. */
const runningLine = (p: BackfillProgress) =>
  p.running.map((k) => (p.runningStage?.[k] ? `${k} (${p.runningStage[k]})` : k)).join(' ') || '-';

/** A progress bar on a terminal (one line every 5 s otherwise) until `done` settles. */
export async function watchBackfill(handle: WorkflowHandle, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  const tty = Boolean(process.stderr.isTTY);
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      'backfill [{bar}] {value}/{total} files | {stages} | {rows} rows | {rate} rows/s | {rejects} rejects | {running}',
    hideCursor: true,
  });
  let started = false;
  let lastLine = 0;
  try {
    while (!finished) {
      try {
        const live = await readLiveBackfill(handle);
        const p = live.progress;
        const values = {
          rows: fmt(live.rows),
          rate: fmt(live.rowsPerSecond),
          rejects: fmt(live.rejects),
          running: runningLine(p),
          stages: stagesLine(p),
        };
        const filesDone = p.filesDone + p.filesSkipped + p.filesFailed;
        if (tty) {
          if (!started) bar.start(Math.max(p.filesTotal, 1), filesDone, values);
          started = true;
          bar.setTotal(Math.max(p.filesTotal, 1));
          bar.update(filesDone, values);
        } else if (Date.now() - lastLine >= 5_000) {
          lastLine = Date.now();
          console.error(
            `backfill ${filesDone}/${p.filesTotal} files (${values.stages}), ${values.rows} rows, ${values.rate} rows/s, ${values.rejects} rejects`,
          );
        }
      } catch {
        // A query needs a worker; while none answers, keep the last figures on screen.
      }
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
    }
  } finally {
    if (started) bar.stop();
  }
}
