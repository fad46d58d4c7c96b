import { describe, expect, it } from 'vitest';
import { RollingCounts } from './rolling.js';

const MIN = 60_000;

describe('RollingCounts', () => {
  it('keeps totals over the horizon and forgets what falls out of it', () => {
    const c = new RollingCounts(MIN, 10 * MIN, 2);
    c.add(0, 0, 5);
    c.add(3 * MIN, 0, 2);
    c.add(3 * MIN + 1, 1, 7);
    expect(c.total(5 * MIN, 0)).toBe(7);
    expect(c.total(5 * MIN, 1)).toBe(7);
    expect(c.total(10 * MIN, 0)).toBe(2); // the bucket at 0 is now 10 minutes old
    expect(c.total(14 * MIN, 0)).toBe(0);
  });

  it('sums a recent window and drops events older than the horizon', () => {
    const c = new RollingCounts(MIN, 10 * MIN, 1);
    for (let m = 0; m < 10; m++) c.add(m * MIN, 0, m + 1);
    // Buckets overlapping (6.5 min, 9.5 min]: those starting at 6, 7, 8 and 9 minutes.
    expect(c.recent(9 * MIN + 30_000, 3 * MIN, 0)).toBe(7 + 8 + 9 + 10);
    expect(c.recent(9 * MIN, 3 * MIN, 0)).toBe(7 + 8 + 9 + 10);
    c.add(-5 * MIN, 0, 100);
    expect(c.total(9 * MIN, 0)).toBe(55);
  });

  it('estimates the last bucket-length window by sliding over the previous bucket', () => {
    const c = new RollingCounts(MIN, 10 * MIN, 1);
    c.add(MIN, 0, 60);
    c.add(2 * MIN, 0, 10);
    expect(c.lastBucketWindow(2 * MIN + 15_000, 0)).toBeCloseTo(10 + 60 * 0.75);
  });

  it('reports past non-empty buckets only', () => {
    const c = new RollingCounts(MIN, 10 * MIN, 1);
    c.add(MIN, 0, 1);
    c.add(4 * MIN, 0, 3);
    c.add(6 * MIN, 0, 9); // current bucket at now = 6.5 min: excluded
    const seen: Array<[number, number]> = [];
    c.forEachPast(6.5 * MIN, 0, (start, n) => seen.push([start, n]));
    expect(seen.sort((a, b) => a[0] - b[0])).toEqual([[MIN, 1], [4 * MIN, 3]]);
  });
});
