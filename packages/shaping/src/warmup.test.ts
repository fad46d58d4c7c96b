import { ConfigError, parseRateSpec, type LogRecord } from '@mtakit/core';
import { FakeClock } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { deliveryRecord } from './testing/records.js';
import { Warmup } from './warmup.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 2, 9, 0, 0); // 2026-03-02 09:00 UTC

function outcomes(clock: FakeClock, source: string, counts: Partial<Record<LogRecord['type'], number>>): LogRecord[] {
  return Object.entries(counts).flatMap(([type, n]) =>
    Array.from({ length: n }, () => deliveryRecord({ type: type as LogRecord['type'], source, siteName: 'site', response: '250 ok', at: clock.now() })),
  );
}

describe('Warmup', () => {
  it('raises the cap one step per calendar day, then lifts it', () => {
    const clock = new FakeClock(START);
    const w = new Warmup([{ source: 'ip-new', start: '2026-03-02' }], { clock });
    const caps: Array<string | undefined> = [];
    for (let day = 0; day < 9; day++) {
      caps.push(w.selectionRate('ip-new', 'any-site'));
      clock.advance(DAY);
    }
    expect(caps).toEqual([
      '50/d,max_burst=1', '200/d,max_burst=1', '1000/d,max_burst=1', '5000/d,max_burst=1', '25000/d,max_burst=1',
      '100000/d,max_burst=1', '400000/d,max_burst=1', undefined, undefined,
    ]);
    expect(() => parseRateSpec(caps[0] as string)).not.toThrow();
    expect(w.selectionRate('ip-other', 'any-site')).toBeUndefined();
  });

  it('changes day at midnight UTC, not 24 hours after the first request', () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 2, 23, 59));
    const w = new Warmup([{ source: 's', start: '2026-03-02', dailyCaps: [10, 20] }], { clock });
    expect(w.selectionRate('s', 'x')).toBe('10/d,max_burst=1');
    clock.advance(60_000);
    expect(w.selectionRate('s', 'x')).toBe('20/d,max_burst=1');
  });

  it('joins a plan that started earlier at the right day, and holds day 1 before the start', () => {
    const clock = new FakeClock(START);
    const w = new Warmup([
      { source: 'old', start: '2026-02-28' },
      { source: 'future', start: '2026-04-01', dailyCaps: [7, 8], maxBurst: 3 },
    ], { clock });
    expect(w.selectionRate('old', 'x')).toBe('1000/d,max_burst=1'); // Feb 28, Mar 1, Mar 2: day 3
    expect(w.selectionRate('future', 'x')).toBe('7/d,max_burst=3');
  });

  it('does not advance while the bounce rate is over the threshold, and resumes once it recovers', () => {
    const clock = new FakeClock(START);
    const w = new Warmup([{ source: 'ip', start: '2026-03-02' }], { clock });
    for (const r of outcomes(clock, 'ip', { Delivery: 90, Bounce: 10 })) w.consume(r);
    expect(w.status()[0]).toMatchObject({ day: 1, paused: true, bounceRate: 0.1 });
    clock.advance(DAY);
    expect(w.status()[0]).toMatchObject({ day: 1, paused: true, pausedDays: 1 });
    // A day later the bad hour has left the one-day window, and clean traffic follows.
    for (const r of outcomes(clock, 'ip', { Delivery: 200, Bounce: 2 })) w.consume(r);
    clock.advance(DAY);
    expect(w.status()[0]).toMatchObject({ day: 2, paused: false, pausedDays: 1 });
    expect(w.selectionRate('ip', 'x')).toBe('200/d,max_burst=1');
  });

  it('pauses on complaints (Feedback records) over the threshold', () => {
    const clock = new FakeClock(START);
    const w = new Warmup([{ source: 'ip', start: '2026-03-02' }], { clock });
    for (const r of outcomes(clock, 'ip', { Delivery: 1000, Feedback: 2, TransientFailure: 50 })) w.consume(r);
    expect(w.status()[0]).toMatchObject({ paused: true, complaintRate: 0.002, bounceRate: 0 });
  });

  it('does not judge a source on too few messages', () => {
    const clock = new FakeClock(START);
    const w = new Warmup([{ source: 'ip', start: '2026-03-02', minSample: 50 }], { clock });
    for (const r of outcomes(clock, 'ip', { Delivery: 5, Bounce: 5 })) w.consume(r);
    expect(w.status()[0]).toMatchObject({ paused: false, bounceRate: undefined });
  });

  it('prefers a plan for the exact site over the source-wide plan', () => {
    const w = new Warmup([
      { source: 'ip', start: '2026-03-02', dailyCaps: [100] },
      { source: 'ip', site: 'gmail-site', start: '2026-03-02', dailyCaps: [10] },
    ], { clock: new FakeClock(START) });
    expect(w.selectionRate('ip', 'gmail-site')).toBe('10/d,max_burst=1');
    expect(w.selectionRate('ip', 'other-site')).toBe('100/d,max_burst=1');
  });

  it('restores its progress, pauses and statistics from a snapshot', () => {
    const clock = new FakeClock(START);
    const plans = [{ source: 'ip', start: '2026-03-02' }];
    const first = new Warmup(plans, { clock });
    first.status();
    for (const r of outcomes(clock, 'ip', { Delivery: 90, Bounce: 10 })) first.consume(r);
    clock.advance(DAY);
    first.status();
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    const second = new Warmup(plans, { clock, snapshot });
    expect(second.status()).toEqual(first.status());
    expect(second.status()[0]).toMatchObject({ day: 1, pausedDays: 1 });
  });

  it('reports version changes so callers persist only when needed', () => {
    const clock = new FakeClock(START);
    const w = new Warmup([{ source: 'ip', start: '2026-03-02' }], { clock });
    w.status();
    const v = w.version;
    w.status();
    w.consume(outcomes(clock, 'other', { Delivery: 1 })[0] as LogRecord);
    expect(w.version).toBe(v);
    w.consume(outcomes(clock, 'ip', { Delivery: 1 })[0] as LogRecord);
    expect(w.version).toBe(v + 1);
  });

  it.each([
    [{ source: 'ip', start: '2026-3-2' }, 'warmup[0].start'],
    [{ source: 'ip', start: '2026-03-02', dailyCaps: [] }, 'warmup[0].dailyCaps'],
    [{ source: 'ip', start: '2026-03-02', maxBounceRate: 5 }, 'warmup[0].maxBounceRate'],
    [{ source: '', start: '2026-03-02' }, 'warmup[0].source'],
  ])('rejects an invalid plan %j naming %s', (plan, key) => {
    const error = (() => {
      try {
        return new Warmup([plan]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
  });
});
