/**
 * Pure retry and circuit-breaker decisions for one outbound lane. No timers here: the dispatcher
 * asks "how long until the next try" and "may I send now" with the time it read from its clock.
 */
export interface BackoffOptions {
  /** First retry delay (ms). */
  initialMs: number;
  /** Longest delay between two tries (ms). */
  maxMs: number;
}

/**
 * Exponential backoff with "full jitter": a uniformly random delay in [d/2, d] where d doubles per
 * failure up to `maxMs`. The random half keeps many lanes that failed together from retrying in step.
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(Math.max(0, failures - 1), 40));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses before letting one trial batch through (ms). */
  cooldownMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** A circuit breaker: after `failureThreshold` failures in a row, no request for `cooldownMs`. */
export class CircuitBreaker {
  #failures = 0;
  #openedAt: number | null = null;

  constructor(private readonly options: BreakerOptions) {}

  state(now: number): BreakerState {
    if (this.#openedAt === null) return 'closed';
    return now - this.#openedAt >= this.options.cooldownMs ? 'half-open' : 'open';
  }

  /** Milliseconds until a request may go out (0 when closed or half-open). */
  waitMs(now: number): number {
    return this.#openedAt === null ? 0 : Math.max(0, this.#openedAt + this.options.cooldownMs - now);
  }

  success(): void {
    this.#failures = 0;
    this.#openedAt = null;
  }

  failure(now: number): void {
    this.#failures += 1;
    // A failed trial in half-open re-opens at once; in closed, only at the threshold.
    if (this.#openedAt !== null || this.#failures >= this.options.failureThreshold) this.#openedAt = now;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }
}
