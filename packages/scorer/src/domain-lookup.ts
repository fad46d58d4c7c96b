import type { Clock } from '@mtakit/core';
import { LRUCache } from 'lru-cache';

/**
 * A domain reputation source (a DNS blocklist such as a URIBL, an HTTP API, a local list):
 * returns why the domain is listed, or `undefined` when it is not. Throwing means "unknown"
 * (the links stage then fails and the tenant's failure policy applies).
 */
export type DomainLookup = (domain: string) => string | undefined | Promise<string | undefined>;

export interface CachedDomainLookupOptions {
  /** Domains remembered. Default 50,000. */
  maxEntries?: number;
  /** How long an answer is kept, ms. Default 1 hour. */
  ttlMs?: number;
  /** Time source for the TTL. Default: the system clock. */
  clock?: Clock;
}

const NOT_LISTED = '';

/**
 * A `DomainLookup` behind an lru-cache: answers already known are returned synchronously, so a
 * warm links stage needs no timer; concurrent lookups of one domain share one call; failures are
 * not cached.
 */
export class CachedDomainLookup {
  readonly #cache: LRUCache<string, string>;

  constructor(lookup: DomainLookup, options: CachedDomainLookupOptions = {}) {
    const clock = options.clock;
    this.#cache = new LRUCache<string, string>({
      max: options.maxEntries ?? 50_000,
      ttl: options.ttlMs ?? 3_600_000,
      ttlResolution: 0, // no timer per millisecond to cache "now" (see CampaignCache)
      ...(clock ? { perf: { now: () => clock.now() } } : {}),
      fetchMethod: async (domain) => (await lookup(domain)) ?? NOT_LISTED,
    });
  }

  /** Why `domain` is listed, `undefined` if it is not; a promise only when the answer is not cached. */
  check(domain: string): string | undefined | Promise<string | undefined> {
    const known = this.#cache.get(domain);
    if (known !== undefined) return known === NOT_LISTED ? undefined : known;
    return this.#cache.fetch(domain).then((v) => (v === undefined || v === NOT_LISTED ? undefined : v));
  }
}
