import type { LogRecord, LogRecordType } from '@mtakit/core';
import { LRUCache } from 'lru-cache';
import { tenantOfRecord } from './log-record.js';

/** What a store knows about one recipient of one tenant (Unix ms). */
export interface RecipientHistory {
  firstSentAt?: number;
  lastSentAt?: number;
  /** Last open, click or reply the application recorded. */
  lastEngagedAt?: number;
}

/**
 * Where the list-freshness stage reads recipient history. Implement it over the application's own
 * subscriber database; `MemoryFreshnessStore` is the in-process default.
 */
export interface FreshnessStore {
  get(tenant: string, recipient: string): RecipientHistory | undefined | Promise<RecipientHistory | undefined>;
}

export interface MemoryFreshnessStoreOptions {
  /** Recipients remembered across all tenants (least recently used dropped first). Default 200,000. */
  maxEntries?: number;
}

/**
 * In-memory recipient history: sends are learned from Delivery log records (`consume`), engagement
 * from the application (`recordEngagement`). Bounded, and lost on restart; a durable deployment
 * implements `FreshnessStore` over its own database.
 */
export class MemoryFreshnessStore implements FreshnessStore {
  readonly #entries: LRUCache<string, RecipientHistory>;

  constructor(options: MemoryFreshnessStoreOptions = {}) {
    this.#entries = new LRUCache({ max: options.maxEntries ?? 200_000 });
  }

  get(tenant: string, recipient: string): RecipientHistory | undefined {
    return this.#entries.get(key(tenant, recipient));
  }

  recordSend(tenant: string, recipient: string, at: number): void {
    const h = this.#entry(tenant, recipient);
    h.firstSentAt = Math.min(h.firstSentAt ?? at, at);
    h.lastSentAt = Math.max(h.lastSentAt ?? at, at);
  }

  recordEngagement(tenant: string, recipient: string, at: number): void {
    const h = this.#entry(tenant, recipient);
    h.lastEngagedAt = Math.max(h.lastEngagedAt ?? at, at);
  }

  /** The record types `consume` learns from (subscribe with them: `forRecordTypes(store.recordTypes, …)`). */
  readonly recordTypes: readonly LogRecordType[] = Object.freeze(['Delivery'] as const);

  /** Learns a send from each Delivery record (subscribe it to the log bus). */
  consume(record: LogRecord): void {
    if (record.type !== 'Delivery') return;
    const tenant = tenantOfRecord(record);
    const recipients = Array.isArray(record.recipient) ? record.recipient : [record.recipient];
    for (const r of recipients) this.recordSend(tenant, r, record.timestamp * 1000);
  }

  #entry(tenant: string, recipient: string): RecipientHistory {
    const k = key(tenant, recipient);
    let h = this.#entries.get(k);
    if (!h) {
      h = {};
      this.#entries.set(k, h);
    }
    return h;
  }
}

function key(tenant: string, recipient: string): string {
  return `${tenant}\u0000${recipient.toLowerCase()}`;
}
