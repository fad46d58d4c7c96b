import type { LogRecord } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { ReputationTracker } from '../reputation-tracker.js';
import { FakeClock, mail, pointsFor, runStage, context } from '../test-support.js';
import { reputationStage } from './reputation.js';

const HOUR = 3_600_000;

function setup() {
  const clock = new FakeClock();
  const tracker = new ReputationTracker({ clock });
  const stage = reputationStage({ tracker });
  const score = () => runStage(stage, mail(), context('acme'), clock.now());
  /** Spreads outcomes evenly over [from, to) ms before now. */
  const history = (counts: Record<'delivered' | 'bounced' | 'deferred' | 'complained', number>, fromAgo: number, toAgo: number) => {
    for (const [outcome, n] of Object.entries(counts) as Array<[keyof typeof counts, number]>) {
      for (let i = 0; i < n; i++) tracker.record('acme', outcome, clock.now() - fromAgo + ((fromAgo - toAgo) * i) / n);
    }
  };
  return { clock, tracker, score, history };
}

describe('reputation-drift stage', () => {
  it('says so when the tenant has no outcomes yet', async () => {
    const { score } = setup();
    const outcome = await score();
    expect(outcome.score).toBe(0);
    expect(outcome.reasons).toEqual(['no delivery outcomes recorded for this tenant yet']);
  });

  it('gives a steady tenant nothing', async () => {
    const { score, history } = setup();
    history({ delivered: 5000, bounced: 50, deferred: 200, complained: 2 }, 72 * HOUR, 2 * HOUR);
    history({ delivered: 500, bounced: 5, deferred: 20, complained: 0 }, HOUR - 1, 0);
    expect((await score()).reasons).toEqual([]);
  });

  it('flags rates over the absolute limits even without a baseline', async () => {
    const { score, history } = setup();
    history({ delivered: 900, bounced: 100, deferred: 0, complained: 5 }, HOUR - 1, 0);
    const outcome = await score();
    expect(pointsFor(outcome, /bounce rate 10.0% over the last 1h \(limit 5.0%\)/)).toBe(40);
    expect(pointsFor(outcome, /complaint rate 0.56% over the last 1h \(limit 0.30%\)/)).toBe(60);
  });

  it('flags drift from the tenant’s own baseline below the absolute limits', async () => {
    const { score, history } = setup();
    history({ delivered: 10_000, bounced: 50, deferred: 0, complained: 0 }, 72 * HOUR, 2 * HOUR);
    history({ delivered: 970, bounced: 30, deferred: 0, complained: 0 }, HOUR - 1, 0);
    const outcome = await score();
    // 3.0% vs 0.50%: 6× the baseline → 20 × log2(6) ≈ 52, capped at 40.
    expect(pointsFor(outcome, /bounce rate 3.0% over the last 1h is 6.0× the 7d baseline of 0.50%/)).toBe(40);
    expect(pointsFor(outcome, /limit/)).toBe(0);
  });

  it('ignores small recent samples', async () => {
    const { score, history } = setup();
    history({ delivered: 20, bounced: 10, deferred: 0, complained: 0 }, HOUR - 1, 0);
    expect((await score()).score).toBe(0);
  });

  it('learns from log records by tenant meta or queue name, at their own timestamp', async () => {
    const { clock, tracker } = setup();
    const at = Math.floor(clock.now() / 1000) - 60;
    const record = (type: LogRecord['type'], meta: Record<string, string>, queue: string) => ({ type, meta, queue, timestamp: at }) as unknown as LogRecord;
    tracker.consume(record('Delivery', { tenant: 'acme' }, 'x'));
    tracker.consume(record('Bounce', {}, 'spring:acme@example.net'));
    tracker.consume(record('Feedback', { tenant: 'acme' }, 'x'));
    tracker.consume(record('Reception', { tenant: 'acme' }, 'x'));
    expect(tracker.snapshot('acme')?.recent).toEqual({ delivered: 1, bounced: 1, deferred: 0, complained: 1 });
    clock.advance(8 * 24 * HOUR);
    expect(tracker.snapshot('acme')).toEqual({ recent: { delivered: 0, bounced: 0, deferred: 0, complained: 0 }, baseline: { delivered: 0, bounced: 0, deferred: 0, complained: 0 } });
  });
});
