import type { Clock } from '../clock.js';

export interface AuthFailureLimiterOptions {
  clock: Clock;
  /** Failures per key answered without delay. Default 3. */
  freeFailures?: number;
  /** Delay of the first slowed failure, doubled for each further one. Default 500 ms. */
  delayMs?: number;
  /** Longest delay. Default 8 s. */
  maxDelayMs?: number;
  /** Failures within `windowMs` that lock a key. Default 10. */
  lockAfter?: number;
  /** How long failures are remembered. Default 15 min. */
  windowMs?: number;
  /** How long a lockout lasts. Default 15 min. */
  lockoutMs?: number;
  /** Keys remembered at most (the oldest are forgotten first): bounds memory under a spray. Default 100,000. */
  maxKeys?: number;
}

/** The verdict for an attempt: refuse at once while locked, else answer (a failure after `delayMs`). */
export interface AuthAttemptVerdict {
  /** The first locked key, if any: the attempt is refused whatever the password. */
  locked: string | undefined;
  /** When the lockout ends (ms since the epoch). */
  lockedUntil: number | undefined;
  /** How long until then, in ms. */
  retryAfterMs: number | undefined;
}

interface Entry {
  failures: number;
  firstAt: number;
  lockedUntil: number;
}

/**
 * Slows and then locks password guessing, per key across connections: callers pass one key per
 * client address and one per user name (`ip:198.51.100.7`, `user:alice`), so a spray over many
 * users from one address and a slow guess at one user from many addresses are both caught.
 * Pure: an injected clock, no timers; the caller waits `failure()`'s delay before answering.
 * Lockouts expire on their own; a success clears its keys' failures (not a lockout).
 */
export class AuthFailureLimiter {
  readonly #o: Required<AuthFailureLimiterOptions>;
  readonly #entries = new Map<string, Entry>();

  constructor(options: AuthFailureLimiterOptions) {
    this.#o = { freeFailures: 3, delayMs: 500, maxDelayMs: 8_000, lockAfter: 10, windowMs: 15 * 60_000, lockoutMs: 15 * 60_000, maxKeys: 100_000, ...options };
  }

  /** Before checking a password. */
  check(keys: readonly string[]): AuthAttemptVerdict {
    const now = this.#o.clock.now();
    for (const key of keys) {
      const entry = this.#live(key, now);
      if (entry && entry.lockedUntil > now) return { locked: key, lockedUntil: entry.lockedUntil, retryAfterMs: entry.lockedUntil - now };
    }
    return { locked: undefined, lockedUntil: undefined, retryAfterMs: undefined };
  }

  /** After a wrong password: how long to wait before answering, and the keys this failure locked. */
  failure(keys: readonly string[]): { delayMs: number; lockedNow: string[] } {
    const now = this.#o.clock.now();
    let worst = 0;
    const lockedNow: string[] = [];
    for (const key of keys) {
      const entry = this.#live(key, now) ?? { failures: 0, firstAt: now, lockedUntil: 0 };
      entry.failures++;
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      if (entry.failures >= this.#o.lockAfter && entry.lockedUntil <= now) {
        entry.lockedUntil = now + this.#o.lockoutMs;
        lockedNow.push(key);
      }
      worst = Math.max(worst, entry.failures);
    }
    this.#evict();
    const slowed = worst - this.#o.freeFailures;
    const delayMs = slowed <= 0 ? 0 : Math.min(this.#o.maxDelayMs, this.#o.delayMs * 2 ** Math.min(slowed - 1, 30));
    return { delayMs, lockedNow };
  }

  /** After a right password (only asked when `check` found no lock). */
  success(keys: readonly string[]): void {
    for (const key of keys) this.#entries.delete(key);
  }

  /** Keys remembered (for a gauge). */
  get size(): number {
    return this.#entries.size;
  }

  /** The key's entry unless its failures and lockout are both over. */
  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.lockedUntil <= now && now - entry.firstAt >= this.#o.windowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#o.maxKeys) return;
      this.#entries.delete(key);
    }
  }
}
