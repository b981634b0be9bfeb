import { Context } from '@temporalio/activity';
import { FailureType, permanentFailure } from '../common/failures';
import { sinkObjectKey } from '../pipeline/sink-layout';
import { DEFAULT_ARCHIVE_READ_LIMITS } from '../pipeline/archive-extract';
import { sweepStaging } from '../pipeline/staging';
import {
  archiveDestinationId,
  archiveStarts,
  loadArchiveStaged,
  stagePlanned,
  transformArchiveStaged,
  type ArchiveBatch,
  type ArchiveLoadResult,
  type ArchiveTransformResult,
  type ExtractArchiveInput,
  type PlannedObject,
} from '../pipeline/archive-stages';
import type { ActivityDeps } from './index';

export type {
  ArchiveBatch,
  ArchiveDestination,
  ArchiveLoadResult,
  ArchiveTransformResult,
  ExtractArchiveInput,
  PlannedObject,
} from '../pipeline/archive-stages';
export { archiveDestinationId } from '../pipeline/archive-stages';
import { quietHeartbeat, withHeartbeat } from './ingest';
import { recordArchived, recordStage } from './metrics';

const DATASET = 'archive';
const SWEEP_EVERY_MS = 5 * 60_000;

export function createArchiveActivities({ db, s3, archiveExtractor }: ActivityDeps) {
  let lastSweep = 0;
  return {
    /**
     * Waits for the topic's next ranges (a long poll), decides each new range once and for all
     * (recorded in archive_object before anything is written) and stages its raw messages. A range
     * planned by an earlier attempt is read again exactly. An idle topic answers an empty batch.
     */
    async extractArchiveBatch(input: ExtractArchiveInput): Promise<ArchiveBatch> {
      const started = Date.now();
      const ctx = Context.current();
      const limits = { ...DEFAULT_ARCHIVE_READ_LIMITS, ...input.limits };
      checkInput(input);
      const destination = archiveDestinationId(input.destination);
      if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
        lastSweep = Date.now();
        await sweepStaging(db);
      }
      const offsets = await archiveExtractor.offsets(input.topic);
      const from = await archiveStarts(db, destination, input.topic, offsets, input.after);
      const highWatermarks = new Map(offsets.map((o) => [o.partition, o.high]));
      const read = await archiveExtractor.read(
        input.topic,
        from,
        highWatermarks,
        input.rule,
        limits,
        quietHeartbeat(started),
        ctx.cancellationSignal,
      );
      const objects: PlannedObject[] = read.ranges.map((r) => ({
        partition: r.partition,
        start: r.start,
        end: r.end,
        key: sinkObjectKey(input.destination.prefix, input.topic, r.partition, r.start),
      }));
      const ranges: Record<string, [string, string]> = {};
      for (const r of read.ranges) ranges[String(r.partition)] = [r.start, (BigInt(r.end) + 1n).toString()];
      const lag: Record<string, number> = {};
      for (const [p, f] of from) {
        const hw = read.highWatermarks[String(p)] ?? highWatermarks.get(p);
        const next = ranges[String(p)]?.[1] ?? f.start;
        if (hw !== undefined) lag[String(p)] = Math.max(0, Number(BigInt(hw) - BigInt(next)));
      }
      const batch = { batchKey: input.batchKey, dataset: DATASET, source: input.topic, ranges };
      const staged =
        objects.length === 0
          ? { ...batch, batchId: '', messages: 0, bytes: 0 }
          : await stagePlanned(db, destination, batch, objects, read.ranges);
      recordStage('extract', DATASET, Date.now() - started);
      return {
        ...staged,
        destination: input.destination,
        objects,
        highWatermarks: read.highWatermarks,
        lag,
        durationMs: Date.now() - started,
        attempt: ctx.info.attempt,
      };
    },

    /** Builds each planned object's bytes (one value a line, LF-ended) and stages them. Rerunnable. */
    async transformArchiveBatch(input: { batch: ArchiveBatch }): Promise<ArchiveTransformResult> {
      const started = Date.now();
      const { batch } = input;
      const built = await withHeartbeat(started, () => transformArchiveStaged(db, batch));
      recordStage('transform', DATASET, Date.now() - started);
      return { ...built, durationMs: Date.now() - started, attempt: Context.current().info.attempt };
    },

    /**
     * Per object: put it under its deterministic name (unless the same bytes are there already),
     * then, only then, move the archive checkpoint past its range. A retry rewrites nothing that
     * is stored and never moves a checkpoint that another attempt moved.
     */
    async loadArchiveBatch(input: { batch: ArchiveBatch }): Promise<ArchiveLoadResult> {
      const started = Date.now();
      const { batch } = input;
      const result: ArchiveLoadResult = {
        put: 0,
        found: 0,
        already: 0,
        superseded: 0,
        messages: 0,
        bytes: 0,
        lastKey: null,
        durationMs: 0,
        attempt: Context.current().info.attempt,
      };
      await withHeartbeat(started, () => loadArchiveStaged(db, s3, batch, result));
      recordStage('load', DATASET, Date.now() - started);
      recordArchived(
        batch.source,
        { objects: result.put + result.found, messages: result.messages, bytes: result.bytes },
        batch.lag,
      );
      return { ...result, durationMs: Date.now() - started };
    },
  };
}

/** Workflow input from the Temporal UI is not checked by config/: say what is wrong, once. */
function checkInput(input: ExtractArchiveInput): void {
  const problems: string[] = [];
  const { flushMessages, flushSeconds } = input.rule ?? {};
  if (!Number.isInteger(flushMessages) || flushMessages < 1)
    problems.push('flushMessages must be an integer >= 1');
  if (!Number.isInteger(flushSeconds) || flushSeconds < 1)
    problems.push('flushSeconds must be an integer >= 1');
  const prefix = input.destination?.prefix;
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.endsWith('/')))
    problems.push('prefix must be empty or end with "/"');
  if (!input.destination?.bucket) problems.push('bucket is required');
  if (!input.topic) problems.push('topic is required');
  if (problems.length > 0) {
    throw permanentFailure(FailureType.BadInput, `archive input for ${input.topic}: ${problems.join('; ')}`);
  }
}
