import type { Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SendQueue, type PlacedRecord } from '../../../rest-proxy/send-queue';

const rec = (partition: number, value = 'v'): PlacedRecord => ({
  key: null,
  value: Buffer.from(value),
  partition,
});

/** A broker stand-in: appends each send's messages per partition and answers with the base offsets. */
function fakeBroker() {
  const logs = new Map<string, string[]>();
  const sends: ProducerBatch[] = [];
  let open!: () => void;
  /** Sends wait here until the test opens it; it stays open after. */
  const gate = new Promise<void>((resolve) => (open = resolve));
  let failNext: Error | undefined;
  const producer: Pick<Producer, 'sendBatch'> = {
    async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
      sends.push(batch);
      await gate;
      if (failNext) {
        const err = failNext;
        failNext = undefined;
        throw err;
      }
      const out: RecordMetadata[] = [];
      for (const { topic, messages } of batch.topicMessages ?? []) {
        const seen = new Set<number>();
        for (const m of messages) {
          const key = `${topic}/${m.partition}`;
          const log = logs.get(key) ?? [];
          if (!seen.has(m.partition!)) {
            out.push({
              topicName: topic,
              partition: m.partition!,
              errorCode: 0,
              baseOffset: String(log.length),
            });
            seen.add(m.partition!);
          }
          log.push(String(m.value));
          logs.set(key, log);
        }
      }
      return out;
    },
  };
  return {
    producer,
    sends,
    logs,
    open,
    failNextWith: (err: Error) => (failNext = err),
  };
}

describe('SendQueue', () => {
  it('answers each request with its records’ offsets in record order', async () => {
    const broker = fakeBroker();
    broker.open();
    const q = new SendQueue(broker.producer);
    const a = await q.enqueue('t', [rec(0, 'a0'), rec(1, 'a1'), rec(0, 'a2')]).done;
    expect(a).toEqual([
      { partition: 0, offset: 0 },
      { partition: 1, offset: 0 },
      { partition: 0, offset: 1 },
    ]);
  });

  it('sends one batch at a time, carrying every request that waited meanwhile', async () => {
    const broker = fakeBroker();
    const q = new SendQueue(broker.producer);
    const first = q.enqueue('t', [rec(0, 'x')]).done;
    const second = q.enqueue('t', [rec(0, 'y'), rec(0, 'z')]).done;
    const third = q.enqueue('u', [rec(2, 'w')]).done;
    await Promise.resolve();
    expect(broker.sends).toHaveLength(1);
    broker.open();
    expect(await first).toEqual([{ partition: 0, offset: 0 }]);
    expect(await second).toEqual([
      { partition: 0, offset: 1 },
      { partition: 0, offset: 2 },
    ]);
    expect(await third).toEqual([{ partition: 2, offset: 0 }]);
    expect(broker.sends).toHaveLength(2);
    expect(broker.sends[1]!.topicMessages!.map((t) => t.topic)).toEqual(['t', 'u']);
    expect(broker.logs.get('t/0')).toEqual(['x', 'y', 'z']);
  });

  it('fails the requests of a failed send, and goes on with the next', async () => {
    const broker = fakeBroker();
    broker.open();
    broker.failNextWith(new Error('broker gone'));
    const q = new SendQueue(broker.producer);
    await expect(q.enqueue('t', [rec(0)]).done).rejects.toThrow('broker gone');
    expect(await q.enqueue('t', [rec(0)]).done).toEqual([{ partition: 0, offset: 0 }]);
  });

  it('drops the queued records of a cancelled request', async () => {
    const broker = fakeBroker();
    const q = new SendQueue(broker.producer);
    const first = q.enqueue('t', [rec(0, 'sent')]);
    const cancelled = q.enqueue('t', [rec(0, 'dropped')]);
    cancelled.cancel(new Error('timed out'));
    await expect(cancelled.done).rejects.toThrow('timed out');
    broker.open();
    await first.done;
    await q.whenIdle();
    expect(broker.logs.get('t/0')).toEqual(['sent']);
  });
});
