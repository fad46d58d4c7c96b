import type { Clock } from '@mtakit/core';

/** Default lifetime of a connection lease; holders renew well before it runs out (e.g. every 20 s). */
export const DEFAULT_LEASE_TTL_MS = 60_000;

export type LeaseAttempt = { granted: true; expiresAt: number } | { granted: false; retryAfterMs: number };

export interface LeaseState {
  /** Live leases. */
  count: number;
  /** Time until the earliest live lease expires (ms), if any. */
  nextExpiryMs: number | undefined;
}

/**
 * Connection-limit leases, in memory: per key a set of lease ids with expiry times (the same model
 * as KumoMTA's Redis sorted sets). Expired leases are pruned on every access, so a holder that
 * died without releasing gives its slot back after at most one TTL.
 */
export class LeaseTable {
  readonly #clock: Clock;
  readonly #keys = new Map<string, Map<string, number>>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Grants a lease unless `limit` live leases exist; then reports when the earliest one expires. */
  acquire(key: string, limit: number, ttlMs: number, id: string): LeaseAttempt {
    const now = this.#clock.now();
    const leases = this.#live(key, now);
    if ((leases?.size ?? 0) + 1 > limit) {
      const earliest = leases ? Math.min(...leases.values()) : undefined;
      return { granted: false, retryAfterMs: earliest === undefined ? ttlMs : earliest - now };
    }
    const expiresAt = now + ttlMs;
    this.#entry(key).set(id, expiresAt);
    return { granted: true, expiresAt };
  }

  /** Extends a live lease; false when it already expired (its slot may be someone else's now). */
  renew(key: string, id: string, ttlMs: number): boolean {
    const now = this.#clock.now();
    const leases = this.#live(key, now);
    if (!leases?.has(id)) return false;
    leases.set(id, now + ttlMs);
    return true;
  }

  release(key: string, id: string): void {
    const leases = this.#keys.get(key);
    if (!leases) return;
    leases.delete(id);
    if (leases.size === 0) this.#keys.delete(key);
  }

  state(key: string): LeaseState {
    const now = this.#clock.now();
    const leases = this.#live(key, now);
    if (!leases) return { count: 0, nextExpiryMs: undefined };
    return { count: leases.size, nextExpiryMs: Math.min(...leases.values()) - now };
  }

  keys(): string[] {
    const now = this.#clock.now();
    return [...this.#keys.keys()].filter((k) => this.#live(k, now));
  }

  #entry(key: string): Map<string, number> {
    let leases = this.#keys.get(key);
    if (!leases) this.#keys.set(key, (leases = new Map()));
    return leases;
  }

  /** The key's live leases after dropping expired ones; undefined when none are left. */
  #live(key: string, now: number): Map<string, number> | undefined {
    const leases = this.#keys.get(key);
    if (!leases) return undefined;
    for (const [id, expiresAt] of leases) if (expiresAt <= now) leases.delete(id);
    if (leases.size === 0) {
      this.#keys.delete(key);
      return undefined;
    }
    return leases;
  }
}
