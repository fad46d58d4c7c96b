import { newMessageId } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { IdTable } from './id-table.js';

/** A deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

describe('IdTable', () => {
  it('agrees with a Map over a long run of adds, updates and removes (growing, reusing entries)', () => {
    const random = prng(7);
    const table = new IdTable(3, 16);
    const model = new Map<string, number>();
    const ids: string[] = [];
    for (let step = 0; step < 60_000; step++) {
      const r = random();
      if (r < 0.55 || ids.length === 0) {
        const id = newMessageId(1_700_000_000_000 + Math.floor(step / 7));
        const entry = table.add(id);
        table.set(entry, 2, step);
        model.set(id, step);
        ids.push(id);
      } else {
        const id = ids[Math.floor(random() * ids.length)] as string;
        const entry = table.find(id);
        if (r < 0.8) {
          expect(entry >= 0).toBe(model.has(id));
          if (entry >= 0) {
            expect(table.get(entry, 2)).toBe(model.get(id));
            table.remove(entry);
            model.delete(id);
          }
        } else if (entry >= 0) {
          table.set(entry, 2, step);
          model.set(id, step);
        }
      }
    }
    expect(table.size).toBe(model.size);
    for (const id of ids) {
      const entry = table.find(id);
      expect(entry >= 0).toBe(model.has(id));
      if (entry >= 0) expect([table.idOf(entry), table.get(entry, 2)]).toEqual([id, model.get(id)]);
    }
    const listed = [...table.entries()].map((e) => table.idOf(e)).sort();
    expect(listed).toEqual([...model.keys()].sort());
  });

  it('finds ids written as ASCII in a buffer, and refuses strings that are not ids', () => {
    const table = new IdTable(1);
    const id = newMessageId();
    const entry = table.add(id);
    expect(table.add(id)).toBe(entry);
    const header = Buffer.from(`xx${id}yy`, 'latin1');
    expect(table.findAscii(header, 2)).toBe(entry);
    expect(table.findAscii(header, 3)).toBe(-1);
    expect(table.find(id.toUpperCase())).toBe(-1);
    expect(() => table.add('not-an-id')).toThrow(RangeError);
    expect(table.addAscii(Buffer.from(newMessageId(), 'latin1'), 0)).not.toBe(entry);
    expect(table.size).toBe(2);
  });

  it('keeps every entry reachable when removals shift probe runs (ids that collide)', () => {
    // Same time, sequence and random words but the first: all land in few home slots of a small table.
    const table = new IdTable(1, 8);
    const ids = Array.from({ length: 40 }, (_, i) => `${(i * 8).toString(16).padStart(8, '0')}000000000000000000000000`);
    for (const id of ids) table.set(table.add(id), 0, parseInt(id.slice(0, 8), 16));
    for (const id of ids.filter((_, i) => i % 3 === 0)) table.remove(table.find(id));
    for (const [i, id] of ids.entries()) {
      const entry = table.find(id);
      if (i % 3 === 0) expect(entry).toBe(-1);
      else expect(table.get(entry, 0)).toBe(i * 8);
    }
  });
  it('keeps ids in binary form (writeKey/findKey/addKey, as a snapshot holds them), also after reserve', () => {
    const table = new IdTable(1, 16);
    table.reserve(5000);
    const ids = Array.from({ length: 5000 }, (_, i) => newMessageId(1_700_000_000_000 + i));
    for (const [i, id] of ids.entries()) table.set(table.add(id), 0, i);
    const key = Buffer.alloc(16);
    const copy = new IdTable(1, 16);
    for (const id of ids) {
      table.writeKey(table.find(id), key, 0);
      expect(key.toString('hex')).toBe(id);
      expect(table.findKey(key, 0)).toBe(table.find(id));
      copy.set(copy.addKey(key, 0), 0, table.get(table.find(id), 0));
    }
    expect(copy.size).toBe(5000);
    for (const [i, id] of ids.entries()) expect(copy.get(copy.find(id), 0)).toBe(i);
  });
});

describe('IdTable pins (handles of scheduled messages)', () => {
  it('never hands a pinned number to another id, through removals, re-adds and reuse of free numbers', () => {
    const random = prng(13);
    const table = new IdTable(2, 16);
    const inTable = new Map<string, number>();
    const known: string[] = [];
    const held: Array<{ id: string; handle: number }> = [];
    for (let step = 0; step < 20_000; step++) {
      const r = random();
      if (r < 0.35 || known.length === 0) {
        const id = newMessageId(1_700_000_000_000 + step);
        const e = table.add(id);
        // A fresh number is never one a holder still has for another id.
        for (const h of held) if (h.handle === e) expect(h.id).toBe(id);
        inTable.set(id, e);
        known.push(id);
      } else if (r < 0.6) {
        // Pin one in the table (it shares the entry) or one gone from it (an entry of its own).
        const id = r < 0.5 ? (known[Math.floor(random() * known.length)] as string) : newMessageId(1_600_000_000_000 + step);
        const handle = table.pin(id);
        if (inTable.has(id)) expect(handle).toBe(inTable.get(id));
        held.push({ id, handle });
      } else if (r < 0.8 && held.length > 0) {
        const [h] = held.splice(Math.floor(random() * held.length), 1);
        table.unpin((h as { handle: number }).handle);
      } else {
        const at = Math.floor(random() * known.length);
        const id = known[at] as string;
        known[at] = known.at(-1) as string;
        known.pop();
        table.remove(table.find(id));
        inTable.delete(id);
        expect(table.find(id)).toBe(-1);
      }
      if (step % 97 === 0) for (const h of held) expect(table.idOf(h.handle)).toBe(h.id);
    }
    expect(table.size).toBe(inTable.size);
    for (const [id, e] of inTable) expect(table.find(id)).toBe(e);
    for (const h of held) expect(table.idOf(h.handle)).toBe(h.id);
    // Pinned entries that are not in the table are not listed as entries.
    expect([...table.entries()].length).toBe(inTable.size);
  });

  it('frees a removed entry only at its last unpin, and refuses an unpin too many', () => {
    const table = new IdTable(1, 16);
    const a = newMessageId();
    const e = table.add(a);
    expect(table.pin(a)).toBe(e);
    expect(table.pin(a)).toBe(e);
    table.remove(e);
    table.unpin(e);
    // Still pinned once: a new id must not get e.
    const b = newMessageId();
    expect(table.add(b)).not.toBe(e);
    expect(table.idOf(e)).toBe(a);
    table.unpin(e);
    // Now free: the next new id reuses it.
    const c = newMessageId();
    expect(table.add(c)).toBe(e);
    expect(() => table.unpin(e)).toThrow(RangeError);
    expect(() => table.pin('not an id')).toThrow(RangeError);
  });
});
