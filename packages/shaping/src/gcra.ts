import { MtaKitError, type RateSpec, type ThrottleDecision } from '@mtakit/core';

/**
 * GCRA (generic cell rate algorithm) with redis-cell's semantics, as KumoMTA uses it. The whole
 * state of a bucket is one number, its TAT (theoretical arrival time, ms): the time at which the
 * bucket would be empty again. This function is the single definition of the algorithm; the
 * memory store calls it and the Redis script (stores/redis-scripts.ts) mirrors it line by line.
 */
export interface GcraOutcome extends ThrottleDecision {
  /** The TAT to store: the new one when allowed, the old one (or undefined) when throttled. */
  readonly tat: number | undefined;
}

/**
 * Float slack (ms) in the admission test. Intervals like 1000/3 ms are not exact in binary, so a
 * long run of admissions would otherwise drift by one at boundaries.
 */
export const GCRA_EPSILON_MS = 1e-6;

export type GcraSpec = Pick<RateSpec, 'limit' | 'periodMs' | 'maxBurst' | 'text'>;

/**
 * Decides whether `quantity` units may pass at `now`, given the stored TAT. A quantity of 0 only
 * reports the bucket's state (remaining, reset) without consuming anything.
 */
export function gcra(storedTat: number | undefined, now: number, spec: GcraSpec, quantity = 1): GcraOutcome {
  checkQuantity(spec, quantity);
  const interval = spec.periodMs / spec.limit;
  const burstOffset = interval * spec.maxBurst;
  const tat = storedTat === undefined ? now : Math.max(storedTat, now);
  const newTat = tat + interval * quantity;
  const allowAt = newTat - burstOffset;
  if (now + GCRA_EPSILON_MS >= allowAt) {
    return {
      allowed: true,
      retryAfterMs: 0,
      remaining: unitsBefore(now - allowAt, interval),
      resetAfterMs: newTat - now,
      tat: quantity === 0 ? storedTat : newTat,
    };
  }
  return {
    allowed: false,
    retryAfterMs: allowAt - now,
    remaining: unitsBefore(now - (tat - burstOffset), interval),
    resetAfterMs: tat - now,
    tat: storedTat,
  };
}

/** A quantity larger than the burst could never pass: that is a caller bug, not a throttle. */
export function checkQuantity(spec: GcraSpec, quantity: number): void {
  if (!Number.isSafeInteger(quantity) || quantity < 0 || quantity > spec.maxBurst) {
    throw new MtaKitError('E_RATE', `throttle quantity ${quantity} must be an integer between 0 and max_burst (${spec.maxBurst}) of "${spec.text}"`);
  }
}

function unitsBefore(slackMs: number, interval: number): number {
  return Math.max(0, Math.floor((slackMs + GCRA_EPSILON_MS) / interval));
}
