import { FakeClock } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './breaker.js';

describe('CircuitBreaker', () => {
  it('opens after threshold overruns within the window', () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ threshold: 3, windowMs: 10_000, quietMs: 30_000 }, clock);
    expect(breaker.recordOverrun()).toBeUndefined();
    clock.advance(11_000); // the first overrun leaves the window
    expect(breaker.recordOverrun()).toBeUndefined();
    expect(breaker.recordOverrun()).toBeUndefined();
    expect(breaker.allow()).toBe(true);
    expect(breaker.recordOverrun()).toBe('opened');
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
  });

  it('tries Lua again after the quiet period and closes on success', () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ threshold: 1, quietMs: 30_000 }, clock);
    breaker.recordOverrun();
    clock.advance(29_999);
    expect(breaker.allow()).toBe(false);
    clock.advance(1);
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe('half-open');
    expect(breaker.recordSuccess()).toBe('closed');
    expect(breaker.state).toBe('closed');
  });

  it('reopens when the trial call overruns again', () => {
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({ threshold: 2, quietMs: 1000 }, clock);
    breaker.recordOverrun();
    breaker.recordOverrun();
    clock.advance(1000);
    expect(breaker.allow()).toBe(true);
    expect(breaker.recordOverrun()).toBe('opened');
    expect(breaker.allow()).toBe(false);
  });
});
