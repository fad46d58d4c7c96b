import {
  MtaKitError, resolveEgressPathConfig, resolveEgressPool, resolveEgressSource, resolveQueueConfig, UNSPECIFIED, UNSPECIFIED_POOL,
  UNSPECIFIED_SOURCE, type Clock, type EgressPathConfig, type EgressPool, type EgressSource, type Message, type Policy, type QueueConfig,
} from '@mtakit/core';
import { ConfigCache } from '../config-cache.js';
import type { ScheduledQueue } from '../scheduled/scheduled-queue.js';

/**
 * The configs the queue asks its policy for — queue, pool, source and egress path — each
 * validated and cached for its own lifetime (`refresh_interval`/`ttl`, or until the config epoch is
 * bumped with `refresh_strategy = "Epoch"`).
 */
export class PolicyConfigs {
  readonly #policy: Policy;
  readonly #queues: ConfigCache<QueueConfig>;
  readonly #pools: ConfigCache<EgressPool>;
  readonly #sources: ConfigCache<EgressSource>;
  readonly #paths: ConfigCache<EgressPathConfig>;

  constructor(policy: Policy, clock: Clock) {
    this.#policy = policy;
    this.#queues = new ConfigCache(clock);
    this.#pools = new ConfigCache(clock);
    this.#sources = new ConfigCache(clock);
    this.#paths = new ConfigCache(clock);
  }

  /** The scheduled queue's config (cached per queue; `message` is handed to the hook on a miss). */
  async queue(q: ScheduledQueue, message?: Message): Promise<QueueConfig> {
    const config = await this.#queues.get(q.name, () => this.#askQueue(q, message), (c) => (c.refresh_strategy === 'Epoch' ? Infinity : c.refresh_interval));
    q.config = config;
    return config;
  }

  /** The queue config for one message, asked afresh (policies whose answer reads the message). */
  queueForMessage(q: ScheduledQueue, message: Message): Promise<QueueConfig> {
    return this.#policy.get_queue_config ? this.#askQueue(q, message) : this.queue(q);
  }

  pool(name: string): Promise<EgressPool> {
    return this.#pools.get(name, async () => {
      // KumoMTA never asks the policy for the built-in pool: handlers raise for names they do not know.
      if (name === UNSPECIFIED) return UNSPECIFIED_POOL;
      const input = await this.#policy.get_egress_pool?.(name);
      if (input) return resolveEgressPool(input, `get_egress_pool(${name})`);
      throw new MtaKitError('E_CONFIG', `egress pool ${JSON.stringify(name)} is not defined (get_egress_pool returned nothing)`);
    }, (p) => p.ttl);
  }

  source(name: string): Promise<EgressSource> {
    return this.#sources.get(name, async () => {
      if (name === UNSPECIFIED) return UNSPECIFIED_SOURCE;
      const input = await this.#policy.get_egress_source?.(name);
      if (input) return resolveEgressSource(input, `get_egress_source(${name})`);
      throw new MtaKitError('E_CONFIG', `egress source ${JSON.stringify(name)} is not defined (get_egress_source returned nothing)`);
    }, (s) => s.ttl);
  }

  /** The egress path config of a ready queue (`name`), cached per ready queue. */
  path(name: string, routingDomain: string, source: string, siteName: string): Promise<EgressPathConfig> {
    return this.#paths.get(name, async () => {
      const input = await this.#policy.get_egress_path_config?.(routingDomain, source, siteName);
      return resolveEgressPathConfig(input ?? {}, `get_egress_path_config(${name})`);
    }, (c) => (c.refresh_strategy === 'Epoch' ? Infinity : c.refresh_interval));
  }

  /** Forgets one ready queue's path config, so the next use asks the hook again. */
  forgetPath(name: string): void {
    this.#paths.delete(name);
  }

  /** Forgets expired entries (the caches are keyed by queue and path names, which come and go). */
  sweep(): void {
    for (const c of [this.#queues, this.#pools, this.#sources, this.#paths]) c.sweep();
  }

  /** Drops every cached config (KumoMTA's config epoch bump). */
  bumpEpoch(): void {
    for (const c of [this.#queues, this.#pools, this.#sources, this.#paths]) c.bumpEpoch();
  }

  async #askQueue(q: ScheduledQueue, message: Message | undefined): Promise<QueueConfig> {
    const p = q.parts;
    const input = await this.#policy.get_queue_config?.(p.domain, p.tenant, p.campaign, p.routing_domain, message ? { message } : {});
    return resolveQueueConfig(input ?? {}, `get_queue_config(${q.name})`);
  }
}
