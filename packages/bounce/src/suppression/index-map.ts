import { entryKey, isLive, type SuppressionEntry, type SuppressionKey } from './entry.js';
import { matchesFilter, type SuppressionFilter } from './store.js';

/** A soft bounce seen: which message, when. */
export interface SoftBounceEvent extends SuppressionKey {
  messageId: string;
  at: number;
}

/** Soft-bounce keys are swept for stale events every this many events. */
const SWEEP_EVERY = 4096;

/**
 * The in-memory index behind the embedded stores: entries by scope + recipient, and recent soft
 * bounces per scope + recipient. Synchronous and clock-free (callers pass `now`), so `check` is a
 * map lookup or two. Expired entries are dropped when met.
 */
export class SuppressionIndex {
  readonly #entries = new Map<string, SuppressionEntry>();
  readonly #soft = new Map<string, { key: SuppressionKey; events: Map<string, number> }>();
  #softWindowMs = 0;
  #softSinceSweep = 0;

  get size(): number {
    return this.#entries.size;
  }

  check(recipient: string, tenant: string | null | undefined, now: number): SuppressionEntry | undefined {
    return (tenant ? this.get({ recipient, tenant }, now) : undefined) ?? this.get({ recipient, tenant: null }, now);
  }

  get(key: SuppressionKey, now: number): SuppressionEntry | undefined {
    const k = entryKey(key.recipient, key.tenant);
    const entry = this.#entries.get(k);
    if (!entry) return undefined;
    if (isLive(entry, now)) return entry;
    this.#entries.delete(k);
    return undefined;
  }

  put(entry: SuppressionEntry): void {
    this.#entries.set(entryKey(entry.recipient, entry.tenant), entry);
  }

  remove(key: SuppressionKey): boolean {
    return this.#entries.delete(entryKey(key.recipient, key.tenant));
  }

  *entries(filter: SuppressionFilter | undefined, now: number): Iterable<SuppressionEntry> {
    if (filter?.recipient !== undefined && filter.tenant !== undefined) {
      const e = this.get({ recipient: filter.recipient, tenant: filter.tenant }, now);
      if (e && matchesFilter(e, filter)) yield e;
      return;
    }
    for (const entry of this.#entries.values()) if (isLive(entry, now) && matchesFilter(entry, filter)) yield entry;
  }

  countSoftBounce(key: SuppressionKey, messageId: string, at: number, windowMs: number): number {
    this.restoreSoftBounce({ ...key, messageId, at });
    const slot = this.#softSlot(key);
    for (const [id, t] of slot.events) if (t <= at - windowMs) slot.events.delete(id);
    this.#softWindowMs = Math.max(this.#softWindowMs, windowMs);
    if (++this.#softSinceSweep >= SWEEP_EVERY) this.sweepSoft(at - this.#softWindowMs);
    return slot.events.size;
  }

  /** Restores a soft bounce read back from a journal (no window applied until the next count). */
  restoreSoftBounce(event: SoftBounceEvent): void {
    const slot = this.#softSlot(event);
    slot.events.set(event.messageId, Math.max(event.at, slot.events.get(event.messageId) ?? 0));
  }

  #softSlot(key: SuppressionKey): { key: SuppressionKey; events: Map<string, number> } {
    const k = entryKey(key.recipient, key.tenant);
    let slot = this.#soft.get(k);
    if (!slot) {
      slot = { key: { recipient: key.recipient, tenant: key.tenant }, events: new Map() };
      this.#soft.set(k, slot);
    }
    return slot;
  }

  /** Forgets soft bounces at or before `before` (keeps memory bounded by the window). */
  sweepSoft(before: number): void {
    this.#softSinceSweep = 0;
    for (const [k, slot] of this.#soft) {
      for (const [id, t] of slot.events) if (t <= before) slot.events.delete(id);
      if (slot.events.size === 0) this.#soft.delete(k);
    }
  }

  *softEvents(): Iterable<SoftBounceEvent> {
    for (const { key, events } of this.#soft.values()) {
      for (const [messageId, at] of events) yield { ...key, messageId, at };
    }
  }

  /** Drops expired entries; returns how many. */
  sweepExpired(now: number): number {
    let dropped = 0;
    for (const [k, entry] of this.#entries) {
      if (!isLive(entry, now)) {
        this.#entries.delete(k);
        dropped++;
      }
    }
    return dropped;
  }
}
