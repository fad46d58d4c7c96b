import { randomUUID } from 'node:crypto';
import { failFastRedisOptions, firstConnection, MtaKitError, type FirstConnection, type OutsideStoreStatus, type RateSpec, type ThrottleDecision } from '@mtakit/core';
import { Redis } from 'ioredis';
import { checkQuantity, GCRA_EPSILON_MS } from '../gcra.js';
import type { LeaseAttempt, LeaseState } from '../leases.js';
import {
  COUNT_EVENT_SCRIPT, GCRA_SCRIPT, LEASE_ACQUIRE_SCRIPT, LEASE_RENEW_SCRIPT, LEASE_STATE_SCRIPT,
} from './redis-scripts.js';
import type { ExpiringRecord, ShapingStore } from './store.js';

export interface RedisShapingStoreOptions {
  /**
   * An ioredis client (configured as you like, not closed by the store), or a URL such as
   * `redis://user:pass@host:6379/0` for a client the store creates and `close()` closes.
   */
  redis: Redis | string;
  /** Prefix of every key the store writes. Default `"mtakit:shaping:"`. */
  prefix?: string;
  /**
   * For a client created from a URL: a command not answered within this time fails (an
   * `E_CONNECTION` error) instead of waiting for Redis to come back. Default 2000 ms.
   */
  commandTimeoutMs?: number;
  /** For a client created from a URL: how long connecting may take. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Kept up to date with the connection (for health checks and `FailoverShapingStore`). */
  status?: OutsideStoreStatus;
}

type ScriptReply = Array<number | string>;

/** The commands `defineCommand` adds to the client (sent with EVALSHA, falling back to EVAL). */
interface ShapingCommands {
  mtakitGcra(key: string, limit: number, periodMs: number, maxBurst: number, quantity: number, epsilon: number): Promise<ScriptReply>;
  mtakitLeaseAcquire(key: string, limit: number, ttlMs: number, id: string): Promise<ScriptReply>;
  mtakitLeaseRenew(key: string, id: string, ttlMs: number): Promise<number>;
  mtakitLeaseState(key: string): Promise<ScriptReply>;
  mtakitCountEvent(key: string, at: number, windowMs: number, now: number, member: string): Promise<number>;
}

const COMMANDS: Record<keyof ShapingCommands, string> = {
  mtakitGcra: GCRA_SCRIPT,
  mtakitLeaseAcquire: LEASE_ACQUIRE_SCRIPT,
  mtakitLeaseRenew: LEASE_RENEW_SCRIPT,
  mtakitLeaseState: LEASE_STATE_SCRIPT,
  mtakitCountEvent: COUNT_EVENT_SCRIPT,
};

/**
 * Throttles, leases and automation state in Redis, shared by every process using the same server
 * (KumoMTA's `configure_redis_throttles`). Throttles and leases run as atomic Lua scripts timed by
 * Redis `TIME`; no Redis module is needed.
 */
export class RedisShapingStore implements ShapingStore {
  readonly shared = true;
  readonly #client: Redis & ShapingCommands;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #connection: FirstConnection;

  constructor(options: RedisShapingStoreOptions) {
    const { redis } = options;
    this.#owned = !(redis instanceof Redis);
    // Fail fast: a command waits at most commandTimeoutMs, and none queues while Redis is away.
    const client = redis instanceof Redis ? redis : new Redis(redis, failFastRedisOptions(options));
    this.#connection = firstConnection(client, { owned: this.#owned, what: 'redis shaping store', url: typeof redis === 'string' ? redis : undefined, status: options.status });
    for (const [name, lua] of Object.entries(COMMANDS)) {
      if (!(name in client)) client.defineCommand(name, { lua, numberOfKeys: 1 });
    }
    this.#client = client as Redis & ShapingCommands;
    this.#prefix = options.prefix ?? 'mtakit:shaping:';
  }

  /**
   * Resolves once the first connection is up; rejects (E_CONNECTION, naming the server) when it
   * cannot be made (and drops the client), so an MTA that requires the store can refuse to start.
   */
  connect(): Promise<void> {
    return this.#connection.connect();
  }

  async throttle(key: string, spec: RateSpec, quantity: number): Promise<ThrottleDecision> {
    checkQuantity(spec, quantity);
    const [allowed, remaining, retryAfter, resetAfter] = await this.#call(() =>
      this.#client.mtakitGcra(this.#key('t', key), spec.limit, spec.periodMs, spec.maxBurst, quantity, GCRA_EPSILON_MS),
    );
    return {
      allowed: allowed === 1,
      remaining: Number(remaining),
      retryAfterMs: Number(retryAfter),
      resetAfterMs: Number(resetAfter),
    };
  }

  async acquireLease(key: string, limit: number, ttlMs: number, id: string): Promise<LeaseAttempt> {
    const [granted, retryAfter] = await this.#call(() => this.#client.mtakitLeaseAcquire(this.#key('l', key), limit, ttlMs, id));
    // The expiry is Redis' clock, not ours; callers only need to renew before ttlMs elapses.
    return granted === 1 ? { granted: true, expiresAt: Date.now() + ttlMs } : { granted: false, retryAfterMs: Number(retryAfter) };
  }

  async renewLease(key: string, id: string, ttlMs: number): Promise<boolean> {
    return (await this.#call(() => this.#client.mtakitLeaseRenew(this.#key('l', key), id, ttlMs))) === 1;
  }

  async releaseLease(key: string, id: string): Promise<void> {
    await this.#call(() => this.#client.zrem(this.#key('l', key), id));
  }

  async leaseState(key: string): Promise<LeaseState> {
    const [count, next] = await this.#call(() => this.#client.mtakitLeaseState(this.#key('l', key)));
    return { count: Number(count), nextExpiryMs: next === '' ? undefined : Number(next) };
  }

  async countEvent(scope: string, at: number, windowMs: number, now: number): Promise<number> {
    return this.#call(() => this.#client.mtakitCountEvent(this.#key('w', scope), at, windowMs, now, `${at}:${randomUUID()}`));
  }

  async putEffect(effect: ExpiringRecord): Promise<void> {
    await this.#call(() => this.#client.hset(this.#key('effects'), effect.id, JSON.stringify(effect)));
  }

  async listEffects(now: number): Promise<ExpiringRecord[]> {
    const all = await this.#call(() => this.#client.hgetall(this.#key('effects')));
    const live: ExpiringRecord[] = [];
    const expired: string[] = [];
    for (const [id, json] of Object.entries(all)) {
      const effect = JSON.parse(json) as ExpiringRecord;
      if (effect.expires <= now) expired.push(id);
      else live.push(effect);
    }
    if (expired.length > 0) await this.#call(() => this.#client.hdel(this.#key('effects'), ...expired));
    return live;
  }

  async getDocument(name: string): Promise<unknown> {
    const json = await this.#call(() => this.#client.get(this.#key('doc', name)));
    return json === null ? undefined : (JSON.parse(json) as unknown);
  }

  async putDocument(name: string, value: unknown): Promise<void> {
    await this.#call(() => this.#client.set(this.#key('doc', name), JSON.stringify(value)));
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#client.quit().catch(() => this.#client.disconnect());
  }

  #key(...parts: string[]): string {
    return this.#prefix + parts.join(':');
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    await this.#connection.settled;
    try {
      return await fn();
    } catch (error) {
      throw new MtaKitError('E_CONNECTION', `redis shaping store: ${(error as Error).message}`, { cause: error });
    }
  }
}
