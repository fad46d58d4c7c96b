import { MtaKitError, systemClock, type Clock, type OutsideStoreStatus, type RateSpec, type ThrottleDecision } from '@mtakit/core';
import type { LeaseAttempt, LeaseState } from '../leases.js';
import { MemoryShapingStore } from './memory.js';
import type { ExpiringRecord, ShapingStore } from './store.js';

export interface FailoverShapingStoreOptions {
  /** The shared store (Redis). */
  shared: ShapingStore;
  /** Whether the shared store is reachable; marked down here too when a call fails. */
  status: OutsideStoreStatus;
  /** While the shared store is down, one call in this interval tries it again. Default 1000 ms. */
  probeIntervalMs?: number;
  clock?: Clock;
}

/** The degraded mode, as health checks and logs describe it. */
export const SHAPING_DEGRADED_MODE = 'throttles, connection limits and automation use this node\'s own state until the store is back';

/**
 * A shared shaping store that fails safe: while it is unreachable, throttles, connection leases
 * and event windows fall back to this process's memory (each node then enforces the limits on
 * its own), automation effects are kept here and written to the shared store once it is back,
 * and the last effects read from it stay in force. A store known to be down is not waited for:
 * only one call per probe interval tries it.
 */
export class FailoverShapingStore implements ShapingStore {
  readonly shared = true;
  readonly #shared: ShapingStore;
  readonly #local: MemoryShapingStore;
  readonly #status: OutsideStoreStatus;
  readonly #probeMs: number;
  readonly #clock: Clock;
  #lastTry = 0;
  /** Leases granted by the local store (`key\0id`): renewed and released there. */
  readonly #localLeases = new Set<string>();
  /** Effects written while the shared store was down, to be written there when it is back. */
  readonly #pendingEffects = new Map<string, ExpiringRecord>();
  #lastSharedEffects: ExpiringRecord[] = [];

  constructor(options: FailoverShapingStoreOptions) {
    this.#shared = options.shared;
    this.#status = options.status;
    this.#probeMs = options.probeIntervalMs ?? 1000;
    this.#clock = options.clock ?? systemClock;
    this.#local = new MemoryShapingStore({ clock: this.#clock });
  }

  throttle(key: string, spec: RateSpec, quantity: number): Promise<ThrottleDecision> {
    return this.#either((s) => s.throttle(key, spec, quantity), () => this.#local.throttle(key, spec, quantity));
  }

  async acquireLease(key: string, limit: number, ttlMs: number, id: string): Promise<LeaseAttempt> {
    let local = false;
    const attempt = await this.#either((s) => s.acquireLease(key, limit, ttlMs, id), () => {
      local = true;
      return this.#local.acquireLease(key, limit, ttlMs, id);
    });
    if (local && attempt.granted) this.#localLeases.add(`${key}\0${id}`);
    return attempt;
  }

  renewLease(key: string, id: string, ttlMs: number): Promise<boolean> {
    if (this.#localLeases.has(`${key}\0${id}`)) return this.#local.renewLease(key, id, ttlMs);
    // A connection leased from the shared store keeps going while the store cannot confirm it.
    return this.#either((s) => s.renewLease(key, id, ttlMs), () => Promise.resolve(true));
  }

  async releaseLease(key: string, id: string): Promise<void> {
    if (this.#localLeases.delete(`${key}\0${id}`)) return this.#local.releaseLease(key, id);
    // Unreleased, the shared lease expires by itself.
    await this.#either((s) => s.releaseLease(key, id), () => Promise.resolve());
  }

  leaseState(key: string): Promise<LeaseState> {
    return this.#either((s) => s.leaseState(key), () => this.#local.leaseState(key));
  }

  countEvent(scope: string, at: number, windowMs: number, now: number): Promise<number> {
    return this.#either((s) => s.countEvent(scope, at, windowMs, now), () => this.#local.countEvent(scope, at, windowMs, now));
  }

  async putEffect(effect: ExpiringRecord): Promise<void> {
    await this.#either((s) => s.putEffect(effect), async () => void this.#pendingEffects.set(effect.id, effect));
  }

  async listEffects(now: number): Promise<ExpiringRecord[]> {
    const pending = [...this.#pendingEffects.values()].filter((e) => e.expires > now);
    return this.#either(async (s) => {
      for (const effect of pending) {
        await s.putEffect(effect);
        this.#pendingEffects.delete(effect.id);
      }
      this.#lastSharedEffects = await s.listEffects(now);
      return this.#lastSharedEffects;
    }, async () => {
      // The effects last seen stay in force; a suspension must not lapse because Redis did.
      const known = new Map([...this.#lastSharedEffects, ...pending].filter((e) => e.expires > now).map((e) => [e.id, e]));
      return [...known.values()];
    });
  }

  getDocument(name: string): Promise<unknown> {
    return this.#shared.getDocument(name);
  }

  putDocument(name: string, value: unknown): Promise<void> {
    return this.#shared.putDocument(name, value);
  }

  async close(): Promise<void> {
    await Promise.all([this.#shared.close(), this.#local.close()]);
  }

  /** Runs `onShared` unless the store is known down (and not due for a probe); falls back on a connection error. */
  async #either<T>(onShared: (s: ShapingStore) => Promise<T>, onLocal: () => Promise<T>): Promise<T> {
    const now = this.#clock.now();
    if (!this.#status.up && now - this.#lastTry < this.#probeMs) return onLocal();
    this.#lastTry = now;
    try {
      const result = await onShared(this.#shared);
      this.#status.markUp();
      return result;
    } catch (error) {
      if (!(error instanceof MtaKitError && error.code === 'E_CONNECTION')) throw error;
      this.#status.markDown(error);
      return onLocal();
    }
  }
}
