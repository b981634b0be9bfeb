import type { Pool, PoolClient } from 'pg';
import { LineSplitter } from './line-splitter';
import { failureTypeOf, FailureType, permanentFailure } from '../common/failures';
import { inTransaction } from '../db/transaction';
import type { ChunkJudged, Dataset, FileDataset, JudgedFile, LoadCounts } from './dataset';
import {
  advanceFileTransform,
  discardStagedFile,
  fileChunks,
  stagedFileState,
  SupersededError,
  type StagedFile,
} from './staged-file';
import {
  dropStagedMessages,
  loadedCounts,
  markTransformed,
  readStagedMessages,
  recordLoaded,
  stagedState,
} from './staging';
import { lockKey, manifestEntry, writeManifest, type ManifestEntry } from './file-manifest';
import type { BackfillHeartbeat } from './file-extract';

/** Running totals over a file's judged chunks; kept in staged_file.judge_state with the dataset's state. */
export interface FileJudgement {
  byKind: Record<string, number>;
  rejectsByReason: Record<string, number>;
  skippedByKind: Record<string, number>;
  rows: number;
  lastLine: number;
  budgetReached: boolean;
  /** The dataset's own state (e.g. the CSV header). */
  dataset: unknown;
}

const noJudgement = (): FileJudgement => ({
  byKind: {},
  rejectsByReason: {},
  skippedByKind: {},
  rows: 0,
  lastLine: 0,
  budgetReached: false,
  dataset: null,
});

export function missingFile(file: StagedFile, what: string) {
  return permanentFailure(
    FailureType.StagedBatchMissing,
    `staged file ${file.source} (${file.fileId}): ${what} (PostgreSQL restarted, or swept); extract it again`,
  );
}

export function fileDatasetOf(
  datasets: Record<string, Dataset>,
  name: string,
): Dataset & { files: FileDataset } {
  const d = datasets[name];
  if (!d?.files) {
    throw permanentFailure(
      FailureType.UnknownDataset,
      `no file dataset ${JSON.stringify(name)} on this worker`,
    );
  }
  return d as Dataset & { files: FileDataset };
}

const add = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
};

/**
 * Judges the file's chunks in line order, each in a transaction that stages its verdicts, frees
 * its raw lines and records the judge's state, so a retry goes on after the last judged chunk and
 * staging holds about one copy of the file. Stops at `rowBudget` data rows.
 */
export async function transformFile(
  deps: { db: Pool; datasets: Record<string, Dataset> },
  file: StagedFile,
  rowBudget: number,
  heartbeat: (d: BackfillHeartbeat) => void,
): Promise<FileJudgement> {
  const { db } = deps;
  const { files } = fileDatasetOf(deps.datasets, file.dataset);
  const state = await stagedFileState(db, file.fileId);
  if (!state?.extracted || state.chunks !== file.chunks) throw missingFile(file, 'not extracted');
  const chunks = await fileChunks(db, file.source);
  if (chunks.length !== state.chunks) throw missingFile(file, `${chunks.length} of ${state.chunks} chunks`);
  let judgement = (state.judgeState as FileJudgement | null) ?? noJudgement();
  const judge = await files.openFile(file, judgement.dataset);
  // The next chunk's lines are read (on another connection) while this one is judged; staged
  // lines never change, and the count is checked under the batch's lock before they are used.
  const read = (i: number) => {
    const lines = i < chunks.length ? readStagedMessages(db, chunks[i]!.batchId) : Promise.resolve([]);
    lines.catch(() => undefined);
    return lines;
  };
  let reading = read(state.transformedChunks);
  try {
    for (let i = state.transformedChunks; i < chunks.length && !judgement.budgetReached; i++) {
      const chunk = chunks[i]!;
      const lines = await reading;
      reading = read(i + 1);
      judgement = await inTransaction(db, async (client) => {
        // Held to commit: a zombie attempt judging the same chunk waits, then finds it judged.
        const locked = await stagedFileState(client, file.fileId, true);
        if (!locked) throw missingFile(file, 'gone');
        if (locked.transformedChunks !== i) throw new SupersededError(file);
        const staged = await stagedState(client, chunk.batchId, true);
        if (staged?.stage !== 'extracted') throw missingFile(file, `chunk ${i + 1} is gone`);
        if (lines.length !== staged.messages) throw missingFile(file, `chunk ${i + 1} is short`);
        const judged = await judge.transformChunk(client, chunk, lines, rowBudget - judgement.rows);
        const next = merge(judgement, judged);
        await markTransformed(client, chunk.batchId);
        await dropStagedMessages(client, chunk.batchId);
        await advanceFileTransform(client, file, i, next);
        return next;
      });
      heartbeat({
        stage: 'transform',
        key: file.key,
        lineReached: judgement.lastLine,
        rows: judgement.rows,
        rejects: judgement.byKind.reject ?? 0,
      });
    }
  } catch (err) {
    // A file that is not the dataset's will not become one on retry: drop its staging now.
    if (failureTypeOf(err) === FailureType.NotAHistoryFile) await discardStagedFile(db, file.source);
    throw err;
  } finally {
    await reading.catch(() => undefined);
  }
  return judgement;
}

function merge(before: FileJudgement, chunk: ChunkJudged): FileJudgement {
  const next: FileJudgement = {
    byKind: { ...before.byKind },
    rejectsByReason: { ...before.rejectsByReason },
    skippedByKind: { ...before.skippedByKind },
    rows: before.rows + chunk.rows,
    lastLine: chunk.lastLine || before.lastLine,
    budgetReached: chunk.budgetReached,
    dataset: chunk.state,
  };
  add(next.byKind, chunk.byKind);
  add(next.rejectsByReason, chunk.rejectsByReason);
  add(next.skippedByKind, chunk.skippedByKind);
  return next;
}

export interface FileLoad extends LoadCounts {
  /** `unchanged`: this version was already loaded in full (by another run): nothing written. */
  outcome: 'loaded' | 'unchanged';
  /** Earlier ETags of this key whose rows were replaced. */
  replaced: string[];
  replacedRows: number;
  judgement: FileJudgement | null;
}

/** Judges a file held whole in this worker's memory: nothing is written before load. */
export async function judgeHeldFile(
  dataset: Dataset & { files: FileDataset },
  file: StagedFile,
  body: Buffer,
  rowBudget: number,
): Promise<{ judgement: FileJudgement; judged: JudgedFile }> {
  const splitter = new LineSplitter();
  const judged = await dataset.files.judgeFile(file, [...splitter.push(body), ...splitter.end()], rowBudget);
  return { judgement: merge(noJudgement(), judged.judged), judged };
}

/**
 * The swap, the only commit point of a file: its verdicts into the final tables, every other
 * version of the key out, the manifest entry in and the staging dropped, in one transaction.
 * Readers see the old version or the new one, never both and never half.
 */
export async function loadFile(
  deps: { db: Pool; datasets: Record<string, Dataset> },
  file: StagedFile,
): Promise<FileLoad> {
  try {
    return await swapFile(deps.db, file, stagedSource(deps, file, false));
  } catch (err) {
    // The manifest said no row of this version could exist, yet one does (loaded by other means):
    // do it again the slower way, skipping positions already stored.
    if ((err as { code?: string }).code !== '23505') throw err;
    return swapFile(deps.db, file, stagedSource(deps, file, true));
  }
}

/** The swap of a file judged in this worker's memory (`judged` undefined: no longer held). */
export function loadHeldFile(db: Pool, file: StagedFile, judged: JudgedFile | undefined): Promise<FileLoad> {
  return swapFile(db, file, {
    prepare() {
      if (!judged) throw missingFile(file, 'no longer held by this worker');
      const judgement = merge(noJudgement(), judged.judged);
      return Promise.resolve({ judgement, write: (client) => judged.swapIn(client) });
    },
    discard: () => Promise.resolve(),
  });
}

/** Where a file's verdicts come from at the swap: staged in PostgreSQL, or held in memory. */
interface SwapSource {
  /** The judgement and how to write the verdicts, checked under the swap's lock. */
  prepare(
    client: PoolClient,
    before: ManifestEntry | undefined,
  ): Promise<{
    judgement: FileJudgement;
    write(client: PoolClient): Promise<LoadCounts & { replacedRows: number }>;
  }>;
  /** Drops what is staged for the file. */
  discard(client: PoolClient): Promise<unknown>;
}

function stagedSource(
  deps: { datasets: Record<string, Dataset> },
  file: StagedFile,
  forceDedupe: boolean,
): SwapSource {
  const dataset = fileDatasetOf(deps.datasets, file.dataset);
  return {
    async prepare(client, before) {
      const state = await stagedFileState(client, file.fileId, true);
      const judgement = state?.judgeState as FileJudgement | null | undefined;
      if (!state || !judgement) throw missingFile(file, 'not transformed');
      if (!judgement.budgetReached && state.transformedChunks !== state.chunks) {
        throw missingFile(file, `${state.transformedChunks} of ${state.chunks} chunks transformed`);
      }
      const ids = (await fileChunks(client, file.source)).map((c) => c.batchId);
      if (ids.length !== state.chunks) throw missingFile(file, `${ids.length} of ${state.chunks} chunks`);
      const staged = await dataset.stagedVerdicts(client, ids);
      if (staged !== judgement.rows) throw missingFile(file, `${staged} of ${judgement.rows} verdicts`);
      // Rows of this version exist only after a row-limited load of it (same ETag, incomplete).
      const dedupe = forceDedupe || before?.etag === file.etag;
      return { judgement, write: (c) => dataset.files.swapIn(c, file, ids, { dedupe, staged }) };
    },
    discard: (client) => discardStagedFile(client, file.source),
  };
}

function swapFile(db: Pool, file: StagedFile, source: SwapSource): Promise<FileLoad> {
  return inTransaction(db, async (client) => {
    const committed = await loadedCounts(client, file.fileId);
    if (committed) {
      // Loaded already; Temporal did not hear back. Which ETag it replaced is not kept.
      const { alreadyLoaded = 0, replacedRows = 0, ...inserted } = committed;
      return { outcome: 'loaded', inserted, alreadyLoaded, replaced: [], replacedRows, judgement: null };
    }
    await lockKey(client, file);
    const before = await manifestEntry(client, file.bucket, file.key, true);
    if (before?.etag === file.etag && before.complete) {
      await source.discard(client);
      const none = { inserted: {}, alreadyLoaded: 0, replaced: [], replacedRows: 0, judgement: null };
      return { outcome: 'unchanged', ...none };
    }
    const { judgement, write } = await source.prepare(client, before);
    const counts = await write(client);
    const rejects = judgement.byKind.reject ?? 0;
    await writeManifest(client, file, {
      rows: judgement.rows - rejects,
      rejects,
      complete: !judgement.budgetReached,
      lines: judgement.lastLine,
    });
    await recordLoaded(
      client,
      { batchId: file.fileId, batchKey: file.source, dataset: file.dataset, source: file.source },
      { ...counts.inserted, alreadyLoaded: counts.alreadyLoaded, replacedRows: counts.replacedRows },
    );
    await source.discard(client);
    const replaced = before && before.etag !== file.etag ? [before.etag] : [];
    return { outcome: 'loaded', ...counts, replaced, judgement };
  });
}
