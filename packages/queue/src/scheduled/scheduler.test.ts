import { FakeTimers } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import type { ScheduledQueue } from './scheduled-queue.js';
import { Scheduler, type DueDecision } from './scheduler.js';

const T0 = Date.UTC(2026, 0, 1);

function setup(promoteBatch = 10) {
  const timers = new FakeTimers();
  timers.clock.set(T0);
  const decisions: Array<{ queue: string; decision: DueDecision }> = [];
  let suspendedUntil: number | undefined;
  const scheduler: Scheduler = new Scheduler({
    clock: timers.clock, timers, promoteBatch,
    onDue: (q: ScheduledQueue) => decisions.push({ queue: q.name, decision: scheduler.takeDue(q, suspendedUntil) }),
  });
  return { timers, scheduler, decisions, suspend: (until: number | undefined) => (suspendedUntil = until) };
}

/** Readable names for message ids (the scheduler keeps real ids only). */
const named = new Map<string, string>();
function mid(name: string): string {
  const id = `${[...name].map((c) => c.charCodeAt(0).toString(16)).join('')}`.padEnd(32, '0');
  named.set(id, name);
  return id;
}
const ids = (d: DueDecision | undefined) => d?.entries.map((e) => named.get(e.id) ?? e.id);

describe('Scheduler (fake clock)', () => {
  it('hands over messages when they fall due, in due order, one wake-up per queue', () => {
    const { timers, scheduler, decisions } = setup();
    const q = scheduler.queue('t@dest.test');
    scheduler.insert(q, { id: mid('late'), due: T0 + 5000 });
    scheduler.insert(q, { id: mid('soon'), due: T0 + 1000 });
    scheduler.insert(q, { id: mid('sooner'), due: T0 + 999 });
    expect(scheduler.count).toBe(3);
    timers.advance(998);
    expect(decisions).toEqual([]);
    timers.advance(2);
    expect(decisions.map((d) => ids(d.decision))).toEqual([['sooner'], ['soon']]);
    expect(scheduler.count).toBe(1);
    timers.advance(4000);
    expect(decisions.map((d) => ids(d.decision))).toEqual([['sooner'], ['soon'], ['late']]);
    expect(scheduler.count).toBe(0);
    expect(timers.pending).toBe(0);
  });

  it('hands over at most promoteBatch per turn and comes back at once for the rest', () => {
    const { timers, scheduler, decisions } = setup(2);
    const q = scheduler.queue('q@d.test');
    for (let i = 0; i < 5; i++) scheduler.insert(q, { id: mid(`m${i}`), due: T0 });
    timers.advance(0);
    expect(decisions.map((d) => ids(d.decision)?.length)).toEqual([2, 2, 1]);
  });

  it('while suspended, moves what came due to the suspension end (once), then hands it over', () => {
    const { timers, scheduler, decisions, suspend } = setup();
    const q = scheduler.queue('paused@d.test');
    suspend(T0 + 60_000);
    scheduler.insert(q, { id: mid('a'), due: T0 });
    scheduler.insert(q, { id: mid('b'), due: T0 + 10 });
    timers.advance(10_000);
    expect(decisions.map((d) => [d.decision.kind, ids(d.decision)])).toEqual([['held', ['a']], ['held', ['b']]]);
    expect(scheduler.count).toBe(2);
    expect(q.nextDue()).toBe(T0 + 60_000);
    suspend(undefined);
    timers.advance(50_000);
    expect(decisions.at(-1)?.decision).toMatchObject({ kind: 'promote' });
    expect(ids(decisions.at(-1)?.decision)).toEqual(['a', 'b']);
  });

  it('advance() makes what a cancelled suspension held due now', () => {
    const { timers, scheduler, decisions, suspend } = setup();
    const q = scheduler.queue('paused@d.test');
    suspend(T0 + 3_600_000);
    scheduler.insert(q, { id: mid('a'), due: T0 });
    timers.advance(0);
    suspend(undefined);
    scheduler.advance(q, T0 + 3_600_000);
    timers.advance(0);
    expect(decisions.map((d) => d.decision.kind)).toEqual(['held', 'promote']);
  });

  it('a queue blocked on a full ready queue waits until unblocked', () => {
    const { timers, scheduler, decisions } = setup();
    const q = scheduler.queue('q@d.test');
    scheduler.insert(q, { id: mid('a'), due: T0 });
    timers.advance(0);
    const [first] = decisions.splice(0);
    scheduler.block(q, first!.decision.entries[0]!, 'src->site@smtp_client');
    expect(scheduler.isBlocking('src->site@smtp_client')).toBe(true);
    scheduler.insert(q, { id: mid('b'), due: T0 });
    timers.advance(1000);
    expect(decisions).toEqual([]);
    scheduler.unblock('src->site@smtp_client');
    timers.advance(0);
    expect(ids(decisions[0]?.decision)).toEqual(['a', 'b']);
  });

  it('takes messages out by queue and id, and reaps idle empty queues', () => {
    const { timers, scheduler } = setup();
    const q = scheduler.queue('x@d.test');
    scheduler.insert(q, { id: mid('a'), due: T0 + 100 });
    scheduler.insert(q, { id: mid('b'), due: T0 + 100, batch: 'tx' });
    expect(scheduler.take((x) => x === q, new Set([mid('b')]))).toEqual([{ id: mid('b'), queue: 'x@d.test', due: T0 + 100, batch: 'tx' }]);
    expect(scheduler.take(() => true)).toMatchObject([{ id: mid('a') }]);
    expect(scheduler.count).toBe(0);
    timers.advance(200);
    scheduler.reap(60_000);
    expect(scheduler.queueCount).toBe(1);
    timers.advance(60_000);
    scheduler.reap(60_000);
    expect(scheduler.queueCount).toBe(0);
  });
});
