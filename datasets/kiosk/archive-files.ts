import type { PoolClient } from 'pg';
import { FailureType, permanentFailure } from '../../common/failures';
import { validateKafkaPayload, type RuleContext, type Verdict } from './rules';
import { linesOfChunk, type RawLine } from '../../pipeline/line-splitter';
import { kafkaPartitionSource, kafkaPosition } from '../../pipeline/position';
import { DEFAULT_SINK_PREFIX, parseSinkObjectKey, type SinkObjectName } from '../../pipeline/sink-layout';
import type { KioskDeps } from './dataset';
import { CopyTextBuffer } from '../../pipeline/copy-text';
import { emptyChunkJudged, type ChunkJudged, type FileDataset, type FileRef } from '../../pipeline/dataset';
import { KioskFinalRows, loadStagedVerdicts, stageVerdicts, stagedVerdictWriter } from './verdicts';

export const KIOSK_ARCHIVE_DATASET = 'kiosk-archive';

/**
 * A kiosk topic's S3 archive (the sink connector's layout, as `museum-etl archive` writes it) read
 * back into the pipeline: line n of `<topic>+<p>+<start>.json` is the message at offset start+n-1,
 * judged by the live rules at its Kafka position. So a replay is idempotent with the live ingest: a
 * message already loaded (live, or by an earlier replay) is already there, and one the database lost
 * comes back under the position it always had. Nothing is deleted.
 */
export function kioskArchiveFiles(
  deps: KioskDeps & {
    /** Topics that are not kiosk topics (Pinterest's): their objects are skipped. */
    otherTopics: readonly string[];
  },
): FileDataset {
  const nameOf = (key: string, prefix?: string): SinkObjectName | undefined => {
    const name = parseSinkObjectKey(key, prefix);
    return name && !deps.otherTopics.includes(name.topic) ? name : undefined;
  };

  const files: FileDataset = {
    defaultPrefix: DEFAULT_SINK_PREFIX,

    sortKey(key, prefix) {
      const n = nameOf(key, prefix);
      return n && `${n.topic}/${String(n.partition).padStart(10, '0')}/${n.startOffset.padStart(20, '0')}`;
    },

    async judgeFile(file, lines, rowBudget) {
      const { name, snapshot, rules } = await open(file);
      const judged = emptyChunkJudged(['rating', 'request', 'reject']);
      const rows = new KioskFinalRows(judged, snapshot.exhibitionIds, deps.sources);
      judgeMessages(name, rules, lines, rowBudget, judged, (position, raw, verdict) =>
        rows.add(position, raw, verdict),
      );
      return {
        judged,
        async swapIn(client) {
          await checkLinesAreMessages(client, file, judged.rows);
          return { ...(await rows.load(client)), replacedRows: 0 };
        },
      };
    },

    async openFile(file) {
      const { name, snapshot, rules } = await open(file);
      return {
        async transformChunk(client, batch, lines, rowBudget): Promise<ChunkJudged> {
          const judged = emptyChunkJudged(['rating', 'request', 'reject']);
          const text = new CopyTextBuffer();
          const raw = linesOfChunk(lines);
          judgeMessages(
            name,
            rules,
            raw,
            rowBudget,
            judged,
            stagedVerdictWriter(text, batch.batchId, deps.sources, snapshot.exhibitionIds),
          );
          await stageVerdicts(client, batch.batchId, text);
          return judged;
        },
      };
    },

    async swapIn(client, file, batchIds, { staged }) {
      await checkLinesAreMessages(client, file, staged);
      const counts = await loadStagedVerdicts(client, batchIds, staged, true);
      return { ...counts, replacedRows: 0 };
    },
  };
  return files;

  async function open(file: FileRef) {
    const name = nameOf(file.key);
    if (!name)
      throw notArchive(file, 'the key is not <prefix><topic>/partition=<p>/<topic>+<p>+<start>.json');
    const snapshot = await deps.catalogue.get(0);
    // Every line of the object is a position of one partition.
    await deps.sources.resolve([kafkaPartitionSource(name.topic, name.partition)]);
    return {
      name,
      snapshot,
      rules: { catalogue: snapshot.catalogue, now: Date.now(), timeZone: deps.timeZone },
    };
  }
}

/** Judges lines as the messages they were, in order, into `judged`, up to `rowBudget` of them. */
function judgeMessages(
  name: SinkObjectName,
  rules: RuleContext,
  lines: Iterable<RawLine>,
  rowBudget: number,
  judged: ChunkJudged,
  put: (position: string, raw: Buffer, verdict: Verdict) => void,
): void {
  const start = BigInt(name.startOffset);
  for (const line of lines) {
    if (judged.rows >= rowBudget) {
      judged.budgetReached = true;
      break;
    }
    const n = line.line;
    // An empty line is a tombstone: null, as the live path saw it.
    const raw = line.bytes.length > 0 ? line.bytes : null;
    const verdict = validateKafkaPayload(raw, rules);
    const kind = verdict.kind === 'rejected' ? 'reject' : verdict.kind;
    judged.byKind[kind] = (judged.byKind[kind] ?? 0) + 1;
    if (verdict.kind === 'rejected') {
      judged.rejectsByReason[verdict.reason] = (judged.rejectsByReason[verdict.reason] ?? 0) + 1;
    }
    put(kafkaPosition(name.topic, name.partition, start + BigInt(n - 1)), raw ?? Buffer.alloc(0), verdict);
    judged.rows++;
    judged.lastLine = n;
  }
}

/**
 * Positions are line numbers, so a line that is not one message would shift every later one onto
 * another message's position. The archive records what it wrote (archive_object): an object whose
 * values held LF bytes, or whose lines are not its message count, is refused rather than misread.
 */
async function checkLinesAreMessages(client: PoolClient, file: FileRef, lines: number): Promise<void> {
  const { rows } = await client.query<{ messages: number | null; values_with_lf: number | null }>(
    `select messages, values_with_lf from archive_object
     where destination like $1 and key = $2 and stored_at is not null`,
    [`s3://${file.bucket.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`, file.key],
  );
  const written = rows[0];
  if (!written) return;
  if ((written.values_with_lf ?? 0) > 0 || (written.messages !== null && lines > written.messages)) {
    throw notArchive(
      file,
      `the archive wrote ${written.messages} messages, ${written.values_with_lf} of them holding LF bytes, as ${lines} lines: lines are not messages, so their offsets cannot be known`,
    );
  }
}

function notArchive(file: FileRef, why: string) {
  return permanentFailure(
    FailureType.NotAHistoryFile,
    `s3://${file.bucket}/${file.key} cannot be replayed: ${why}`,
  );
}
