import type { Message, Producer } from 'kafkajs';
import type { PinterestTopics } from '../config';
import { PINTEREST_TYPES, type PinterestType } from '../rules';
import type { PinterestMessage } from './traffic';

export interface PinterestProduceOptions {
  /** An already connected producer; only `sendBatch` is used. */
  producer: Pick<Producer, 'sendBatch'>;
  topics: PinterestTopics;
  /** Three messages a post, in post order (pinterestTraffic). */
  messages: Iterable<PinterestMessage>;
  /** Posts per second; unset: as fast as the broker acknowledges. */
  rate?: number;
  signal?: AbortSignal;
  onProgress?: (posts: number) => void;
  /** Clock and sleep for pacing (tests). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const POSTS_PER_SEND = 1000;
const TICK_MS = 100;

/**
 * Sends the traffic to the three topics, a batch of posts at a time: paced to `rate` posts per
 * second, or flat out. Returns the posts sent (fewer than asked when `signal` stops it).
 */
export async function producePinterestTraffic(options: PinterestProduceOptions): Promise<number> {
  const { producer, topics, signal, onProgress, rate } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  const iterator = options.messages[Symbol.iterator]();
  let posts = 0;
  let exhausted = false;
  while (!exhausted && signal?.aborted !== true) {
    const due = rate === undefined ? POSTS_PER_SEND : Math.floor(((now() - started) * rate) / 1000) - posts;
    if (due <= 0) {
      await sleep(TICK_MS);
      continue;
    }
    const byType: Record<PinterestType, Message[]> = { pin: [], geo: [], user: [] };
    let batch = 0;
    while (batch < Math.min(due, POSTS_PER_SEND)) {
      const next = iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      byType[next.value.type].push({ value: next.value.value });
      // A post is complete with its user record, the last of the three.
      if (next.value.type === 'user') batch++;
    }
    const topicMessages = PINTEREST_TYPES.filter((t) => byType[t].length > 0).map((t) => ({
      topic: topics[t],
      messages: byType[t],
    }));
    if (topicMessages.length > 0) await producer.sendBatch({ acks: -1, topicMessages });
    posts += batch;
    onProgress?.(posts);
  }
  return posts;
}
