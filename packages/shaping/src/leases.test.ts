import { describe, expect, it } from 'vitest';
import { LeaseTable } from './leases.js';
import { FakeClock } from '@mtakit/core/testing';

describe('LeaseTable', () => {
  it('grants up to the limit, then refuses with the time until the earliest lease expires', () => {
    const clock = new FakeClock(0);
    const t = new LeaseTable(clock);
    expect(t.acquire('k', 2, 60_000, 'a').granted).toBe(true);
    clock.advance(5_000);
    expect(t.acquire('k', 2, 60_000, 'b').granted).toBe(true);
    clock.advance(1_000);
    expect(t.acquire('k', 2, 60_000, 'c')).toEqual({ granted: false, retryAfterMs: 54_000 });
    expect(t.state('k')).toEqual({ count: 2, nextExpiryMs: 54_000 });
  });

  it('gives a slot back when its holder releases it', () => {
    const t = new LeaseTable(new FakeClock(0));
    t.acquire('k', 1, 60_000, 'a');
    expect(t.acquire('k', 1, 60_000, 'b').granted).toBe(false);
    t.release('k', 'a');
    expect(t.acquire('k', 1, 60_000, 'b').granted).toBe(true);
  });

  it('drops a lease its holder stopped renewing (a crashed holder leaks no slot)', () => {
    const clock = new FakeClock(0);
    const t = new LeaseTable(clock);
    t.acquire('k', 1, 60_000, 'crashed');
    clock.advance(59_999);
    expect(t.acquire('k', 1, 60_000, 'b').granted).toBe(false);
    clock.advance(1);
    expect(t.acquire('k', 1, 60_000, 'b').granted).toBe(true);
    expect(t.renew('k', 'crashed', 60_000)).toBe(false);
  });

  it('keeps a renewed lease alive past its first TTL', () => {
    const clock = new FakeClock(0);
    const t = new LeaseTable(clock);
    t.acquire('k', 1, 60_000, 'a');
    for (let i = 0; i < 5; i++) {
      clock.advance(20_000);
      expect(t.renew('k', 'a', 60_000)).toBe(true);
    }
    expect(t.acquire('k', 1, 60_000, 'b').granted).toBe(false);
    expect(t.state('k').count).toBe(1);
  });

  it('keeps keys independent and forgets empty ones', () => {
    const t = new LeaseTable(new FakeClock(0));
    t.acquire('x', 1, 1000, 'a');
    expect(t.acquire('y', 1, 1000, 'b').granted).toBe(true);
    t.release('x', 'a');
    expect(t.keys()).toEqual(['y']);
  });

  it('limit 0 refuses every lease', () => {
    expect(new LeaseTable(new FakeClock(0)).acquire('k', 0, 1000, 'a')).toEqual({ granted: false, retryAfterMs: 1000 });
  });
});
