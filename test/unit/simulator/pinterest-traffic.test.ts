import type { ProducerBatch } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  judgePinterestRecord,
  parseSinkKey,
  PINTEREST_TYPES,
  splitSinkLines,
  type PinterestType,
  type RowOf,
} from '../../../datasets/pinterest/rules';
import { createRng } from '../../../simulator/random';
import { breakRecord } from '../../../datasets/pinterest/simulator/faults';
import { createPostPool } from '../../../datasets/pinterest/simulator/pool';
import { producePinterestTraffic } from '../../../datasets/pinterest/simulator/produce';
import { sinkObjects } from '../../../datasets/pinterest/simulator/sink-objects';
import { expectedTotals, pinterestTraffic } from '../../../datasets/pinterest/simulator/traffic';

const NOW = Date.UTC(2026, 0, 1);

describe('Pinterest emulator traffic', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = [...pinterestTraffic({ posts: 200, seed: 7 })];
    expect([...pinterestTraffic({ posts: 200, seed: 7 })]).toEqual(a);
    expect([...pinterestTraffic({ posts: 200, seed: 8 })]).not.toEqual(a);
  });

  it('sends each post as a pin, a geo and a user record with the same ind', () => {
    const messages = [...pinterestTraffic({ posts: 50, seed: 1, faultRate: 0 })];
    expect(messages).toHaveLength(150);
    for (let i = 0; i < messages.length; i += 3) {
      expect(messages.slice(i, i + 3).map((m) => m.type)).toEqual(PINTEREST_TYPES);
      const [pin, geo, user] = messages
        .slice(i, i + 3)
        .map((m) => JSON.parse(m.value) as Record<string, unknown>);
      expect(pin!.index).toBe(messages[i]!.ind);
      expect(geo!.ind).toBe(messages[i]!.ind);
      expect(user!.ind).toBe(messages[i]!.ind);
    }
  });

  it('repeats identical records, since posts are drawn with replacement', () => {
    const totals = expectedTotals(pinterestTraffic({ posts: 1000, seed: 3, poolSize: 100, faultRate: 0 }));
    for (const type of PINTEREST_TYPES) {
      expect(totals[type].rows).toBeLessThanOrEqual(100);
      expect(totals[type].duplicates).toBe(1000 - totals[type].rows);
    }
  });

  it('implies exactly the outcomes the contract gives, judged in order against what is stored', () => {
    const stored: { [T in PinterestType]: Map<number, RowOf[T]> } = {
      pin: new Map(),
      geo: new Map(),
      user: new Map(),
    };
    const messages = [...pinterestTraffic({ posts: 3000, seed: 'contract', faultRate: 0.05 })];
    for (const m of messages) {
      const table = stored[m.type] as Map<number, RowOf[PinterestType]>;
      const verdict = judgePinterestRecord(m.type, m.value, { now: NOW, stored: (ind) => table.get(ind) });
      expect({
        value: m.value,
        kind: verdict.kind,
        reason: verdict.kind === 'rejected' ? verdict.reason : undefined,
      }).toEqual({
        value: m.value,
        kind: m.expect,
        reason: m.reason,
      });
      if (verdict.kind === 'row') table.set(verdict.row.ind, verdict.row);
    }
    const totals = expectedTotals(messages);
    for (const type of PINTEREST_TYPES) {
      const t = totals[type];
      expect(t.consumed).toBe(t.rows + t.duplicates + t.rejects);
      expect(t.rejects).toBeGreaterThan(0);
    }
  });

  it('carries the seed data sentinels and count spellings', () => {
    const pool = createPostPool(createRng(5), 2000);
    const pins = pool.map((p) => p.pin);
    expect(pins.some((p) => p.title === 'No Title Data Available')).toBe(true);
    expect(pins.some((p) => p.follower_count === 'User Info Error')).toBe(true);
    expect(pins.some((p) => /^\d+(\.\d)?k$/.test(String(p.follower_count)))).toBe(true);
    expect(new Set(pool.map((p) => p.ind)).size).toBe(2000);
  });

  it('breaks every type in ways the rules name', () => {
    const rng = createRng(9);
    const [post] = createPostPool(rng, 1);
    const reasons = new Set<string>();
    for (let i = 0; i < 500; i++) {
      for (const type of PINTEREST_TYPES) {
        const fault = breakRecord(type, post![type], rng);
        const verdict = judgePinterestRecord(type, fault.value, { now: NOW });
        expect(verdict.kind === 'rejected' && verdict.reason).toBe(fault.reason);
        reasons.add(fault.reason);
      }
    }
    expect(reasons.size).toBeGreaterThanOrEqual(12);
  });
});

describe('producing Pinterest traffic', () => {
  const topics = { pin: 'p.pin', geo: 'p.geo', user: 'p.user' };

  it('sends each record to the topic of its type, whole posts per send', async () => {
    const sent: { topic: string; values: string[] }[] = [];
    const producer = {
      sendBatch: (batch: ProducerBatch) => {
        for (const t of batch.topicMessages ?? []) {
          sent.push({ topic: t.topic, values: t.messages.map((m) => String(m.value)) });
        }
        return Promise.resolve([]);
      },
    };
    const messages = [...pinterestTraffic({ posts: 2500, seed: 4 })];
    const posts = await producePinterestTraffic({ producer, topics, messages });
    expect(posts).toBe(2500);
    for (const type of PINTEREST_TYPES) {
      const values = sent.filter((s) => s.topic === topics[type]).flatMap((s) => s.values);
      expect(values).toEqual(messages.filter((m) => m.type === type).map((m) => m.value));
    }
  });

  it('paces to the rate in posts per second', async () => {
    let clock = 0;
    const sends: number[] = [];
    const producer = {
      sendBatch: (batch: ProducerBatch) => {
        sends.push(batch.topicMessages!.find((t) => t.topic === topics.user)!.messages.length);
        return Promise.resolve([]);
      },
    };
    const posts = await producePinterestTraffic({
      producer,
      topics,
      messages: pinterestTraffic({ posts: 50, seed: 4 }),
      rate: 10,
      now: () => clock,
      sleep: (ms) => Promise.resolve(void (clock += ms)),
    });
    expect(posts).toBe(50);
    // 100 ms ticks at 10 posts/s: one post a tick.
    expect(sends.every((n) => n === 1)).toBe(true);
    expect(clock).toBeGreaterThanOrEqual(5000);
  });
});

describe('Pinterest traffic as S3 sink objects', () => {
  const topics = { pin: 'pinterest.pin', geo: 'pinterest.geo', user: 'pinterest.user' };

  it('writes the connector layout, one record a line, every record once in order', () => {
    const messages = [...pinterestTraffic({ posts: 2500, seed: 11 })];
    const objects = [...sinkObjects(messages, { topics, partitions: 2, flushSize: 400 })];
    const byType: Record<string, string[]> = { pin: [], geo: [], user: [] };
    const byPartition = new Map<string, { start: bigint; lines: string[] }[]>();
    for (const o of objects) {
      const key = parseSinkKey(o.key, { topics });
      expect(key, o.key).toBeDefined();
      const lines = splitSinkLines(Buffer.from(o.body)).map((l) => Buffer.from(l).toString());
      expect(lines).toHaveLength(o.records);
      const id = `${key!.type}/${key!.partition}`;
      byPartition.set(id, [...(byPartition.get(id) ?? []), { start: BigInt(key!.startOffset), lines }]);
    }
    // Offsets run on without gaps inside each partition; partitions interleave like round robin.
    for (const [id, files] of byPartition) {
      let next = 0n;
      for (const f of files) {
        expect(f.start, id).toBe(next);
        next += BigInt(f.lines.length);
      }
    }
    for (const type of PINTEREST_TYPES) {
      const p0 = byPartition.get(`${type}/0`)!.flatMap((f) => f.lines);
      const p1 = byPartition.get(`${type}/1`)!.flatMap((f) => f.lines);
      byType[type] = p0.flatMap((l, i) => (p1[i] === undefined ? [l] : [l, p1[i]]));
      expect(byType[type]).toEqual(messages.filter((m) => m.type === type).map((m) => m.value));
    }
    expect(objects[0]!.key).toBe('topics/pinterest.pin/partition=0/pinterest.pin+0+0000000000.json');
  });
});
