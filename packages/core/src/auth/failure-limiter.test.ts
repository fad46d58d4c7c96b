import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { AuthFailureLimiter } from './failure-limiter.js';

const keys = (ip: string, user: string) => [`ip:${ip}`, `user:${user}`];

describe('AuthFailureLimiter', () => {
  it('answers the first failures at once, then slows them with a doubling, capped delay', () => {
    const limiter = new AuthFailureLimiter({ clock: new FakeClock(), freeFailures: 2, delayMs: 100, maxDelayMs: 350, lockAfter: 100 });
    const delays = Array.from({ length: 6 }, () => limiter.failure(keys('192.0.2.1', 'alice')).delayMs);
    expect(delays).toEqual([0, 0, 100, 200, 350, 350]);
  });

  it('locks an address spraying many users and a user guessed from many addresses, until the lockout expires', () => {
    const clock = new FakeClock();
    const limiter = new AuthFailureLimiter({ clock, lockAfter: 3, lockoutMs: 60_000, windowMs: 60_000 });
    for (const user of ['a', 'b']) expect(limiter.failure(keys('192.0.2.1', user)).lockedNow).toEqual([]);
    expect(limiter.failure(keys('192.0.2.1', 'c')).lockedNow).toEqual(['ip:192.0.2.1']);
    expect(limiter.check(keys('192.0.2.1', 'zed')).locked).toBe('ip:192.0.2.1');
    expect(limiter.check(keys('192.0.2.9', 'zed')).locked).toBeUndefined();
    for (const ip of ['198.51.100.1', '198.51.100.2']) limiter.failure(keys(ip, 'bob'));
    expect(limiter.failure(keys('198.51.100.3', 'bob')).lockedNow).toEqual(['user:bob']);
    expect(limiter.check(keys('203.0.113.50', 'bob')).locked).toBe('user:bob');
    clock.advance(59_999);
    expect(limiter.check(keys('192.0.2.1', 'zed')).locked).toBe('ip:192.0.2.1');
    clock.advance(1);
    expect(limiter.check(keys('192.0.2.1', 'zed')).locked).toBeUndefined();
    expect(limiter.check(keys('203.0.113.50', 'bob')).locked).toBeUndefined();
  });

  it('forgets failures after the window and on success, and bounds the keys it keeps', () => {
    const clock = new FakeClock();
    const limiter = new AuthFailureLimiter({ clock, lockAfter: 3, windowMs: 1_000, maxKeys: 4 });
    limiter.failure(keys('192.0.2.1', 'a'));
    limiter.failure(keys('192.0.2.1', 'a'));
    clock.advance(1_000);
    expect(limiter.failure(keys('192.0.2.1', 'a')).lockedNow).toEqual([]);
    limiter.failure(keys('192.0.2.1', 'a'));
    limiter.success(keys('192.0.2.1', 'a'));
    expect(limiter.failure(keys('192.0.2.1', 'a')).lockedNow).toEqual([]);
    for (let i = 0; i < 50; i++) limiter.failure(keys(`10.0.0.${i}`, `u${i}`));
    expect(limiter.size).toBe(4);
  });
});
