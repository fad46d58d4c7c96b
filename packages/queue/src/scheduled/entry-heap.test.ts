import { newMessageId } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { EntryHeap } from './entry-heap.js';
import type { ScheduledEntry } from './scheduled-queue.js';

describe('EntryHeap', () => {
  it('hands entries out in due order with their ids and transactions, through growth over several pages, removals and shrinking', () => {
    let seed = 11;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const heap = new EntryHeap();
    const model: ScheduledEntry[] = [];
    for (let i = 0; i < 20_000; i++) {
      const entry: ScheduledEntry = i % 3 === 0 ? { id: newMessageId(), due: Math.floor(random() * 1e6), batch: `b${i % 7}` } : { id: newMessageId(), due: Math.floor(random() * 1e6) };
      heap.push(entry);
      model.push(entry);
    }
    const removed = heap.removeWhere((e) => e.due % 5 === 0);
    expect(removed.length).toBe(model.filter((e) => e.due % 5 === 0).length);
    const left = model.filter((e) => e.due % 5 !== 0);
    expect(heap.size).toBe(left.length);
    expect(heap.values().map((e) => e.id).sort()).toEqual(left.map((e) => e.id).sort());
    const out: ScheduledEntry[] = [];
    for (let i = 0; i < left.length / 2; i++) out.push(heap.pop() as ScheduledEntry);
    // Half taken out: push some back with new due times, as a suspension's hold does.
    for (const e of out.slice(0, 100)) heap.push({ ...e, due: e.due + 2e6 });
    while (heap.size > 0) out.push(heap.pop() as ScheduledEntry);
    const dues = out.map((e) => e.due);
    expect(dues.slice(0, left.length / 2)).toEqual([...dues.slice(0, left.length / 2)].sort((a, b) => a - b));
    expect(out).toHaveLength(left.length + 100);
    const byId = new Map(left.map((e) => [e.id, e]));
    for (const e of out) expect(e.batch).toBe(byId.get(e.id)?.batch);
    expect(heap.pop()).toBeUndefined();
    expect(heap.peekDue()).toBeUndefined();
  });

  it('keeps equal due times and refuses what is not a message id', () => {
    const heap = new EntryHeap();
    const ids = [newMessageId(), newMessageId(), newMessageId()];
    for (const id of ids) heap.push({ id, due: 5 });
    expect(heap.peek()).toMatchObject({ due: 5 });
    expect([heap.pop(), heap.pop(), heap.pop()].map((e) => e?.id).sort()).toEqual([...ids].sort());
    expect(() => heap.push({ id: 'x', due: 1 })).toThrow(RangeError);
  });
});
