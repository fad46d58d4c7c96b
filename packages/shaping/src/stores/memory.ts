import { systemClock, type Clock, type RateSpec, type ThrottleDecision } from '@mtakit/core';
import { gcra } from '../gcra.js';
import { LeaseTable, type LeaseAttempt, type LeaseState } from '../leases.js';
import { readJsonFile, writeJsonFileAtomic } from './json-file.js';
import type { ExpiringRecord, ShapingStore } from './store.js';

export interface MemoryShapingStoreOptions {
  /** Time source for throttles and leases. Default: the system clock. */
  clock?: Clock;
  /**
   * Persist automation effects, threshold windows and warm-up state to this JSON file (written
   * atomically), so they survive a restart. Throttles and leases are never persisted: they are
   * meaningless after a restart. Default: no file.
   */
  stateFile?: string;
  /** Sweep expired throttle buckets after this many throttle calls. Default 4096. */
  sweepEvery?: number;
}

interface PersistedState {
  version: 1;
  effects: ExpiringRecord[];
  windows: Record<string, number[]>;
  documents: Record<string, unknown>;
}

/** The in-process store (the default). Create with `MemoryShapingStore.open()` to load a state file. */
export class MemoryShapingStore implements ShapingStore {
  readonly shared = false;
  readonly #clock: Clock;
  readonly #stateFile: string | undefined;
  readonly #sweepEvery: number;
  readonly #buckets = new Map<string, number>();
  readonly #leases: LeaseTable;
  readonly #windows = new Map<string, number[]>();
  readonly #effects = new Map<string, ExpiringRecord>();
  readonly #documents = new Map<string, unknown>();
  #callsSinceSweep = 0;
  #dirty = false;
  #saving: Promise<void> | undefined;

  constructor(options: MemoryShapingStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#stateFile = options.stateFile;
    this.#sweepEvery = options.sweepEvery ?? 4096;
    this.#leases = new LeaseTable(this.#clock);
  }

  /** Creates a store and loads its state file, if any. */
  static async open(options: MemoryShapingStoreOptions = {}): Promise<MemoryShapingStore> {
    const store = new MemoryShapingStore(options);
    if (options.stateFile) store.#restore(await readJsonFile(options.stateFile));
    return store;
  }

  async throttle(key: string, spec: RateSpec, quantity: number): Promise<ThrottleDecision> {
    return this.throttleSync(key, spec, quantity);
  }

  /** The same decision without a promise (the shaper's hot path for `local:` specs). */
  throttleSync(key: string, spec: RateSpec, quantity: number): ThrottleDecision {
    const now = this.#clock.now();
    if (++this.#callsSinceSweep >= this.#sweepEvery) this.#sweep(now);
    const { tat, ...decision } = gcra(this.#buckets.get(key), now, spec, quantity);
    if (tat !== undefined) this.#buckets.set(key, tat);
    return decision;
  }

  async acquireLease(key: string, limit: number, ttlMs: number, id: string): Promise<LeaseAttempt> {
    return this.#leases.acquire(key, limit, ttlMs, id);
  }

  async renewLease(key: string, id: string, ttlMs: number): Promise<boolean> {
    return this.#leases.renew(key, id, ttlMs);
  }

  async releaseLease(key: string, id: string): Promise<void> {
    this.#leases.release(key, id);
  }

  async leaseState(key: string): Promise<LeaseState> {
    return this.#leases.state(key);
  }

  async countEvent(scope: string, at: number, windowMs: number, now: number): Promise<number> {
    const events = (this.#windows.get(scope) ?? []).filter((t) => t > now - windowMs);
    if (at > now - windowMs) events.push(at);
    if (events.length === 0) this.#windows.delete(scope);
    else this.#windows.set(scope, events);
    this.#changed();
    return events.length;
  }

  async putEffect(effect: ExpiringRecord): Promise<void> {
    this.#effects.set(effect.id, effect);
    this.#changed();
  }

  async listEffects(now: number): Promise<ExpiringRecord[]> {
    let dropped = false;
    for (const [id, effect] of this.#effects) {
      if (effect.expires <= now) {
        this.#effects.delete(id);
        dropped = true;
      }
    }
    if (dropped) this.#changed();
    return [...this.#effects.values()];
  }

  async getDocument(name: string): Promise<unknown> {
    return this.#documents.get(name);
  }

  async putDocument(name: string, value: unknown): Promise<void> {
    this.#documents.set(name, value);
    this.#changed();
  }

  /** Resolves once the state file reflects every change made so far. */
  async flush(): Promise<void> {
    while (this.#saving) await this.#saving;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  #changed(): void {
    if (!this.#stateFile) return;
    this.#dirty = true;
    // One write at a time; changes made during a write are picked up by the next one.
    this.#saving ??= this.#saveLoop(this.#stateFile);
  }

  /**
   * Writes snapshots until no change is left. `#saving` is cleared in the same synchronous step
   * that finds nothing dirty (not in a later .finally), so a change made right after always
   * starts a new save.
   */
  async #saveLoop(file: string): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        await writeJsonFileAtomic(file, this.#snapshot());
      }
    } finally {
      this.#saving = undefined;
    }
  }

  #snapshot(): PersistedState {
    return {
      version: 1,
      effects: [...this.#effects.values()],
      windows: Object.fromEntries(this.#windows),
      documents: Object.fromEntries(this.#documents),
    };
  }

  #restore(raw: unknown): void {
    if (raw === undefined) return;
    const state = raw as Partial<PersistedState>;
    for (const effect of state.effects ?? []) this.#effects.set(effect.id, effect);
    for (const [scope, events] of Object.entries(state.windows ?? {})) this.#windows.set(scope, events);
    for (const [name, value] of Object.entries(state.documents ?? {})) this.#documents.set(name, value);
  }

  /** A bucket whose TAT has passed is identical to a missing one, so it can go. */
  #sweep(now: number): void {
    this.#callsSinceSweep = 0;
    for (const [key, tat] of this.#buckets) if (tat <= now) this.#buckets.delete(key);
  }
}
