import type { SuppressionEntry, SuppressionKey, SuppressionReason } from './entry.js';

/** Which entries `entries()` yields (all given conditions must hold). */
export interface SuppressionFilter {
  /** Scope: a tenant name, or null for global entries only. Default: every scope. */
  tenant?: string | null;
  /** Exact (normalized) recipient. */
  recipient?: string;
  reason?: SuppressionReason;
}

/**
 * Where suppressions live. The embedded default is `FileSuppressionStore` (a journal on local
 * disk, indexed in memory); `@mtakit/bounce/redis` provides a Redis store for clusters. Expired
 * entries are never returned. Implementations normalize nothing: callers pass normalized
 * recipients and tenants (see `normalizeRecipient`), which the helpers in this module do.
 */
export interface SuppressionStore {
  /** The live entry that blocks `recipient` for `tenant`: the tenant's own entry first, else a global one. */
  check(recipient: string, tenant?: string | null): Promise<SuppressionEntry | undefined>;
  /** The live entry of exactly this scope. */
  get(key: SuppressionKey): Promise<SuppressionEntry | undefined>;
  /** Adds entries, replacing any with the same recipient and scope. Resolves once they are durable. */
  put(entries: readonly SuppressionEntry[]): Promise<void>;
  /** Removes entries; resolves with how many existed. */
  remove(keys: readonly SuppressionKey[]): Promise<number>;
  /** Live entries matching the filter, in no particular order. */
  entries(filter?: SuppressionFilter): AsyncIterable<SuppressionEntry>;
  /**
   * Notes a soft bounce of message `messageId` to `recipient` in `tenant`'s scope at `at` (Unix
   * ms) and returns how many distinct messages soft-bounced there within the last `windowMs`,
   * this one included. Retries of one message count once.
   */
  countSoftBounce(key: SuppressionKey, messageId: string, at: number, windowMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Applies a filter to one entry (for stores that scan). */
export function matchesFilter(entry: SuppressionEntry, filter: SuppressionFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.tenant !== undefined && entry.tenant !== filter.tenant) return false;
  if (filter.recipient !== undefined && entry.recipient !== filter.recipient) return false;
  return filter.reason === undefined || entry.reason === filter.reason;
}
