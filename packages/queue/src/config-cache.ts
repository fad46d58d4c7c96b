import type { Clock } from '@mtakit/core';

interface Slot<V> {
  value: Promise<V>;
  expires: number;
  epoch: number;
}

/**
 * Caches the results of config hooks (queue, pool, source, path config) per key, for each
 * result's own lifetime, and until the config epoch is bumped. Concurrent misses of one key share
 * one hook call; a failed call is not cached.
 */
export class ConfigCache<V> {
  readonly #slots = new Map<string, Slot<V>>();
  readonly #clock: Clock;
  #epoch = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Loads through the cache; `lifetime(v)` is how long a result stays valid (ms; Infinity = until the epoch changes). */
  get(key: string, load: () => Promise<V>, lifetime: (value: V) => number): Promise<V> {
    const now = this.#clock.now();
    const slot = this.#slots.get(key);
    if (slot && slot.epoch === this.#epoch && slot.expires > now) return slot.value;
    const epoch = this.#epoch;
    const value = load();
    const fresh: Slot<V> = { value, expires: Infinity, epoch };
    this.#slots.set(key, fresh);
    value.then(
      (v) => {
        fresh.expires = now + lifetime(v);
      },
      () => {
        if (this.#slots.get(key) === fresh) this.#slots.delete(key);
      },
    );
    return value;
  }

  /** Invalidates everything (KumoMTA's config epoch bump). */
  bumpEpoch(): number {
    this.#slots.clear();
    return ++this.#epoch;
  }

  get epoch(): number {
    return this.#epoch;
  }

  delete(key: string): void {
    this.#slots.delete(key);
  }

  /** Removes expired entries. */
  sweep(): void {
    const now = this.#clock.now();
    for (const [key, slot] of this.#slots) if (slot.expires <= now || slot.epoch !== this.#epoch) this.#slots.delete(key);
  }
}
