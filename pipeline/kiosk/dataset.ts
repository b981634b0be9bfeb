import type { PoolClient } from 'pg';
import type { CatalogueCache } from '../catalogue-cache';
import { kafkaPosition, validateKafkaPayload, type RuleContext, type Verdict } from '../../domain';
import { CopyTextBuffer } from '../copy-text';
import type { Dataset, LoadCounts, TransformCounts } from '../dataset';
import { copyInto, type StagedBatch, type StagedMessage } from '../staging';

const KIND = { rating: 0, request: 1, reject: 2 } as const;

/** The kiosk dataset (docs/spec/kiosk-events.md) behind the pipeline's dataset seam. */
export function kioskDataset(deps: { catalogue: CatalogueCache; timeZone: string }): Dataset {
  return {
    name: 'kiosk',

    async transform(client, batch, messages) {
      let snapshot = await deps.catalogue.get();
      const now = Date.now();
      let judged = judge(batch, messages, { catalogue: snapshot.catalogue, now, timeZone: deps.timeZone });
      if ((judged.counts.rejectsByReason.unknown_site ?? 0) > 0 && Date.now() - snapshot.loadedAt > 1000) {
        // A site may have been seeded a moment ago: judge again against a fresh catalogue.
        snapshot = await deps.catalogue.get(0);
        judged = judge(batch, messages, { catalogue: snapshot.catalogue, now, timeZone: deps.timeZone });
      }
      const text = new CopyTextBuffer();
      for (const { position, raw, verdict } of judged.verdicts) {
        writeVerdict(text, batch.batchId, position, raw, verdict, snapshot.exhibitionIds);
      }
      await client.query('delete from staged_kiosk_verdict where batch_id = $1', [batch.batchId]);
      await copyInto(
        client,
        'staged_kiosk_verdict (batch_id, source_position, kind, exhibition_id, value, event_at, raw, reason, detail)',
        text,
      );
      return judged.counts;
    },

    async load(client, batch) {
      return loadStagedVerdicts(client, batch);
    },

    async stagedVerdicts(client, batchId) {
      const { rows } = await client.query<{ n: number }>(
        'select count(*)::int as n from staged_kiosk_verdict where batch_id = $1',
        [batchId],
      );
      return rows[0]!.n;
    },
  };
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

function writeVerdict(
  text: CopyTextBuffer,
  batchId: string,
  position: string,
  raw: Buffer,
  verdict: Verdict,
  exhibitionIds: ReadonlyMap<string, number>,
): void {
  if (verdict.kind === 'rejected') {
    const detail = verdict.detail.slice(0, 1000);
    text.row([batchId, position, String(KIND.reject), null, null, null, raw, verdict.reason, detail]);
    return;
  }
  const id = exhibitionIds.get(verdict.exhibitionPublicId);
  // The rules accepted the site against this same snapshot, so a miss is a bug, never data to drop.
  if (id === undefined) throw new Error(`exhibition ${verdict.exhibitionPublicId} is not in the snapshot`);
  const [kind, value] =
    verdict.kind === 'rating' ? [KIND.rating, verdict.rating] : [KIND.request, verdict.request];
  text.row([
    batchId,
    position,
    String(kind),
    String(id),
    String(value),
    verdict.eventAt.iso,
    null,
    null,
    null,
  ]);
}

/** Three set-based statements, never a row at a time; positions already stored are skipped. */
async function loadStagedVerdicts(client: PoolClient, batch: StagedBatch): Promise<LoadCounts> {
  const insert = async (sql: string) => (await client.query(sql, [batch.batchId])).rowCount ?? 0;
  const rating = await insert(
    `insert into rating_interaction (exhibition_id, rating_id, event_at, source_position)
     select exhibition_id, value, event_at, source_position from staged_kiosk_verdict
     where batch_id = $1 and kind = 0
     on conflict (source_position) do nothing`,
  );
  const request = await insert(
    `insert into request_interaction (exhibition_id, request_id, event_at, source_position)
     select exhibition_id, value, event_at, source_position from staged_kiosk_verdict
     where batch_id = $1 and kind = 1
     on conflict (source_position) do nothing`,
  );
  const reject = await insert(
    `insert into rejected_event (source_position, raw, reason, detail)
     select source_position, raw, reason, detail from staged_kiosk_verdict
     where batch_id = $1 and kind = 2
     on conflict (source_position) do nothing`,
  );
  return { inserted: { rating, request, reject }, alreadyLoaded: batch.messages - rating - request - reject };
}
