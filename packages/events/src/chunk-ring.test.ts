import { describe, expect, it } from 'vitest';
import { ChunkRing } from './chunk-ring.js';

describe('ChunkRing', () => {
  it('hands chunks over in order across the wrap-around, refuses one that does not fit, and takes more once drained', () => {
    const producer = ChunkRing.create(1024);
    // The consumer's view of the same memory, as the worker thread has it.
    const consumer = new ChunkRing(producer.buffer);
    const chunk = (n: number, length: number) => ({ segment: 1 + n, base: n * 1000, lastSeq: 2 ** 40 + n, bytes: Buffer.alloc(length, n) });
    const got: number[] = [];
    for (let n = 0; n < 50; n++) {
      expect(producer.push(chunk(n, 100 + n))).toBe(true);
      if (n % 3 === 2) {
        for (const c of consumer.drain()) {
          expect(c.bytes.equals(chunk(c.segment - 1, 100 + c.segment - 1).bytes)).toBe(true);
          expect([c.base, c.lastSeq]).toEqual([(c.segment - 1) * 1000, 2 ** 40 + c.segment - 1]);
          got.push(c.segment - 1);
        }
      }
    }
    got.push(...consumer.drain().map((c) => c.segment - 1));
    expect(got).toEqual(Array.from({ length: 50 }, (_, n) => n));
    // 148 bytes each with its head: six fit in 1024, a seventh does not.
    for (let n = 0; n < 6; n++) expect(producer.push(chunk(n, 120))).toBe(true);
    expect(producer.push(chunk(6, 120))).toBe(false);
    expect(consumer.drain()).toHaveLength(6);
    expect(producer.push(chunk(6, 120))).toBe(true);
    expect(() => ChunkRing.create(1000)).toThrow(RangeError);
  });
});
