import type { Clock, ConnectionLease, LeaseResult, LimitSpec, RateSpec, Shaper, ThrottleDecision } from '@mtakit/core';

/** How soon a refused connection slot is asked for again. */
const LEASE_RETRY_MS = 1000;

/**
 * The queue's shaper when the application gives none (the example's MTAKIT_SHAPING=off): rates
 * (GCRA) and connection limits a policy sets in its queue and egress path configs are still
 * honoured, in this process. Without it they were silently ignored. The shaping package's shaper
 * adds shared (Redis) state, leases that expire and automation.
 */
export function localShaper(clock: Clock): Shaper {
  const tats = new Map<string, number>();
  const held = new Map<string, number>();
  return {
    async throttle(key: string, spec: RateSpec, quantity = 1): Promise<ThrottleDecision> {
      const id = `${key}|${spec.limit}/${spec.periodMs}`;
      const interval = spec.periodMs / spec.limit;
      const burst = interval * Math.max(0, spec.maxBurst - 1);
      const now = clock.now();
      const tat = Math.max(tats.get(id) ?? now, now);
      const next = tat + interval * quantity;
      const wait = next - interval - burst - now;
      if (wait > 0) return { allowed: false, retryAfterMs: Math.ceil(wait), remaining: 0, resetAfterMs: Math.ceil(tat - now) };
      tats.set(id, next);
      return { allowed: true, retryAfterMs: 0, remaining: Math.max(0, Math.floor((burst + interval - (next - now)) / interval)), resetAfterMs: Math.ceil(next - now) };
    },
    async acquireConnection(key: string, limit: LimitSpec): Promise<LeaseResult> {
      const count = held.get(key) ?? 0;
      if (count >= limit.limit) return { granted: false, retryAfterMs: LEASE_RETRY_MS };
      held.set(key, count + 1);
      let released = false;
      const lease: ConnectionLease = {
        key,
        renew: async () => !released,
        release: async () => {
          if (released) return;
          released = true;
          const left = (held.get(key) ?? 1) - 1;
          if (left <= 0) held.delete(key);
          else held.set(key, left);
        },
      };
      return { granted: true, lease };
    },
  };
}
