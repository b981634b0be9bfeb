import { describe, expect, it } from 'vitest';
import { BufferBudget } from '../../pipeline/buffer-budget';
import { HeldBatches } from '../../pipeline/held-batches';

const message = (offset: number, bytes = 10) => ({
  partition: 0,
  offset: String(offset),
  value: Buffer.alloc(bytes),
});

describe('held batches', () => {
  it('count their messages and bytes against the worker budget until released', () => {
    const budget = new BufferBudget(3, 1000);
    const held = new HeldBatches('q@host', budget);
    held.hold('wf#1', 'a', [message(0), message(1)]);
    expect([budget.messages, budget.bytes, budget.spent]).toEqual([2, 20, false]);
    held.hold('wf#2', 'b', Buffer.alloc(500));
    expect([budget.messages, budget.bytes, budget.spent]).toEqual([3, 520, true]);
    held.release('a');
    held.release('a');
    expect([budget.messages, budget.bytes, held.size]).toEqual([1, 500, 1]);
    expect(held.body('b')?.length).toBe(500);
    expect(held.messages('b')).toBeUndefined();
  });

  it("let a judged batch's messages go, keeping the verdicts and the budget until load", () => {
    const budget = new BufferBudget();
    const held = new HeldBatches('q@host', budget);
    held.hold('wf#3', 'c', [message(0), message(1)]);
    const judged = {
      counts: { byKind: { row: 2 }, rejectsByReason: {} },
      load: () => Promise.reject(new Error('unused')),
    };
    expect(held.setJudged('c', judged)).toBe(true);
    expect(held.messages('c')).toEqual([]);
    expect(held.judged('c')).toBe(judged);
    expect([budget.messages, budget.bytes]).toEqual([2, 20]);
    held.release('c');
    expect([budget.messages, budget.bytes, held.judged('c')]).toEqual([0, 0, undefined]);
  });

  it('let an earlier attempt of the same logical batch go when a retry holds it again', () => {
    const budget = new BufferBudget();
    const held = new HeldBatches('q@host', budget);
    held.hold('wf#7', 'first', [message(0)]);
    held.hold('wf#7', 'retry', [message(0), message(1)]);
    expect(held.messages('first')).toBeUndefined();
    expect(held.messages('retry')).toHaveLength(2);
    expect(budget.messages).toBe(2);
  });

  it('let a batch go when its range is read again, and keep one that does not overlap', () => {
    const held = new HeldBatches('q@host');
    const range = (p0: [string, string], p1?: [string, string]) => ({
      source: 't',
      ranges: { '0': p0, ...(p1 && { '1': p1 }) },
    });
    held.hold('wf#1', 'loading', [message(0)], range(['0', '10'], ['0', '5']));
    held.hold('wf#2', 'prefetch', [message(10)], range(['10', '20'], ['5', '9']));
    expect(held.size).toBe(2);
    // The workflow gave up on the prefetch and reads from 10 again.
    held.hold('wf#3', 'again', [message(10)], range(['10', '12'], ['5', '5']));
    expect(held.messages('prefetch')).toBeUndefined();
    expect(held.messages('loading')).toHaveLength(1);
    held.hold('wf#4', 'other-topic', [message(0)], { source: 'u', ranges: { '0': ['0', '10'] } });
    expect(held.size).toBe(3);
  });

  it('keep a judged batch and a judged file apart', () => {
    const held = new HeldBatches('q@host');
    held.hold('k1', 'topic', [message(0)]);
    held.hold('k2', 'file', Buffer.from('a\n'));
    const batch = {
      counts: { byKind: {}, rejectsByReason: {} },
      load: () => Promise.reject(new Error('unused')),
    };
    const file = { judged: {} as never, swapIn: () => Promise.reject(new Error('unused')) };
    expect(held.setJudged('topic', batch)).toBe(true);
    expect(held.setJudged('file', file)).toBe(true);
    expect(held.setJudged('gone', batch)).toBe(false);
    expect(held.judged('topic')).toBe(batch);
    expect(held.judgedFile('topic')).toBeUndefined();
    expect(held.judgedFile('file')).toBe(file);
    expect(held.judged('file')).toBeUndefined();
  });

  it('drop batches nobody came back for after their time to live', async () => {
    const budget = new BufferBudget();
    const held = new HeldBatches('q@host', budget, 20);
    held.hold('k1', 'old', [message(0)]);
    await new Promise((r) => setTimeout(r, 40));
    held.hold('k2', 'new', [message(1)]);
    expect(held.messages('old')).toBeUndefined();
    expect([held.size, budget.messages]).toEqual([1, 1]);
  });
});
