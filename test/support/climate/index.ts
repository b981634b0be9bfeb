import path from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { CopyTextBuffer } from '../../../pipeline/copy-text';
import { linesOfChunk, type RawLine } from '../../../pipeline/line-splitter';
import {
  emptyChunkJudged,
  type ChunkJudged,
  type FileRef,
  type Dataset,
  type FileDataset,
  type LoadCounts,
  type TransformCounts,
} from '../../../pipeline/dataset';
import type { DatasetPlugin } from '../../../pipeline/dataset-plugin';
import {
  kafkaPartitionSource,
  kafkaPosition,
  likePrefix,
  positionSources,
  s3KeyPrefix,
  s3LineSource,
  s3Position,
  type CompactPosition,
  type PositionSources,
} from '../../../pipeline/position';
import {
  emptyReplayPage,
  markReplayed,
  outcomeText,
  pageCandidates,
  pageDone,
  lockRejects,
  type RejectStore,
  type ReplayPageFn,
} from '../../../pipeline/reject-replay';
import { copyInto, copyOnce } from '../../../pipeline/copy';
import type { StagedBatch, StagedMessage } from '../../../pipeline/staging';
import { CLIMATE_REJECT_REASONS, judgeReading, type ClimateVerdict } from './rules';

/**
 * A third dataset defined in test code alone, to prove the seam: its own tables (a migration
 * folder of its own), rules, topic, files and rejects, through the product's engine unchanged.
 */
export const CLIMATE = 'climate';

const REJECTS: RejectStore = {
  table: 'climate_reject',
  idColumn: 'climate_reject_id',
  recordType: 'null::text',
  reasons: CLIMATE_REJECT_REASONS,
};

const COLUMNS =
  'staged_climate_verdict (batch_id, source_id, source_seq, kind, sensor, celsius, raw, reason, detail)';

export function climatePlugin(topic: string): DatasetPlugin {
  return {
    name: CLIMATE,
    summary: 'gallery climate readings (tests only)',
    files: { [CLIMATE]: 'climate/*.jsonl' },
    topics: () => [{ label: CLIMATE, topic }],
    rejects: REJECTS,
    migrations: path.join(__dirname, 'migrations'),
    create: ({ db }) => [climateDataset(db)],
  };
}

async function sensorsOf(client: Pool | PoolClient): Promise<Set<string>> {
  const { rows } = await client.query<{ sensor: string }>('select sensor from climate_sensor');
  return new Set(rows.map((r) => r.sensor));
}

function stageRow(
  text: CopyTextBuffer,
  batchId: string,
  at: CompactPosition,
  raw: Buffer,
  v: ClimateVerdict,
) {
  if (v.kind === 'rejected') text.row([batchId, ...at, '1', null, null, raw, v.reason, v.detail]);
  else text.row([batchId, ...at, '0', v.sensor, String(v.celsius), null, null, null]);
}

/** A batch's partitions get their source ids before it is judged, outside any transaction. */
function resolvePartitions(sources: PositionSources, batch: StagedBatch, messages: readonly StagedMessage[]) {
  return sources.resolve(messages.map((m) => kafkaPartitionSource(batch.source, m.partition)));
}

const resolveFile = (sources: PositionSources, file: FileRef) =>
  sources.resolve([s3LineSource(file.bucket, file.key, file.etag)]);

function count(counts: TransformCounts, v: ClimateVerdict): void {
  const kind = v.kind === 'rejected' ? 'reject' : 'reading';
  counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
  if (v.kind === 'rejected') counts.rejectsByReason[v.reason] = (counts.rejectsByReason[v.reason] ?? 0) + 1;
}

async function stage(client: PoolClient, batchId: string, text: CopyTextBuffer): Promise<void> {
  await client.query('delete from staged_climate_verdict where batch_id = $1', [batchId]);
  await copyInto(client, COLUMNS, text);
}

async function loadStaged(
  client: PoolClient,
  batchIds: readonly string[],
  staged: number,
): Promise<LoadCounts> {
  const insert = async (sql: string) => (await client.query(sql, [batchIds])).rowCount ?? 0;
  const reading = await insert(
    `insert into climate_reading (sensor, celsius, source_id, source_seq)
     select sensor, celsius, source_id, source_seq from staged_climate_verdict
     where batch_id = any($1::uuid[]) and kind = 0 on conflict (source_id, source_seq) do nothing`,
  );
  const reject = await insert(
    `insert into climate_reject (source_id, source_seq, raw, reason, detail)
     select source_id, source_seq, raw, reason, detail from staged_climate_verdict
     where batch_id = any($1::uuid[]) and kind = 1 on conflict (source_id, source_seq) do nothing`,
  );
  return { inserted: { reading, reject }, alreadyLoaded: staged - reading - reject };
}

function climateDataset(db: Pool): Dataset {
  const sources = positionSources(db);
  return {
    name: CLIMATE,
    async judge(batch, messages) {
      await resolvePartitions(sources, batch, messages);
      const sensors = await sensorsOf(db);
      const counts: TransformCounts = { byKind: { reading: 0, reject: 0 }, rejectsByReason: {} };
      const rows = new ClimateRows(sources);
      for (const m of messages) {
        const v = judgeReading(m.value, sensors);
        count(counts, v);
        rows.add(kafkaPosition(batch.source, m.partition, m.offset), m.value ?? Buffer.alloc(0), v);
      }
      return { counts, load: (client) => rows.load(client, messages.length) };
    },
    async transform(client, batch, messages: readonly StagedMessage[]) {
      await resolvePartitions(sources, batch, messages);
      const sensors = await sensorsOf(client);
      const counts: TransformCounts = { byKind: { reading: 0, reject: 0 }, rejectsByReason: {} };
      const text = new CopyTextBuffer();
      for (const m of messages) {
        const v = judgeReading(m.value, sensors);
        count(counts, v);
        stageRow(
          text,
          batch.batchId,
          sources.compact(kafkaPosition(batch.source, m.partition, m.offset)),
          m.value ?? Buffer.alloc(0),
          v,
        );
      }
      await stage(client, batch.batchId, text);
      return counts;
    },
    load: (client, batch) => loadStaged(client, [batch.batchId], batch.messages),
    async stagedVerdicts(client, batchIds) {
      const { rows } = await client.query<{ n: number }>(
        'select count(*)::int as n from staged_climate_verdict where batch_id = any($1::uuid[])',
        [batchIds],
      );
      return rows[0]!.n;
    },
    files: climateFiles(db, sources),
    rejects: { store: REJECTS, replayPage: replayClimate },
  };
}

function climateFiles(db: Pool, sources: PositionSources): FileDataset {
  return {
    defaultPrefix: 'climate/',
    sortKey: (key, prefix) =>
      key.startsWith(prefix ?? 'climate/') && key.endsWith('.jsonl') ? key : undefined,
    async judgeFile(file, lines, rowBudget) {
      await resolveFile(sources, file);
      const sensors = await sensorsOf(db);
      const judged = emptyChunkJudged(['reading', 'reject'], ['blank']);
      const rows = new ClimateRows(sources);
      judgeLines(file, lines, rowBudget, sensors, judged, (position, bytes, v) =>
        rows.add(position, bytes, v),
      );
      return {
        judged,
        async swapIn(client) {
          const counts = await rows.load(client, judged.rows);
          return { ...counts, replacedRows: await deleteOtherVersions(client, file) };
        },
      };
    },
    async openFile(file) {
      await resolveFile(sources, file);
      return {
        async transformChunk(client, batch, lines, rowBudget) {
          const sensors = await sensorsOf(client);
          const judged = emptyChunkJudged(['reading', 'reject'], ['blank']);
          const text = new CopyTextBuffer();
          const raw = linesOfChunk(lines);
          judgeLines(file, raw, rowBudget, sensors, judged, (position, bytes, v) =>
            stageRow(text, batch.batchId, sources.compact(position), bytes, v),
          );
          await stage(client, batch.batchId, text);
          return judged;
        },
      };
    },
    async swapIn(client, file, batchIds, { staged }) {
      const counts = await loadStaged(client, batchIds, staged);
      return { ...counts, replacedRows: await deleteOtherVersions(client, file) };
    },
  };
}

function judgeLines(
  file: FileRef,
  lines: Iterable<RawLine>,
  rowBudget: number,
  sensors: Set<string>,
  judged: ChunkJudged,
  put: (position: string, bytes: Buffer, v: ClimateVerdict) => void,
): void {
  for (const line of lines) {
    if (line.bytes.toString('utf8').trim() === '') {
      judged.skippedByKind.blank!++;
    } else {
      if (judged.rows >= rowBudget) {
        judged.budgetReached = true;
        break;
      }
      judged.rows++;
      const v = judgeReading(line.bytes, sensors);
      count(judged, v);
      put(s3Position(file.bucket, file.key, file.etag, line.line), line.bytes, v);
    }
    judged.lastLine = line.line;
  }
}

async function deleteOtherVersions(client: PoolClient, file: FileRef): Promise<number> {
  const keep = s3LineSource(file.bucket, file.key, file.etag);
  const key = likePrefix(s3KeyPrefix(file.bucket, file.key));
  let replacedRows = 0;
  for (const table of ['climate_reading', 'climate_reject']) {
    const r = await client.query(
      `delete from ${table}
       where source_id in (select source_id from position_source where prefix like $1 and prefix <> $2)`,
      [key, keep],
    );
    replacedRows += r.rowCount ?? 0;
  }
  return replacedRows;
}

/** Verdicts as rows of the final tables, for the one-write path. */
class ClimateRows {
  private readonly readings = new CopyTextBuffer(4096);
  private readonly rejects = new CopyTextBuffer(4096);

  constructor(private readonly sources: PositionSources) {}

  add(position: string, raw: Buffer, v: ClimateVerdict): void {
    const at = this.sources.compact(position);
    if (v.kind === 'rejected') this.rejects.row([...at, raw, v.reason, v.detail]);
    else this.readings.row([v.sensor, String(v.celsius), ...at]);
  }

  async load(client: PoolClient, total: number): Promise<LoadCounts> {
    const key = 'source_id, source_seq';
    const at = ['source_id', 'source_seq'];
    const reading = await copyOnce(
      client,
      'climate_reading',
      ['sensor', 'celsius', ...at],
      key,
      this.readings,
    );
    const reject = await copyOnce(
      client,
      'climate_reject',
      [...at, 'raw', 'reason', 'detail'],
      key,
      this.rejects,
    );
    return { inserted: { reading, reject }, alreadyLoaded: total - reading - reject };
  }
}

const replayClimate: ReplayPageFn = async (client, page, reason) => {
  const candidates = await pageCandidates(client, REJECTS, page, reason);
  const last = candidates[candidates.length - 1];
  if (!last) return emptyReplayPage();
  const sensors = await sensorsOf(client);
  const rows = await lockRejects(
    client,
    REJECTS,
    candidates.map((c) => c.id),
    1 << 20,
  );
  const loaded: string[] = [];
  const failed: Array<{ id: string; outcome: string }> = [];
  const stillRejectedByReason: Record<string, number> = {};
  let inserted = 0;
  for (const r of rows) {
    const v = judgeReading(r.raw && Buffer.from(r.raw), sensors);
    if (v.kind === 'rejected') {
      failed.push({ id: r.id, outcome: outcomeText(v.reason, v.detail) });
      stillRejectedByReason[v.reason] = (stillRejectedByReason[v.reason] ?? 0) + 1;
      continue;
    }
    // Under the reject's own stored position.
    const ins = await client.query(
      `insert into climate_reading (sensor, celsius, source_id, source_seq)
       select $1, $2, source_id, source_seq from climate_reject where climate_reject_id = $3
       on conflict (source_id, source_seq) do nothing`,
      [v.sensor, v.celsius, r.id],
    );
    inserted += ins.rowCount ?? 0;
    loaded.push(r.id);
  }
  await markReplayed(client, REJECTS, loaded, failed);
  return {
    ...emptyReplayPage(),
    examined: rows.length,
    loaded: loaded.length,
    loadedByKind: { reading: inserted },
    alreadyPresent: loaded.length - inserted,
    stillRejected: failed.length,
    stillRejectedByReason,
    lastId: last.id,
    done: pageDone(page, candidates.length, last.id),
  };
};
