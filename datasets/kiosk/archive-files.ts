import type { PoolClient } from 'pg';
import { FailureType, permanentFailure } from '../../common/failures';
import { validateKafkaPayload } from './rules';
import { kafkaPosition } from '../../pipeline/position';
import { DEFAULT_SINK_PREFIX, parseSinkObjectKey, type SinkObjectName } from '../../pipeline/sink-layout';
import type { CatalogueCache } from './catalogue-cache';
import { CopyTextBuffer } from '../../pipeline/copy-text';
import { emptyChunkJudged, type ChunkJudged, type FileDataset, type FileRef } from '../../pipeline/dataset';
import { loadStagedVerdicts, stageVerdicts, writeVerdict } from './verdicts';

export const KIOSK_ARCHIVE_DATASET = 'kiosk-archive';

/**
 * A kiosk topic's S3 archive (the sink connector's layout, as `museum-etl archive` writes it) read
 * back into the pipeline: line n of `<topic>+<p>+<start>.json` is the message at offset start+n-1,
 * judged by the live rules at its Kafka position. So a replay is idempotent with the live ingest: a
 * message already loaded (live, or by an earlier replay) is already there, and one the database lost
 * comes back under the position it always had. Nothing is deleted.
 */
export function kioskArchiveFiles(deps: {
  catalogue: CatalogueCache;
  timeZone: string;
  /** Topics that are not kiosk topics (Pinterest's): their objects are skipped. */
  otherTopics: readonly string[];
}): FileDataset {
  const nameOf = (key: string, prefix?: string): SinkObjectName | undefined => {
    const name = parseSinkObjectKey(key, prefix);
    return name && !deps.otherTopics.includes(name.topic) ? name : undefined;
  };

  return {
    defaultPrefix: DEFAULT_SINK_PREFIX,

    sortKey(key, prefix) {
      const n = nameOf(key, prefix);
      return n && `${n.topic}/${String(n.partition).padStart(10, '0')}/${n.startOffset.padStart(20, '0')}`;
    },

    async openFile(file) {
      const name = nameOf(file.key);
      if (!name)
        throw notArchive(file, 'the key is not <prefix><topic>/partition=<p>/<topic>+<p>+<start>.json');
      const snapshot = await deps.catalogue.get(0);
      const rules = { catalogue: snapshot.catalogue, now: Date.now(), timeZone: deps.timeZone };
      const start = BigInt(name.startOffset);
      return {
        async transformChunk(client, batch, lines, rowBudget): Promise<ChunkJudged> {
          const judged = emptyChunkJudged(['rating', 'request', 'reject']);
          const text = new CopyTextBuffer();
          for (const line of lines) {
            if (judged.rows >= rowBudget) {
              judged.budgetReached = true;
              break;
            }
            const n = Number(line.offset);
            // An empty line is a tombstone: null, as the live path saw it.
            const raw = line.value && line.value.length > 0 ? line.value : null;
            const verdict = validateKafkaPayload(raw, rules);
            const kind = verdict.kind === 'rejected' ? 'reject' : verdict.kind;
            judged.byKind[kind] = (judged.byKind[kind] ?? 0) + 1;
            if (verdict.kind === 'rejected') {
              judged.rejectsByReason[verdict.reason] = (judged.rejectsByReason[verdict.reason] ?? 0) + 1;
            }
            const position = kafkaPosition(name.topic, name.partition, start + BigInt(n - 1));
            writeVerdict(
              text,
              batch.batchId,
              position,
              raw ?? Buffer.alloc(0),
              verdict,
              snapshot.exhibitionIds,
            );
            judged.rows++;
            judged.lastLine = n;
          }
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
