import { failFastRedisOptions, firstConnection, MtaKitError, systemClock, type Clock, type FirstConnection, type OutsideStoreStatus } from '@mtakit/core';
import { isLive, type SuppressionEntry, type SuppressionKey } from './entry.js';
import type { SuppressionFilter, SuppressionStore } from './store.js';
import { Redis } from 'ioredis';

export interface RedisSuppressionStoreOptions {
  /**
   * An ioredis client (not closed by the store), or a URL such as `redis://host:6379/0` for a
   * client the store creates and `close()` closes.
   */
  redis: Redis | string;
  /** Prefix of every key the store writes. Default `"mtakit:suppression:"`. */
  prefix?: string;
  /** Computes expiry TTLs. Default: the system clock. */
  clock?: Clock;
  /** For a client created from a URL: how long a command may wait for its answer. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** For a client created from a URL: how long connecting may take. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Kept up to date with the connection (for health checks). */
  status?: OutsideStoreStatus;
}

/** Writes per round trip when adding many entries (an import). */
const PIPELINE = 1000;
const SCAN_COUNT = 1000;

/**
 * The suppression list in Redis, shared by every node of a cluster. Each entry is one string key
 * (`<prefix>e:<tenant>:<recipient>`, the tenant URI-encoded, empty for global) holding its JSON,
 * with a Redis expiry matching the entry's, so expired entries disappear by themselves. A check
 * is one MGET of the tenant and global keys. Soft bounces are a sorted set per scope + recipient,
 * counted by an atomic script. Listing and export SCAN the keys (admin operations, not hot paths).
 */
export class RedisSuppressionStore implements SuppressionStore {
  readonly #client: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #connection: FirstConnection;

  constructor(options: RedisSuppressionStoreOptions) {
    const { redis } = options;
    this.#owned = !(redis instanceof Redis);
    // Fail fast: while Redis is away a check fails at once (the caller defers the mail) instead
    // of queueing without bound and holding every transaction at RCPT.
    this.#client = redis instanceof Redis ? redis : new Redis(redis, failFastRedisOptions(options));
    this.#connection = firstConnection(this.#client, { owned: this.#owned, what: 'redis suppression store', url: typeof redis === 'string' ? redis : undefined, status: options.status });
    this.#prefix = options.prefix ?? 'mtakit:suppression:';
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Resolves once the first connection is up; rejects (E_CONNECTION, naming the server) when it
   * cannot be made (and drops the client), so an MTA that requires the list can refuse to start.
   */
  connect(): Promise<void> {
    return this.#connection.connect();
  }

  async check(recipient: string, tenant?: string | null): Promise<SuppressionEntry | undefined> {
    const keys = tenant ? [this.#entryKey({ recipient, tenant }), this.#entryKey({ recipient, tenant: null })] : [this.#entryKey({ recipient, tenant: null })];
    const values = await this.#call(() => this.#client.mget(...keys));
    const now = this.#clock.now();
    for (const v of values) {
      const entry = v === null ? undefined : (JSON.parse(v) as SuppressionEntry);
      if (entry && isLive(entry, now)) return entry;
    }
    return undefined;
  }

  async get(key: SuppressionKey): Promise<SuppressionEntry | undefined> {
    const v = await this.#call(() => this.#client.get(this.#entryKey(key)));
    const entry = v === null ? undefined : (JSON.parse(v) as SuppressionEntry);
    return entry && isLive(entry, this.#clock.now()) ? entry : undefined;
  }

  async put(entries: readonly SuppressionEntry[]): Promise<void> {
    const now = this.#clock.now();
    for (let i = 0; i < entries.length; i += PIPELINE) {
      const pipeline = this.#client.pipeline();
      for (const e of entries.slice(i, i + PIPELINE)) {
        const key = this.#entryKey(e);
        if (e.expires === null) pipeline.set(key, JSON.stringify(e));
        else if (e.expires > now) pipeline.set(key, JSON.stringify(e), 'PX', Math.ceil(e.expires - now));
        else pipeline.del(key);
      }
      await this.#exec(pipeline);
    }
  }

  async remove(keys: readonly SuppressionKey[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.#call(() => this.#client.del(...keys.map((k) => this.#entryKey(k))));
  }

  async *entries(filter?: SuppressionFilter): AsyncIterable<SuppressionEntry> {
    const now = this.#clock.now();
    if (filter?.recipient !== undefined && filter.tenant !== undefined) {
      const e = await this.get({ recipient: filter.recipient, tenant: filter.tenant });
      if (e && (filter.reason === undefined || e.reason === filter.reason)) yield e;
      return;
    }
    const scope = filter?.tenant === undefined ? '*' : `${globEscape(encodeURIComponent(filter.tenant ?? ''))}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#call(() => this.#client.scan(cursor, 'MATCH', `${globEscape(this.#prefix)}e:${scope}`, 'COUNT', SCAN_COUNT));
      cursor = next;
      if (keys.length === 0) continue;
      const values = await this.#call(() => this.#client.mget(...keys));
      for (const v of values) {
        if (v === null) continue;
        const e = JSON.parse(v) as SuppressionEntry;
        if (!isLive(e, now)) continue;
        if (filter?.tenant !== undefined && e.tenant !== filter.tenant) continue;
        if (filter?.recipient !== undefined && e.recipient !== filter.recipient) continue;
        if (filter?.reason !== undefined && e.reason !== filter.reason) continue;
        yield e;
      }
    } while (cursor !== '0');
  }

  async countSoftBounce(key: SuppressionKey, messageId: string, at: number, windowMs: number): Promise<number> {
    const k = `${this.#prefix}s:${encodeURIComponent(key.tenant ?? '')}:${key.recipient}`;
    // One MULTI (atomic on the server): drop events older than the window, add this one, count,
    // and let the set expire with its newest event.
    return this.#call(async () => {
      const replies = await this.#client.multi()
        .zremrangebyscore(k, '-inf', at - windowMs)
        .zadd(k, at, messageId)
        .zcard(k)
        .pexpire(k, Math.ceil(windowMs))
        .exec();
      const counted = replies?.[2];
      if (!counted || counted[0]) throw counted?.[0] ?? new MtaKitError('E_CONNECTION', 'the Redis transaction was aborted');
      return Number(counted[1]);
    });
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#client.quit().catch(() => this.#client.disconnect());
  }

  #entryKey(key: SuppressionKey): string {
    return `${this.#prefix}e:${encodeURIComponent(key.tenant ?? '')}:${key.recipient}`;
  }

  async #exec(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
    const results = await this.#call(() => pipeline.exec());
    const failed = results?.find(([error]) => error);
    if (failed) throw new MtaKitError('E_CONNECTION', `redis suppression store: ${(failed[0] as Error).message}`, { cause: failed[0] });
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    await this.#connection.settled;
    try {
      return await fn();
    } catch (error) {
      if (error instanceof MtaKitError) throw error;
      throw new MtaKitError('E_CONNECTION', `redis suppression store: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Escapes Redis glob characters so a prefix or tenant name matches itself. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
