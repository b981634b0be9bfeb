import type { Message, ProducerRecord } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createLiveEventGenerator,
  runLiveSimulator,
  type LiveSimulatorResult,
} from '../../../datasets/kiosk/simulator';

function fakeProducer(fail?: Error) {
  const records: ProducerRecord[] = [];
  return {
    records,
    messages: (): Message[] => records.flatMap((r) => r.messages),
    producer: {
      send: async (record: ProducerRecord) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (fail) throw fail;
        records.push(record);
        return [];
      },
    },
  };
}

const generator = () =>
  createLiveEventGenerator({ seed: 1, clock: () => Date.parse('2026-02-24T12:00:00Z') });
const total = (r: LiveSimulatorResult) => r.byIntended.rating + r.byIntended.request + r.byIntended.fault;

describe('runLiveSimulator', () => {
  it('at max rate sends exactly `count` events in large acks=-1 batches, round robin over partitions', async () => {
    const fake = fakeProducer();
    const progress: number[] = [];
    const result = await runLiveSimulator({
      producer: fake.producer,
      topic: 'lmnh',
      generator: generator(),
      maxRate: true,
      count: 4_321,
      partitions: 3,
      onProgress: (p) => progress.push(p.sent),
    });
    expect(result.sent).toBe(4_321);
    expect(total(result)).toBe(4_321);
    expect(result.byIntended.fault).toBeGreaterThan(400);
    expect(fake.records.every((r) => r.topic === 'lmnh' && r.acks === -1 && r.messages.length <= 1000)).toBe(
      true,
    );
    expect(fake.records.filter((r) => r.messages.length === 1000)).toHaveLength(4);
    const partitions = [0, 1, 2].map((p) => fake.messages().filter((m) => m.partition === p).length);
    expect(partitions).toEqual([1_441, 1_440, 1_440]);
    expect(progress.at(-1)).toBe(4_321);
  });

  it('sends the same payloads a generator yields, keyed by site', async () => {
    const fake = fakeProducer();
    await runLiveSimulator({
      producer: fake.producer,
      topic: 't',
      generator: generator(),
      maxRate: true,
      count: 50,
    });
    const expected = generator();
    const sentValues = fake.messages().map((m) => (m.value as Buffer).toString('latin1'));
    for (let i = 0; i < 50; i++) {
      const e = expected.next();
      expect(sentValues).toContain(Buffer.from(e.value).toString('latin1'));
    }
    expect(fake.messages().every((m) => m.partition === undefined && typeof m.key === 'string')).toBe(true);
  });

  // On a fake clock: the pacing is the code's, not how busy the machine running the test is.
  describe('on a fake clock', () => {
    beforeEach(() => void vi.useFakeTimers());
    afterEach(() => void vi.useRealTimers());

    it('paces events at `rate` until the duration ends', async () => {
      const fake = fakeProducer();
      const run = runLiveSimulator({
        producer: fake.producer,
        topic: 't',
        generator: generator(),
        rate: 40,
        durationMs: 500,
      });
      await vi.runAllTimersAsync();
      const result = await run;
      // 40/s for half a second: events at 0, 25, ... 475 ms, one send each.
      expect(result.sent).toBe(20);
      expect(fake.records).toHaveLength(20);
      expect(result.elapsedMs).toBe(500);
    });

    it('stops when the signal aborts', async () => {
      const fake = fakeProducer();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 150);
      const run = runLiveSimulator({
        producer: fake.producer,
        topic: 't',
        generator: generator(),
        rate: 1,
        signal: controller.signal,
      });
      await vi.runAllTimersAsync();
      const result = await run;
      // The next event was due at 1 s: the abort ended the wait at once.
      expect(result.sent).toBe(1);
      expect(result.elapsedMs).toBe(150);
    });
  });

  it('refuses to run unbounded and propagates send failures', async () => {
    const fake = fakeProducer(new Error('broker down'));
    const base = { producer: fake.producer, topic: 't', generator: generator() };
    await expect(runLiveSimulator(base)).rejects.toThrow(/never stop/);
    await expect(runLiveSimulator({ ...base, maxRate: true, count: 10_000 })).rejects.toThrow('broker down');
  });
});
