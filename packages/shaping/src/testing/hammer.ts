import type { RateSpec, Shaper } from '@mtakit/core';

export interface HammerResult {
  admitted: number;
  /** Wall-clock times (ms) of the first and last admission. */
  firstAt: number;
  lastAt: number;
}

/**
 * Asks for one unit after another for `durationMs`, waiting as told when throttled, the way a
 * dispatcher would. Used by the cluster tests and the benchmark.
 */
export async function hammer(shaper: Shaper, key: string, spec: RateSpec, durationMs: number): Promise<HammerResult> {
  const end = Date.now() + durationMs;
  let admitted = 0;
  let firstAt = 0;
  let lastAt = 0;
  while (Date.now() < end) {
    const d = await shaper.throttle(key, spec);
    if (d.allowed) {
      lastAt = Date.now();
      if (admitted++ === 0) firstAt = lastAt;
    } else {
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(d.retryAfterMs, end - Date.now()))));
    }
  }
  return { admitted, firstAt, lastAt };
}
