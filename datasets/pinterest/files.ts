import { FailureType, permanentFailure } from '../../common/failures';
import type { PinterestTopics } from './config';
import { s3LineSource, s3Position, type PositionSources } from '../../pipeline/position';
import {
  DEFAULT_SINK_PREFIX,
  judgePinterestRecord,
  parseSinkKey,
  parseSinkKeyAnyPrefix,
  sinkSortKey,
  type PinterestType,
  type PinterestVerdict,
} from './rules';
import { CopyTextBuffer } from '../../pipeline/copy-text';
import { emptyChunkJudged, type ChunkJudged, type FileDataset, type FileRef } from '../../pipeline/dataset';
import { copyInto } from '../../pipeline/copy';
import { STAGED_VERDICT_COLUMNS, VERDICT_KIND } from './staged-verdicts';
import { loadPinterestBatches } from './load';
import { PinterestJudged } from './judged';
import { linesOfChunk, type RawLine } from '../../pipeline/line-splitter';

/**
 * The S3 sink connector's objects behind the dataset seam's file side. The key says the record type
 * (its topic); a line is judged exactly like a Kafka value, at the position `s3:…@<etag>#<line>`.
 * Unlike the kiosk history, an object is not the truth of its rows: a row is its identity's, wherever
 * it came from first (live or another object), so loading a new version deletes nothing; its lines
 * are new positions, and a record already stored is a duplicate.
 */
export function pinterestSinkFiles(deps: { topics: PinterestTopics; sources: PositionSources }): FileDataset {
  const typeOf = (file: FileRef): PinterestType => {
    const parsed = parseSinkKeyAnyPrefix(file.key, deps.topics);
    if (!parsed) {
      throw permanentFailure(
        FailureType.NotAHistoryFile,
        `s3://${file.bucket}/${file.key} is not a sink object of this worker's Pinterest topics (${Object.values(deps.topics).join(', ')})`,
      );
    }
    return parsed.type;
  };
  // Before the file is judged, so load's transaction finds its source id cached.
  const resolveSource = (file: FileRef) =>
    deps.sources.resolve([s3LineSource(file.bucket, file.key, file.etag)]);

  return {
    defaultPrefix: DEFAULT_SINK_PREFIX,

    sortKey(key, prefix) {
      const parsed =
        prefix === undefined
          ? parseSinkKeyAnyPrefix(key, deps.topics)
          : parseSinkKey(key, { prefix, topics: deps.topics });
      return parsed && sinkSortKey(parsed);
    },

    async judgeFile(file, lines, rowBudget) {
      const type = typeOf(file);
      await resolveSource(file);
      const judged = emptyChunkJudged(['row', 'reject']);
      const held = new PinterestJudged(type, judged, deps.sources);
      judgeRecords(type, file, lines, rowBudget, judged, (position, raw, verdict) => {
        if (verdict.kind === 'rejected') {
          held.rejects.push({ position, raw, reason: verdict.reason, detail: verdict.detail });
        } else held.candidates.push({ position, row: verdict.row, raw });
      });
      return {
        judged,
        // An object is not the truth of its rows (see above): nothing of other versions goes.
        swapIn: async (client) => ({ ...(await held.load(client)), replacedRows: 0 }),
      };
    },

    async openFile(file) {
      const type = typeOf(file);
      await resolveSource(file);
      return {
        async transformChunk(client, batch, lines, rowBudget): Promise<ChunkJudged> {
          const judged = emptyChunkJudged(['row', 'reject']);
          const text = new CopyTextBuffer();
          const raw = linesOfChunk(lines);
          judgeRecords(type, file, raw, rowBudget, judged, (position, bytes, verdict, line) => {
            const where = [batch.batchId, ...deps.sources.compact(position), '0', String(line), type];
            // The raw line goes with every verdict: the chunk's lines are freed before load, and a
            // row may still become a `conflicting_record` reject there.
            if (verdict.kind === 'rejected') {
              text.row([
                ...where,
                String(VERDICT_KIND.reject),
                null,
                null,
                bytes,
                verdict.reason,
                verdict.detail,
              ]);
            } else {
              const row = JSON.stringify(verdict.row);
              text.row([...where, String(VERDICT_KIND.row), String(verdict.row.ind), row, bytes, null, null]);
            }
          });
          await client.query('delete from staged_pinterest_verdict where batch_id = $1', [batch.batchId]);
          await copyInto(client, STAGED_VERDICT_COLUMNS, text);
          return judged;
        },
      };
    },

    async swapIn(client, file, batchIds, { staged }) {
      // Positions with an outcome already are skipped by load itself, so `dedupe` changes nothing.
      const counts = await loadPinterestBatches(client, batchIds, staged, typeOf(file), deps.sources);
      return { ...counts, replacedRows: 0 };
    },
  };
}

/** Judges lines in order into `judged`, each a record (an empty one is `malformed`, not skipped). */
function judgeRecords(
  type: PinterestType,
  file: FileRef,
  lines: Iterable<RawLine>,
  rowBudget: number,
  judged: ChunkJudged,
  put: (position: string, raw: Buffer, verdict: PinterestVerdict, line: number) => void,
): void {
  const now = Date.now();
  for (const line of lines) {
    if (judged.rows >= rowBudget) {
      judged.budgetReached = true;
      break;
    }
    const verdict = judgePinterestRecord(type, line.bytes, { now });
    judged.rows++;
    judged.lastLine = line.line;
    if (verdict.kind === 'rejected') {
      judged.byKind.reject!++;
      judged.rejectsByReason[verdict.reason] = (judged.rejectsByReason[verdict.reason] ?? 0) + 1;
    } else judged.byKind.row!++;
    put(s3Position(file.bucket, file.key, file.etag, line.line), line.bytes, verdict, line.line);
  }
}
