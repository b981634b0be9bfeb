import type { PoolClient } from 'pg';
import { FailureType, permanentFailure } from '../../common/failures';
import { historyFileNumber } from './rules';
import { likePrefix, s3KeyPrefix, s3LineSource, s3Position } from '../../pipeline/position';
import type { KioskDeps } from './dataset';
import { CopyTextBuffer } from '../../pipeline/copy-text';
import { emptyChunkJudged, type ChunkJudged, type FileDataset, type FileRef } from '../../pipeline/dataset';
import { linesOfChunk, type RawLine } from '../../pipeline/line-splitter';
import { CsvLineJudge } from './history-csv';
import type { Verdict } from './rules';
import { KioskFinalRows, loadStagedVerdicts, stageVerdicts, stagedVerdictWriter } from './verdicts';

/** What judging the next chunk of a history file needs: its header (null until line 1 is judged). */
interface HistoryJudgeState {
  header: string[] | null;
}

/** The kiosk history CSVs (lmnh_hist_data_<n>.csv) behind the dataset seam's file side. */
export function kioskHistoryFiles(deps: KioskDeps): FileDataset {
  return {
    sortKey(key) {
      const n = historyFileNumber(key);
      return n === undefined ? undefined : String(n).padStart(20, '0');
    },

    fileNumber: historyFileNumber,

    async judgeFile(file, lines, rowBudget) {
      const { snapshot, judge } = await openJudge(deps, file, null);
      const judged = emptyChunkJudged(['rating', 'request', 'reject'], ['blank', 'header']);
      const rows = new KioskFinalRows(judged, snapshot.exhibitionIds, deps.sources);
      judgeLines(judge, file, lines, rowBudget, judged, (position, raw, verdict) =>
        rows.add(position, raw, verdict),
      );
      return {
        judged,
        async swapIn(client) {
          const counts = await rows.load(client);
          return { ...counts, replacedRows: await deleteOtherVersions(client, file) };
        },
      };
    },

    async openFile(file, state) {
      const header = (state as HistoryJudgeState | null)?.header ?? null;
      const { snapshot, judge } = await openJudge(deps, file, header);
      return {
        async transformChunk(client, batch, lines, rowBudget): Promise<ChunkJudged> {
          const judged = emptyChunkJudged(['rating', 'request', 'reject'], ['blank', 'header']);
          const text = new CopyTextBuffer();
          const raw = linesOfChunk(lines);
          judgeLines(
            judge,
            file,
            raw,
            rowBudget,
            judged,
            stagedVerdictWriter(text, batch.batchId, deps.sources, snapshot.exhibitionIds),
          );
          await stageVerdicts(client, batch.batchId, text);
          judged.state = { header: judge.header } satisfies HistoryJudgeState;
          return judged;
        },
      };
    },

    async swapIn(client, file, batchIds, { dedupe, staged }) {
      const counts = await loadStagedVerdicts(client, batchIds, staged, dedupe);
      return { ...counts, replacedRows: await deleteOtherVersions(client, file) };
    },
  };
}

/**
 * Fresh, not the cached few seconds: a file judged against a stale catalogue stays judged. The
 * file's positions have their source id once it returns.
 */
async function openJudge(deps: KioskDeps, file: FileRef, header: string[] | null) {
  await deps.sources.resolve([s3LineSource(file.bucket, file.key, file.etag)]);
  const snapshot = await deps.catalogue.get(0);
  const rules = { catalogue: snapshot.catalogue, now: Date.now(), timeZone: deps.timeZone };
  return { snapshot, judge: new CsvLineJudge(rules, header) };
}

/** Judges lines in order into `judged`, handing each data row's verdict to `put`, up to `rowBudget` rows. */
function judgeLines(
  judge: CsvLineJudge,
  file: FileRef,
  lines: Iterable<RawLine>,
  rowBudget: number,
  judged: ChunkJudged,
  put: (position: string, raw: Buffer, verdict: Verdict) => void,
): void {
  for (const line of lines) {
    const v = judge.judge(line);
    if (judge.headerProblem !== null) throw notHistory(file, judge.headerProblem);
    if (v.kind === 'row') {
      if (judged.rows >= rowBudget) {
        judged.budgetReached = true;
        break;
      }
      judged.rows++;
      const verdict = v.verdict;
      const kind = verdict.kind === 'rejected' ? 'reject' : verdict.kind;
      judged.byKind[kind] = (judged.byKind[kind] ?? 0) + 1;
      if (verdict.kind === 'rejected') {
        judged.rejectsByReason[verdict.reason] = (judged.rejectsByReason[verdict.reason] ?? 0) + 1;
      }
      put(s3Position(file.bucket, file.key, file.etag, line.line), line.bytes, verdict);
    } else if (v.kind === 'blank') judged.skippedByKind.blank!++;
    else if (v.kind === 'repeated-header') judged.skippedByKind.header!++;
    judged.lastLine = line.line;
  }
}

/**
 * Deletes the rows of every other version of this key, not only the one in the manifest: the key's
 * rows end up being exactly this version's.
 */
async function deleteOtherVersions(client: PoolClient, file: FileRef): Promise<number> {
  const keep = s3LineSource(file.bucket, file.key, file.etag);
  const key = likePrefix(s3KeyPrefix(file.bucket, file.key));
  let replacedRows = 0;
  for (const table of ['rating_interaction', 'request_interaction', 'rejected_event']) {
    const r = await client.query(
      `delete from ${table}
       where source_id in (select source_id from position_source where prefix like $1 and prefix <> $2)`,
      [key, keep],
    );
    replacedRows += r.rowCount ?? 0;
  }
  return replacedRows;
}

function notHistory(file: FileRef, problem: string) {
  return permanentFailure(
    FailureType.NotAHistoryFile,
    `s3://${file.bucket}/${file.key} is not a history file: ${problem}`,
  );
}
