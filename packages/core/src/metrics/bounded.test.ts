import { describe, expect, it } from 'vitest';
import { foldSmallest } from './bounded.js';

describe('foldSmallest', () => {
  it('keeps the largest series and sums the rest into "other"', () => {
    const totals = [5, 1, 9, 3, 7].map((count, i) => ({ labels: { tenant: `t${i}` }, count }));
    expect(foldSmallest(totals, 3)).toEqual([
      { labels: { tenant: 't2' }, count: 9 }, { labels: { tenant: 't4' }, count: 7 }, { labels: { tenant: 'other' }, count: 9 },
    ]);
    expect(foldSmallest(totals, 5)).toHaveLength(5);
    expect(foldSmallest([], 3)).toEqual([]);
  });
});
