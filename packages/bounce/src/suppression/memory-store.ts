import { systemClock, type Clock } from '@mtakit/core';
import type { SuppressionEntry, SuppressionKey } from './entry.js';
import { SuppressionIndex } from './index-map.js';
import type { SuppressionFilter, SuppressionStore } from './store.js';

export interface MemorySuppressionStoreOptions {
  /** Decides what has expired. Default: the system clock. */
  clock?: Clock;
}

/** A suppression store in memory only: for tests, and for lists rebuilt from elsewhere at start. */
export class MemorySuppressionStore implements SuppressionStore {
  readonly #index = new SuppressionIndex();
  readonly #clock: Clock;

  constructor(options: MemorySuppressionStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#index.size;
  }

  async check(recipient: string, tenant?: string | null): Promise<SuppressionEntry | undefined> {
    return this.#index.check(recipient, tenant, this.#clock.now());
  }

  async get(key: SuppressionKey): Promise<SuppressionEntry | undefined> {
    return this.#index.get(key, this.#clock.now());
  }

  async put(entries: readonly SuppressionEntry[]): Promise<void> {
    for (const e of entries) this.#index.put(e);
  }

  async remove(keys: readonly SuppressionKey[]): Promise<number> {
    return keys.filter((k) => this.#index.remove(k)).length;
  }

  async *entries(filter?: SuppressionFilter): AsyncIterable<SuppressionEntry> {
    yield* this.#index.entries(filter, this.#clock.now());
  }

  async countSoftBounce(key: SuppressionKey, messageId: string, at: number, windowMs: number): Promise<number> {
    return this.#index.countSoftBounce(key, messageId, at, windowMs);
  }

  async close(): Promise<void> {}
}
