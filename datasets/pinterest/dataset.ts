import type { PoolClient } from 'pg';
import { FailureType, permanentFailure } from '../../common/failures';
import { pinterestTypeOfTopic, type PinterestTopics } from './config';
import { kafkaPartitionSource, kafkaPosition, type PositionSources } from '../../pipeline/position';
import { judgePinterestRecord, type PinterestType } from './rules';
import { CopyTextBuffer } from '../../pipeline/copy-text';
import type { Dataset, TransformCounts } from '../../pipeline/dataset';
import { copyInto } from '../../pipeline/copy';
import type { StagedBatch, StagedMessage } from '../../pipeline/staging';
import { pinterestSinkFiles } from './files';
import { PINTEREST_REJECTS, pinterestReplay } from './rejects-replay';
import { PinterestJudged } from './judged';
import { loadPinterestVerdicts } from './load';
import { STAGED_VERDICT_COLUMNS, VERDICT_KIND } from './staged-verdicts';

export const PINTEREST_DATASET = 'pinterest';

/**
 * The Pinterest dataset (docs/spec/pinterest-posts.md) behind the pipeline's dataset seam. The
 * topic says the record type; transform runs checks 1..13 on each record alone, load runs check 14
 * (identity) against the stored rows inside the load transaction.
 */
export function pinterestDataset(deps: { topics: PinterestTopics; sources: PositionSources }): Dataset {
  const typeOf = (batch: StagedBatch): PinterestType => {
    const type = pinterestTypeOfTopic(deps.topics, batch.source);
    if (type === undefined) {
      throw permanentFailure(
        FailureType.UnmappedTopic,
        `topic ${batch.source} is none of this worker's Pinterest topics (${Object.values(deps.topics).join(', ')}); check PINTEREST_TOPIC_PIN/GEO/USER`,
      );
    }
    return type;
  };
  // Before the batch is judged, so load's transaction finds every source id cached.
  const resolveSources = (batch: StagedBatch, messages: readonly StagedMessage[]) =>
    deps.sources.resolve(new Set(messages.map((m) => kafkaPartitionSource(batch.source, m.partition))));

  return {
    name: PINTEREST_DATASET,

    async judge(batch, messages) {
      const type = typeOf(batch);
      await resolveSources(batch, messages);
      const now = Date.now();
      const judged = new PinterestJudged(
        type,
        { byKind: { row: 0, reject: 0 }, rejectsByReason: {} },
        deps.sources,
      );
      const { counts } = judged;
      for (const m of messages) {
        const verdict = judgePinterestRecord(type, m.value, { now });
        const position = kafkaPosition(batch.source, m.partition, m.offset);
        const raw = m.value ?? Buffer.alloc(0);
        if (verdict.kind === 'rejected') {
          counts.byKind.reject = (counts.byKind.reject ?? 0) + 1;
          counts.rejectsByReason[verdict.reason] = (counts.rejectsByReason[verdict.reason] ?? 0) + 1;
          judged.rejects.push({ position, raw, reason: verdict.reason, detail: verdict.detail });
        } else {
          counts.byKind.row = (counts.byKind.row ?? 0) + 1;
          judged.candidates.push({ position, row: verdict.row, raw });
        }
      }
      return judged;
    },

    async transform(client, batch, messages) {
      const type = typeOf(batch);
      await resolveSources(batch, messages);
      const now = Date.now();
      const counts: TransformCounts = { byKind: { row: 0, reject: 0 }, rejectsByReason: {} };
      const text = new CopyTextBuffer();
      for (const m of messages) {
        const verdict = judgePinterestRecord(type, m.value, { now });
        const position = kafkaPosition(batch.source, m.partition, m.offset);
        const where = [batch.batchId, ...deps.sources.compact(position), String(m.partition), m.offset, type];
        if (verdict.kind === 'rejected') {
          counts.byKind.reject = (counts.byKind.reject ?? 0) + 1;
          counts.rejectsByReason[verdict.reason] = (counts.rejectsByReason[verdict.reason] ?? 0) + 1;
          const raw = m.value ?? Buffer.alloc(0);
          text.row([...where, String(VERDICT_KIND.reject), null, null, raw, verdict.reason, verdict.detail]);
        } else {
          counts.byKind.row = (counts.byKind.row ?? 0) + 1;
          const row = JSON.stringify(verdict.row);
          text.row([...where, String(VERDICT_KIND.row), String(verdict.row.ind), row, null, null, null]);
        }
      }
      await client.query('delete from staged_pinterest_verdict where batch_id = $1', [batch.batchId]);
      await copyInto(client, STAGED_VERDICT_COLUMNS, text);
      return counts;
    },

    load(client, batch) {
      return loadPinterestVerdicts(client, batch, typeOf(batch), deps.sources);
    },

    async stagedVerdicts(client: PoolClient, batchIds: readonly string[]) {
      const { rows } = await client.query<{ n: number }>(
        'select count(*)::int as n from staged_pinterest_verdict where batch_id = any($1::uuid[])',
        [batchIds],
      );
      return rows[0]!.n;
    },

    files: pinterestSinkFiles(deps),

    rejects: { store: PINTEREST_REJECTS, replayPage: pinterestReplay(deps.sources) },
  };
}
