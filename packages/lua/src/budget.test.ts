import { FakeClock } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { CallBudget, describeOverrun } from './budget.js';

describe('CallBudget', () => {
  it('counts only the time Lua runs, not the time spent awaiting the host', () => {
    const clock = new FakeClock();
    const budget = new CallBudget({ budgetMs: 50 }, clock);
    budget.resume();
    clock.advance(30);
    expect(budget.tick(1000)).toBeUndefined();
    budget.pause();
    clock.advance(500); // awaiting a provider
    budget.resume();
    clock.advance(15);
    expect(budget.tick(1000)).toBeUndefined();
    clock.advance(10);
    expect(budget.tick(1000)).toEqual({ kind: 'time', elapsedMs: 55, limit: 50 });
  });

  it('caps instructions when asked', () => {
    const budget = new CallBudget({ budgetMs: 50, maxInstructions: 2500 }, new FakeClock());
    budget.resume();
    expect(budget.tick(1000)).toBeUndefined();
    expect(budget.tick(1000)).toBeUndefined();
    const overrun = budget.tick(1000);
    expect(overrun).toEqual({ kind: 'instructions', count: 3000, limit: 2500 });
    expect(describeOverrun(overrun!)).toBe('ran 3000 Lua instructions, over its limit of 2500');
  });

  it('measures heap growth across slices against the memory limit', () => {
    let heap = 100_000;
    const budget = new CallBudget({ budgetMs: 50, memoryLimitBytes: 1000 }, new FakeClock(), () => heap);
    budget.resume();
    expect(budget.tick(1000)).toBeUndefined(); // first check: the baseline
    heap += 600;
    expect(budget.tick(1000)).toBeUndefined();
    budget.pause();
    heap -= 50_000; // collected by other work while paused
    budget.resume();
    expect(budget.tick(1000)).toBeUndefined();
    heap += 500;
    expect(budget.tick(1000)).toEqual({ kind: 'memory', bytes: 1100, limit: 1000 });
  });
});
