import type { RateSpec, ThrottleDecision } from '@mtakit/core';
import type { LeaseAttempt, LeaseState } from '../leases.js';

/** Anything the automation engine keeps with an expiry: stored as JSON, replaced by `id`. */
export interface ExpiringRecord {
  readonly id: string;
  /** Expiry, ms since the epoch. */
  readonly expires: number;
  readonly [field: string]: unknown;
}

/**
 * Where throttles, connection leases and automation/warm-up state live. `MemoryShapingStore`
 * keeps them in this process (optionally persisting the automation and warm-up state to a JSON
 * file); `RedisShapingStore` shares everything between the processes that use the same Redis.
 */
export interface ShapingStore {
  /** True when other processes see the same state (Redis). */
  readonly shared: boolean;

  /** GCRA on `key` (which should embed the spec's text). Quantity 0 only reports the state. */
  throttle(key: string, spec: RateSpec, quantity: number): Promise<ThrottleDecision>;
  acquireLease(key: string, limit: number, ttlMs: number, id: string): Promise<LeaseAttempt>;
  renewLease(key: string, id: string, ttlMs: number): Promise<boolean>;
  releaseLease(key: string, id: string): Promise<void>;
  leaseState(key: string): Promise<LeaseState>;

  /**
   * Adds an event at time `at` to the sliding window `scope` and returns how many events lie in
   * (now - windowMs, now]. Older events are forgotten.
   */
  countEvent(scope: string, at: number, windowMs: number, now: number): Promise<number>;
  /** Stores (or replaces, by id) an expiring record. */
  putEffect(effect: ExpiringRecord): Promise<void>;
  /** Records not yet expired at `now`; expired ones are dropped. */
  listEffects(now: number): Promise<ExpiringRecord[]>;
  /** A small named JSON document (warm-up state). */
  getDocument(name: string): Promise<unknown>;
  putDocument(name: string, value: unknown): Promise<void>;

  /** Waits for pending persistence, then releases connections the store owns. */
  close(): Promise<void>;
}
