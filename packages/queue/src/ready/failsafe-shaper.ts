import type { Clock, LeaseResult, LimitSpec, RateSpec, Shaper, ThrottleDecision } from '@mtakit/core';

/** How long a limit that could not be checked counts as refusing. */
export const SHAPER_FAILURE_RETRY_MS = 5000;
/** At most one log line per this interval while the shaper keeps failing. */
const REPORT_EVERY_MS = 60_000;

/**
 * Wraps a shaper (whose store may be remote and unreachable) so that a failed check counts as a
 * refusal for a few seconds: nothing is sent past a limit that could not be checked, messages wait
 * in their queues instead of being dropped, and dispatchers retry calmly instead of spinning.
 * Failures are logged, at most once a minute, with how many happened.
 */
export function failsafeShaper(shaper: Shaper, clock: Clock, log: (message: string) => void): Shaper {
  let failures = 0;
  let reportedAt = -Infinity;
  const failed = (what: string, key: string, error: unknown): void => {
    failures++;
    const now = clock.now();
    if (now - reportedAt < REPORT_EVERY_MS) return;
    reportedAt = now;
    log(`shaper ${what} for ${key} failed (${failures} failure${failures === 1 ? '' : 's'} since the last report); limits count as refusing for ${SHAPER_FAILURE_RETRY_MS / 1000} s: ${(error as Error).message}`);
    failures = 0;
  };
  return {
    async throttle(key: string, spec: RateSpec, quantity?: number): Promise<ThrottleDecision> {
      try {
        return await shaper.throttle(key, spec, quantity);
      } catch (error) {
        failed('throttle', key, error);
        return { allowed: false, retryAfterMs: SHAPER_FAILURE_RETRY_MS, remaining: 0, resetAfterMs: SHAPER_FAILURE_RETRY_MS };
      }
    },
    async acquireConnection(key: string, limit: LimitSpec): Promise<LeaseResult> {
      try {
        return await shaper.acquireConnection(key, limit);
      } catch (error) {
        failed('lease', key, error);
        return { granted: false, retryAfterMs: SHAPER_FAILURE_RETRY_MS };
      }
    },
  };
}
