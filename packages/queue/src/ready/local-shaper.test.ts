import { parseLimitSpec, parseRateSpec } from '@mtakit/core';
import { FakeClock } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { localShaper } from './local-shaper.js';

describe('localShaper (rates and connection limits honoured without a shaping package; issue 15 item 3)', () => {
  it('admits at the rate, with the burst, then says how long to wait', async () => {
    const clock = new FakeClock();
    const shaper = localShaper(clock);
    const rate = parseRateSpec('2/s');
    expect((await shaper.throttle('k', rate)).allowed).toBe(true);
    expect((await shaper.throttle('k', rate)).allowed).toBe(true);
    const refused = await shaper.throttle('k', rate);
    expect(refused).toMatchObject({ allowed: false });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(500);
    clock.advance(500);
    expect((await shaper.throttle('k', rate)).allowed).toBe(true);
    expect((await shaper.throttle('other', rate)).allowed).toBe(true);
  });

  it('grants connection slots up to the limit; a released slot is granted again', async () => {
    const shaper = localShaper(new FakeClock());
    const limit = parseLimitSpec(2);
    const a = await shaper.acquireConnection('path', limit);
    const b = await shaper.acquireConnection('path', limit);
    expect([a.granted, b.granted]).toEqual([true, true]);
    expect((await shaper.acquireConnection('path', limit)).granted).toBe(false);
    if (a.granted) await a.lease.release();
    expect((await shaper.acquireConnection('path', limit)).granted).toBe(true);
  });
});
