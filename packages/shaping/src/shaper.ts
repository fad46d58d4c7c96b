import { randomUUID } from 'node:crypto';
import type {
  Clock, ConnectionLease, LeaseResult, LimitSpec, RateSpec, Shaper, ThrottleDecision,
} from '@mtakit/core';
import { DEFAULT_LEASE_TTL_MS, type LeaseState } from './leases.js';
import { MemoryShapingStore } from './stores/memory.js';
import type { ShapingStore } from './stores/store.js';

export interface StoreShaperOptions {
  /** Where limits live. Default: a new in-process `MemoryShapingStore`. */
  store?: ShapingStore;
  /**
   * The store for `local:` specs, which never leave this process even when `store` is shared.
   * Default: `store` itself when it is not shared, else a new `MemoryShapingStore`.
   */
  localStore?: MemoryShapingStore;
  /** Lease lifetime; the holder must renew before it elapses. Default 60 s. */
  leaseTtlMs?: number;
  /** Clock of the default memory stores. Default: the system clock. */
  clock?: Clock;
}

/**
 * Core's `Shaper` over a `ShapingStore`. Throttle buckets are keyed by the caller's key plus the
 * spec's canonical text, so editing a rate starts a fresh bucket instead of inheriting a state
 * computed for another rate. `local:` specs always use the in-process store.
 */
export class StoreShaper implements Shaper {
  readonly store: ShapingStore;
  readonly localStore: MemoryShapingStore;
  readonly leaseTtlMs: number;

  constructor(options: StoreShaperOptions = {}) {
    const memory = () => new MemoryShapingStore(options.clock ? { clock: options.clock } : {});
    this.store = options.store ?? memory();
    this.localStore = options.localStore ?? (this.store instanceof MemoryShapingStore ? this.store : memory());
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  throttle(key: string, spec: RateSpec, quantity = 1): Promise<ThrottleDecision> {
    const bucket = throttleKey(key, spec);
    if (spec.local) return Promise.resolve(this.localStore.throttleSync(bucket, spec, quantity));
    return this.store.throttle(bucket, spec, quantity);
  }

  /** The bucket's state without consuming anything (for admin views). */
  peekThrottle(key: string, spec: RateSpec): Promise<ThrottleDecision> {
    return this.throttle(key, spec, 0);
  }

  async acquireConnection(key: string, limit: LimitSpec): Promise<LeaseResult> {
    const store = this.#storeFor(limit);
    const id = randomUUID();
    const attempt = await store.acquireLease(key, limit.limit, this.leaseTtlMs, id);
    if (!attempt.granted) return attempt;
    const ttl = this.leaseTtlMs;
    let released = false;
    const lease: ConnectionLease = {
      key,
      renew: () => (released ? Promise.resolve(false) : store.renewLease(key, id, ttl)),
      release: async () => {
        if (released) return;
        released = true;
        await store.releaseLease(key, id);
      },
    };
    return { granted: true, lease };
  }

  /** Live leases of a connection-limit key (for admin views). */
  leaseState(key: string, limit: LimitSpec): Promise<LeaseState> {
    return this.#storeFor(limit).leaseState(key);
  }

  #storeFor(limit: LimitSpec): ShapingStore {
    return limit.local ? this.localStore : this.store;
  }
}

/** The bucket key of a throttle: a changed spec is a different bucket. */
export function throttleKey(key: string, spec: RateSpec): string {
  return `${key}|${spec.text}`;
}

/** Creates the shaper the queue consumes (core's `Shaper`). */
export function createShaper(options: StoreShaperOptions = {}): StoreShaper {
  return new StoreShaper(options);
}
