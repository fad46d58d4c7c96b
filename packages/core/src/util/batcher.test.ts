import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('batches what arrives while a batch is in flight, and resolves each with its own result', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, number>(async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 5));
      return items.map((i) => i * 10);
    });
    const results = await Promise.all([1, 2, 3, 4].map((i) => b.submit(i)));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('never strands an item submitted by a caller the previous batch just resumed', async () => {
    const b = new Batcher<number, number>(async (items) => items);
    for (let i = 0; i < 100; i++) expect(await b.submit(i)).toBe(i);
  });

  it('rejects a failed batch and goes on with the next', async () => {
    const b = new Batcher<number, number>(async (items) => {
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    });
    await expect(b.submit(13)).rejects.toThrow('unlucky');
    expect(await b.submit(14)).toBe(14);
    await b.drained();
  });

  it('takes several items with one promise (submitAll), in order with single submits, and fails them together', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, number>(async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 5));
      if (items.includes(99)) throw new Error('bad batch');
      return items.map((i) => i * 10);
    });
    const first = b.submit(1);
    const [all, one, more] = await Promise.all([b.submitAll([2, 3, 4]), b.submit(5), b.submitAll([6, 7])]);
    expect(await first).toBe(10);
    expect(all).toEqual([20, 30, 40]);
    expect(one).toBe(50);
    expect(more).toEqual([60, 70]);
    expect(batches).toEqual([[1], [2, 3, 4, 5, 6, 7]]);
    expect(await b.submitAll([])).toEqual([]);
    const failing = b.submitAll([98, 99]);
    const alongside = b.submit(100);
    await expect(failing).rejects.toThrow('bad batch');
    await expect(alongside).resolves.toBe(1000);
  });
});
