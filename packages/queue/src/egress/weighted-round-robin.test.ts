import { describe, expect, it } from 'vitest';
import { WeightedRoundRobin } from './weighted-round-robin.js';

describe('WeightedRoundRobin', () => {
  it('gives 1:2:7 within ±2 % over 10,000 picks', () => {
    const wrr = new WeightedRoundRobin([{ name: 'a', weight: 1 }, { name: 'b', weight: 2 }, { name: 'c', weight: 7 }]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 10_000; i++) counts[wrr.next() as string]! += 1;
    expect(counts['a']! / 10_000).toBeCloseTo(0.1, 1);
    expect(Math.abs(counts['a']! / 10_000 - 0.1)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(counts['b']! / 10_000 - 0.2)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(counts['c']! / 10_000 - 0.7)).toBeLessThanOrEqual(0.02);
  });

  it('spreads picks of a heavy entry instead of bunching them', () => {
    const wrr = new WeightedRoundRobin([{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 2 }]);
    expect(Array.from({ length: 8 }, () => wrr.next())).toEqual(['c', 'a', 'b', 'c', 'c', 'a', 'b', 'c']);
  });

  it('lets a pick skip a candidate (throttled source) and keeps the shares of the rest', () => {
    const wrr = new WeightedRoundRobin([{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }]);
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      const name = wrr.candidates().find((c) => c !== 'a') as string;
      wrr.commit(name);
      picks.push(name);
    }
    expect(picks).toEqual(['b', 'b', 'b', 'b', 'b', 'b']);
    expect(wrr.matches([{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }])).toBe(true);
    expect(wrr.matches([{ name: 'a', weight: 2 }, { name: 'b', weight: 1 }])).toBe(false);
  });

  it('ignores zero-weight entries', () => {
    const wrr = new WeightedRoundRobin([{ name: 'a', weight: 0 }, { name: 'b', weight: 3 }]);
    expect(new Set(Array.from({ length: 10 }, () => wrr.next()))).toEqual(new Set(['b']));
  });
});
