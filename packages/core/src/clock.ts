/**
 * Time source for pure cores (throttles, retry schedules, automation windows). Inject a
 * `FakeClock` (from `@mtakit/core/testing`) in tests instead of faking timers.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
