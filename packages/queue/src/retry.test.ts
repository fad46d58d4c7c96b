import { describe, expect, it } from 'vitest';
import { resolveQueueConfig } from '@mtakit/core';
import { deadline, delayForAttempt, jitter, nextAttemptDue, recomputedDue } from './retry.js';

const MIN = 60_000;

describe('retry schedule (reference §2)', () => {
  it('doubles from retry_interval over 10 attempts', () => {
    const config = resolveQueueConfig({});
    expect(Array.from({ length: 10 }, (_, n) => delayForAttempt(n, config) / MIN)).toEqual([20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240]);
  });

  it('caps each step at max_retry_interval', () => {
    const config = resolveQueueConfig({ retry_interval: '10m', max_retry_interval: '1h' });
    expect(Array.from({ length: 10 }, (_, n) => delayForAttempt(n, config) / MIN)).toEqual([10, 20, 40, 60, 60, 60, 60, 60, 60, 60]);
  });

  it('jitters within ±min(retry_interval/20, 60 s)/2', () => {
    const small = resolveQueueConfig({ retry_interval: '1m' });
    expect(jitter(small, () => 0)).toBe(-1500);
    expect(jitter(small, () => 1)).toBe(1500);
    const big = resolveQueueConfig({ retry_interval: '2h' });
    expect(jitter(big, () => 0)).toBe(-30_000);
    expect(jitter(big, () => 0.5)).toBe(0);
  });

  it('the n-th failure is due after delay(n-1) plus jitter, or expires past max_age / expires', () => {
    const config = resolveQueueConfig({ retry_interval: '20m', max_age: '1h' });
    const created = 1_000_000;
    expect(nextAttemptDue(1, created, created, config, { random: () => 0.5 })).toBe(created + 20 * MIN);
    expect(nextAttemptDue(2, created + 20 * MIN, created, config, { random: () => 0.5 })).toBe(created + 60 * MIN);
    expect(nextAttemptDue(3, created + 60 * MIN, created, config, { random: () => 0.5 })).toBeUndefined();
    expect(nextAttemptDue(1, created, created, config, { random: () => 0.5, expires: created + 10 * MIN })).toBeUndefined();
    expect(deadline(created, config, created + 10 * MIN)).toBe(created + 10 * MIN);
  });

  it('recomputes a due time from creation and attempts', () => {
    const config = resolveQueueConfig({});
    expect(recomputedDue(3, 0, config)).toBe((20 + 40 + 80) * MIN);
  });
});
