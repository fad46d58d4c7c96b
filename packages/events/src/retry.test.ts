import { describe, expect, it } from 'vitest';
import { backoffDelay, CircuitBreaker } from './retry.js';

describe('backoff', () => {
  const options = { initialMs: 1000, maxMs: 60_000 };

  it('doubles per failure within [d/2, d] and stops at the maximum', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(500);
    expect(backoffDelay(1, options, () => 1)).toBe(1000);
    expect(backoffDelay(3, options, () => 1)).toBe(4000);
    expect(backoffDelay(30, options, () => 1)).toBe(60_000);
    expect(backoffDelay(10_000, options, () => 0.5)).toBe(45_000);
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, lets one trial through after the cooldown, re-opens when it fails', () => {
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 });
    b.failure(0);
    b.failure(10);
    expect(b.state(10)).toBe('closed');
    b.failure(20);
    expect(b.state(20)).toBe('open');
    expect(b.waitMs(500)).toBe(520);
    expect(b.state(1020)).toBe('half-open');
    b.failure(1020);
    expect(b.state(1500)).toBe('open');
    b.success();
    expect(b.state(1500)).toBe('closed');
    expect(b.consecutiveFailures).toBe(0);
  });
});
