import { parseRateSpec } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { gcra } from './gcra.js';

/** Drives one bucket the way a store does: keep the TAT the decision returns. */
function bucket(specText: string) {
  const spec = parseRateSpec(specText);
  let tat: number | undefined;
  return {
    spec,
    take(now: number, quantity = 1) {
      const outcome = gcra(tat, now, spec, quantity);
      tat = outcome.tat;
      return outcome;
    },
  };
}

describe('gcra', () => {
  it('admits exactly max_burst at once (default burst = limit), then reports when the next unit fits', () => {
    const b = bucket('10/s');
    const remaining = Array.from({ length: 10 }, () => b.take(0)).map((d) => (d.allowed ? d.remaining : -1));
    expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const denied = b.take(0);
    expect(denied).toMatchObject({ allowed: false, remaining: 0 });
    expect(denied.retryAfterMs).toBeCloseTo(100, 6);
    expect(denied.resetAfterMs).toBeCloseTo(1000, 6);
    expect(b.take(99).allowed).toBe(false);
    expect(b.take(100).allowed).toBe(true);
  });

  it('max_burst=1 spaces units evenly: 6/m admits one every 10 s', () => {
    const b = bucket('6/m,max_burst=1');
    const admittedAt: number[] = [];
    for (let t = 0; t <= 60_000; t += 250) if (b.take(t).allowed) admittedAt.push(t);
    expect(admittedAt).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
  });

  it.each([
    ['100/min', 1],
    ['3/s', 1],
    ['1,000/h,max_burst=50', 7],
    ['7/30s,max_burst=2', 3],
    ['20/s', 1],
  ])('over a long run %s admits exactly burst + elapsed/interval (polled every %i ms)', (text, step) => {
    const b = bucket(text);
    const interval = b.spec.periodMs / b.spec.limit;
    const duration = 10 * b.spec.periodMs;
    let admitted = 0;
    for (let t = 0; t <= duration; t += step) if (b.take(t).allowed) admitted++;
    // Polling every `step` ms can only delay an admission by < step, never add one.
    const expected = b.spec.maxBurst + Math.floor(duration / interval);
    expect(admitted).toBeLessThanOrEqual(expected);
    expect(admitted).toBeGreaterThanOrEqual(expected - 1);
  });

  it('never admits more than max_burst + window/interval in any window, even when callers retry at retryAfter', () => {
    const b = bucket('50/s,max_burst=5');
    const times: number[] = [];
    let t = 0;
    while (times.length < 2000) {
      const d = b.take(t);
      if (d.allowed) times.push(t);
      else t += d.retryAfterMs; // a caller that waits exactly as told
    }
    const window = 1000;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= window) j++;
      expect(i - j + 1).toBeLessThanOrEqual(5 + 50);
    }
    // And it keeps up the rate: 2000 units at 50/s take about 40 s.
    expect(t).toBeGreaterThan(39_000);
    expect(t).toBeLessThan(40_100);
  });

  it('recovers the full burst once the bucket drains', () => {
    const b = bucket('4/s');
    for (let i = 0; i < 4; i++) b.take(0);
    expect(b.take(0).allowed).toBe(false);
    const admittedLater = Array.from({ length: 5 }, () => b.take(1000).allowed);
    expect(admittedLater).toEqual([true, true, true, true, false]);
  });

  it('takes a quantity of several units at once, and quantity 0 only reports', () => {
    const b = bucket('10/s');
    expect(b.take(0, 0)).toMatchObject({ allowed: true, remaining: 10, tat: undefined });
    expect(b.take(0, 7)).toMatchObject({ allowed: true, remaining: 3 });
    const tooMany = b.take(0, 4);
    expect(tooMany.allowed).toBe(false);
    expect(tooMany.retryAfterMs).toBeCloseTo(100, 6);
    expect(b.take(0, 3)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('refuses a quantity larger than the burst (it could never pass)', () => {
    expect(() => gcra(undefined, 0, parseRateSpec('10/s,max_burst=2'), 3)).toThrow(/max_burst \(2\)/);
  });
});
