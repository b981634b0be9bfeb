import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { BufferBudget } from './buffer-budget';
import type { JudgedBatch, JudgedFile } from './dataset';
import type { StagedMessage } from './staging';

/** This process's own task queue beside the shared one: unique per process, so a restart never inherits a batch. */
export function hostQueueName(taskQueue: string): string {
  return `${taskQueue}@${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** A topic batch's messages, or a whole file's bytes. */
type Content = readonly StagedMessage[] | Buffer;

/** Where a topic batch's messages come from: Kafka partition -> [first, next) offsets. */
export interface HeldRange {
  source: string;
  ranges: Readonly<Record<string, readonly [string, string]>>;
}

interface Held {
  batchKey: string;
  range?: HeldRange;
  content: Content;
  messages: number;
  bytes: number;
  /** A topic batch's `JudgedBatch`, or a file's `JudgedFile`. */
  judged?: JudgedBatch | JudgedFile;
  heldAt: number;
}

/**
 * The claim check of the live path: batches held in this worker's memory from extract to load, by
 * batch id. The extract that reads a batch names this worker's own task queue beside the id, so
 * its transform and load run here (Temporal's worker-specific task queues). A batch lost with its
 * worker (killed, restarted) is never looked for elsewhere: its transform or load finds no worker
 * on that queue, times out before it starts, and the workflow extracts the range again from Kafka,
 * the durable copy. Nothing is written to PostgreSQL before load.
 */
export class HeldBatches {
  private readonly held = new Map<string, Held>();

  /**
   * @param hostQueue this worker process's own task queue
   * @param ttlMs a batch nobody loaded for this long (its workflow gave up on it) is dropped
   */
  constructor(
    readonly hostQueue: string,
    /** The worker's one buffer budget: held messages count against it until load. */
    private readonly budget = new BufferBudget(),
    private readonly ttlMs = 15 * 60_000,
  ) {}

  /**
   * Holds a topic batch's messages or a file's bytes; an earlier attempt of the same logical batch
   * (`batchKey`) is let go.
   */
  hold(batchKey: string, batchId: string, content: Content, range?: HeldRange): { bytes: number } {
    this.evictStale();
    // A range read again means whoever held it before was given up on (a dropped prefetch, a
    // drained run, a lost claim check): nobody will load that copy.
    for (const [id, held] of this.held) {
      if (held.batchKey === batchKey || (range && held.range && overlap(range, held.range))) this.release(id);
    }
    const [messages, bytes] = Buffer.isBuffer(content)
      ? [1, content.length]
      : [content.length, content.reduce((n, m) => n + (m.value?.length ?? 0), 0)];
    this.held.set(batchId, {
      batchKey,
      ...(range && { range }),
      content,
      messages,
      bytes,
      heldAt: Date.now(),
    });
    this.budget.add(messages, bytes);
    return { bytes };
  }

  messages(batchId: string): readonly StagedMessage[] | undefined {
    const content = this.held.get(batchId)?.content;
    return Array.isArray(content) ? content : undefined;
  }

  body(batchId: string): Buffer | undefined {
    const content = this.held.get(batchId)?.content;
    return Buffer.isBuffer(content) ? content : undefined;
  }

  /**
   * Keeps the verdicts for load. A topic batch's messages go now: the verdicts carry all load
   * needs, and a transform retried after it answered finds them judged. The budget still counts
   * the batch until load, so what it stands for stays bounded. A file keeps its bytes: a row
   * limit may judge it again to a different end.
   */
  setJudged(batchId: string, judged: JudgedBatch | JudgedFile): boolean {
    const held = this.held.get(batchId);
    if (!held) return false;
    held.judged = judged;
    if ('load' in judged) held.content = [];
    return true;
  }

  judged(batchId: string): JudgedBatch | undefined {
    const judged = this.held.get(batchId)?.judged;
    return judged && 'load' in judged ? judged : undefined;
  }

  judgedFile(batchId: string): JudgedFile | undefined {
    const judged = this.held.get(batchId)?.judged;
    return judged && 'swapIn' in judged ? judged : undefined;
  }

  release(batchId: string): void {
    const held = this.held.get(batchId);
    if (!held) return;
    this.held.delete(batchId);
    this.budget.remove(held.messages, held.bytes);
  }

  get size(): number {
    return this.held.size;
  }

  private evictStale(): void {
    const before = Date.now() - this.ttlMs;
    for (const [id, held] of this.held) if (held.heldAt < before) this.release(id);
  }
}

function overlap(a: HeldRange, b: HeldRange): boolean {
  if (a.source !== b.source) return false;
  return Object.entries(a.ranges).some(([p, [first, next]]) => {
    const other = b.ranges[p];
    return other !== undefined && BigInt(first) < BigInt(other[1]) && BigInt(other[0]) < BigInt(next);
  });
}
