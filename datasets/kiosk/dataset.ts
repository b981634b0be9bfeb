import type { CatalogueCache } from './catalogue-cache';
import { validateKafkaPayload, type RuleContext } from './rules';
import { kafkaPartitionSource, kafkaPosition, type PositionSources } from '../../pipeline/position';
import { CopyTextBuffer } from '../../pipeline/copy-text';
import type { Dataset, TransformCounts } from '../../pipeline/dataset';
import type { StagedBatch, StagedMessage } from '../../pipeline/staging';
import { kioskHistoryFiles } from './history-files';
import { KIOSK_REJECTS, kioskReplay } from './rejects-replay';
import {
  countStagedVerdicts,
  KioskFinalRows,
  loadStagedVerdicts,
  stageVerdicts,
  stagedVerdictWriter,
} from './verdicts';

/** The kiosk dataset (docs/spec/kiosk-events.md) behind the pipeline's dataset seam. */
export function kioskDataset(deps: KioskDeps): Dataset {
  return {
    name: 'kiosk',

    async judge(batch, messages) {
      const { snapshot, judged } = await judgeFresh(deps, batch, messages);
      const rows = new KioskFinalRows(judged.counts, snapshot.exhibitionIds, deps.sources);
      for (const { position, raw, verdict } of judged.verdicts) rows.add(position, raw, verdict);
      return rows;
    },

    async transform(client, batch, messages) {
      const { snapshot, judged } = await judgeFresh(deps, batch, messages);
      const text = new CopyTextBuffer();
      const write = stagedVerdictWriter(text, batch.batchId, deps.sources, snapshot.exhibitionIds);
      for (const { position, raw, verdict } of judged.verdicts) write(position, raw, verdict);
      await stageVerdicts(client, batch.batchId, text);
      return judged.counts;
    },

    async load(client, batch) {
      return loadStagedVerdicts(client, [batch.batchId], batch.messages);
    },

    stagedVerdicts: countStagedVerdicts,

    files: kioskHistoryFiles(deps),

    rejects: { store: KIOSK_REJECTS, replayPage: kioskReplay(deps.timeZone, deps.sources) },
  };
}

export interface KioskDeps {
  catalogue: CatalogueCache;
  timeZone: string;
  sources: PositionSources;
}

/**
 * Judges against the cached catalogue, and again against a fresh one if a site was unknown; the
 * batch's partitions have their source ids once it returns, before any load begins.
 */
async function judgeFresh(deps: KioskDeps, batch: StagedBatch, messages: readonly StagedMessage[]) {
  await deps.sources.resolve(new Set(messages.map((m) => kafkaPartitionSource(batch.source, m.partition))));
  let snapshot = await deps.catalogue.get();
  const now = Date.now();
  let judged = judge(batch, messages, { catalogue: snapshot.catalogue, now, timeZone: deps.timeZone });
  if ((judged.counts.rejectsByReason.unknown_site ?? 0) > 0 && Date.now() - snapshot.loadedAt > 1000) {
    // A site may have been seeded a moment ago: judge again against a fresh catalogue.
    snapshot = await deps.catalogue.get(0);
    judged = judge(batch, messages, { catalogue: snapshot.catalogue, now, timeZone: deps.timeZone });
  }
  return { snapshot, judged };
}

function judge(batch: StagedBatch, messages: readonly StagedMessage[], ctx: RuleContext) {
  const counts: TransformCounts = { byKind: { rating: 0, request: 0, reject: 0 }, rejectsByReason: {} };
  const verdicts = messages.map((m) => {
    const verdict = validateKafkaPayload(m.value, ctx);
    const kind = verdict.kind === 'rejected' ? 'reject' : verdict.kind;
    counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    if (verdict.kind === 'rejected') {
      counts.rejectsByReason[verdict.reason] = (counts.rejectsByReason[verdict.reason] ?? 0) + 1;
    }
    return {
      position: kafkaPosition(batch.source, m.partition, m.offset),
      raw: m.value ?? Buffer.alloc(0),
      verdict,
    };
  });
  return { verdicts, counts };
}
