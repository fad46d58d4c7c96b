import type { Clock } from '@mtakit/core';

export interface BreakerOptions {
  /** Overruns within `windowMs` that open the breaker. Default 3. */
  threshold?: number;
  /** Window in which overruns are counted, in ms. Default 60 000. */
  windowMs?: number;
  /** How long the breaker stays open before Lua is tried again, in ms. Default 30 000. */
  quietMs?: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * A circuit breaker for one policy event. Repeated budget overruns open it; while open, callers
 * use their fallback. After the quiet period the next call tries Lua again (half-open): if it stays
 * within budget the breaker closes, if it overruns the breaker opens for another quiet period.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #windowMs: number;
  readonly #quietMs: number;
  #state: BreakerState = 'closed';
  #overruns: number[] = [];
  #openedAt = 0;

  constructor(options: BreakerOptions, private readonly clock: Clock) {
    this.#threshold = options.threshold ?? 3;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#quietMs = options.quietMs ?? 30_000;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Whether Lua may run now; moves an open breaker whose quiet period ended to half-open. */
  allow(): boolean {
    if (this.#state === 'open' && this.clock.now() - this.#openedAt >= this.#quietMs) this.#state = 'half-open';
    return this.#state !== 'open';
  }

  /** A call finished within budget. Returns 'closed' when this closed a half-open breaker. */
  recordSuccess(): 'closed' | undefined {
    if (this.#state !== 'half-open') return undefined;
    this.#state = 'closed';
    this.#overruns = [];
    return 'closed';
  }

  /** A call overran its budget. Returns 'opened' when this opened the breaker. */
  recordOverrun(): 'opened' | undefined {
    const now = this.clock.now();
    if (this.#state === 'half-open') return this.#open(now);
    this.#overruns = this.#overruns.filter((t) => now - t < this.#windowMs);
    this.#overruns.push(now);
    return this.#state === 'closed' && this.#overruns.length >= this.#threshold ? this.#open(now) : undefined;
  }

  #open(now: number): 'opened' {
    this.#state = 'open';
    this.#openedAt = now;
    this.#overruns = [];
    return 'opened';
  }
}
