import { newMessageId } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { IdTable } from '../spool/id-table.js';
import { EntryHeap } from './entry-heap.js';
import type { ScheduledEntry } from './scheduled-queue.js';

describe('EntryHeap', () => {
  it('hands entries out in due order with their ids and transactions, through growth over several pages, removals and shrinking', () => {
    let seed = 11;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const heap = new EntryHeap(new IdTable(0, 16));
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
    const heap = new EntryHeap(new IdTable(0, 16));
    const ids = [newMessageId(), newMessageId(), newMessageId()];
    for (const id of ids) heap.push({ id, due: 5 });
    expect(heap.peek()).toMatchObject({ due: 5 });
    expect([heap.pop(), heap.pop(), heap.pop()].map((e) => e?.id).sort()).toEqual([...ids].sort());
    expect(() => heap.push({ id: 'x', due: 1 })).toThrow(RangeError);
  });

  it('keeps ids as entries of a spool index table: a message removed from the table while queued keeps its id, and no new message takes its number', () => {
    const table = new IdTable(7, 16);
    const heap = new EntryHeap(table);
    const ids = Array.from({ length: 300 }, () => newMessageId());
    ids.forEach((id, i) => {
      table.add(id);
      heap.push({ id, due: i });
    });
    // Every other message leaves the spool while still queued (a removal racing its schedule) and
    // new messages take free entry numbers meanwhile.
    ids.forEach((id, i) => i % 2 === 0 && table.remove(table.find(id)));
    const newer = Array.from({ length: 300 }, () => newMessageId());
    for (const id of newer) table.add(id);
    // A message removed and stored again under the same id (re-added) is still one id.
    table.add(ids[0] as string);
    const out: string[] = [];
    while (heap.size > 0) out.push((heap.pop() as ScheduledEntry).id);
    expect(out).toEqual(ids);
    // Entries of removed messages are free once the heap let them go; the others stay in the table.
    expect(table.size).toBe(300 + 150 + 1);
    for (const id of newer) expect(table.find(id)).toBeGreaterThanOrEqual(0);
    const reused = table.add(newMessageId());
    expect(reused).toBeLessThan(600);
  });
});
