import { ConfigError, type Message } from '@mtakit/core';
import { HOLD_META } from '../batches.js';

/** Default budget of a disk spool's cache. */
const DELIVERY_CACHE_BYTES = 32 * 1024 * 1024;
/** A message stored longer ago than this is not "about to be delivered": its load reads the disk. */
const DELIVERY_CACHE_MS = 2000;

/** The cache of `DiskSpoolOptions.deliveryCacheBytes` (undefined = the default), or none for 0. */
export function deliveryCache(bytes: number = DELIVERY_CACHE_BYTES): DeliveryCache | undefined {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new ConfigError('deliveryCacheBytes', bytes, 'must be a whole number of bytes, 0 or more (0 = off)');
  return bytes > 0 ? new DeliveryCache(bytes, DELIVERY_CACHE_MS) : undefined;
}

/** One message's latest meta (the stored JSON) and its data, as they went to disk. */
export interface CachedMessage {
  readonly meta: string;
  readonly data: Buffer;
}

interface Entry extends CachedMessage {
  readonly bytes: number;
  readonly at: number;
}

/** Hits (loads served from memory), misses (read from disk), and what is held now. */
export interface DeliveryCacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

/**
 * The bytes of messages just stored and about to be delivered, so that the delivery that follows
 * a few milliseconds later does not read them back from the spool. The spool stays the truth:
 * an entry is added only once its record is durable, follows its meta updates, and is dropped on
 * removal, on its first load, after `maxAgeMs`, and oldest first past `maxBytes`. Entries are
 * taken once, so insertion order is also the order of use: a Map is the LRU.
 */
export class DeliveryCache {
  readonly #maxBytes: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(maxBytes: number, maxAgeMs: number, now: () => number = Date.now) {
    this.#maxBytes = maxBytes;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  get stats(): DeliveryCacheStats {
    return { hits: this.#hits, misses: this.#misses, entries: this.#entries.size, bytes: this.#bytes };
  }

  /** A message just made durable, with its stored meta; kept only when due now and not held. */
  keep(message: Message, meta: string): void {
    const now = this.#now();
    if ((message.due !== undefined && message.due > now) || message.getMeta(HOLD_META) !== undefined) return;
    const data = message.getData();
    // Charged by the memory the data keeps alive (a view into a larger Buffer keeps all of it).
    const bytes = 2 * meta.length + data.buffer.byteLength;
    if (bytes > this.#maxBytes) return;
    this.forget(message.id);
    this.#entries.set(message.id, { meta, data, bytes, at: now });
    this.#bytes += bytes;
    this.#evict(now);
  }

  /** A newer meta of a cached message (the spool wrote it). */
  updateMeta(id: string, meta: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const bytes = entry.bytes + 2 * (meta.length - entry.meta.length);
    this.#entries.set(id, { ...entry, meta, bytes });
    this.#bytes += bytes - entry.bytes;
    this.#evict(this.#now());
  }

  /** The message, removed from the cache (a delivery reads it once); undefined = read the disk. */
  take(id: string): CachedMessage | undefined {
    const entry = this.#entries.get(id);
    if (entry) this.#drop(id, entry);
    if (!entry || entry.at + this.#maxAgeMs < this.#now()) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return entry;
  }

  forget(id: string): void {
    const entry = this.#entries.get(id);
    if (entry) this.#drop(id, entry);
  }

  #drop(id: string, entry: Entry): void {
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
  }

  #evict(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes && entry.at + this.#maxAgeMs >= now) return;
      this.#drop(id, entry);
    }
  }
}
