/**
 * Time source for pure cores (throttles, retry schedules, automation windows). Inject a
 * `FakeClock` (from `@mtakit/core/testing`) in tests instead of faking timers.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Deferred work for the parts that schedule it (queue wakeups, retries): `after` runs `fn` once,
 * `ms` from now, and returns a function that cancels it. Inject `FakeTimers` (from
 * `@mtakit/core/testing`) to drive them from a fake clock.
 */
export interface Timers {
  after(ms: number, fn: () => void): () => void;
}

/** Real timers (setTimeout): pending work, like a message due later, keeps the process alive. */
export const systemTimers: Timers = {
  after(ms, fn) {
    const t = setTimeout(fn, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    return () => clearTimeout(t);
  },
};
