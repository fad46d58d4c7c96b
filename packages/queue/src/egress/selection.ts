import { throttleAll, type Clock, type EgressPool, type KeyedRate, type QueueConfig, type Shaper } from '@mtakit/core';
import type { Directive } from '../admin/directives.js';
import { pathLimitsOf } from '../ready/dispatcher.js';
import type { ReadyQueue } from '../ready/ready-queue.js';
import type { ReadyQueues } from '../ready/ready-queues.js';
import type { PolicyConfigs } from '../routing/policy-configs.js';
import type { Route } from '../routing/routes.js';
import type { ScheduledQueue } from '../scheduled/scheduled-queue.js';
import { WeightedRoundRobin } from './weighted-round-robin.js';

/** A throttle said not now: when to try again, and which limit (name and rate) it was. */
export interface Throttled {
  at: number;
  limit: string;
}

/** Why no ready queue took a message now, and how long to wait. */
export interface Unselected {
  wait: number;
  suspension?: { id: string; name: string; reason: string };
  /** The throttle that refused it (name and rate). */
  throttled?: string;
  /** Why no egress pool could be had (the policy's get_egress_pool raised or answered nothing). */
  failed?: string;
}

/** How long a message waits when its egress pool could not be had. */
const POOL_RETRY_MS = 60_000;

export interface EgressSelectionOptions {
  clock: Clock;
  /** Without one, no throttle applies here. */
  shaper: Shaper | undefined;
  configs: PolicyConfigs;
  ready: ReadyQueues;
  readySuspensionOf(name: string): Directive<unknown> | undefined;
}

/** How far past a throttle's own wait refused messages are spread (see `admit`). */
const SPREAD_HORIZON_MS = 60_000;

/**
 * Egress selection: which egress source (and so which ready queue) a due message goes to, by the
 * pool's weights, skipping suspended and over-rate sources; and the throttles passed away from a
 * connection. Returns decisions (a ready queue, or how long to wait and why).
 */
export class EgressSelection {
  readonly #o: EgressSelectionOptions;
  /** Per throttle key, the earliest time the next refused message is given (see `admit`). */
  readonly #nextSlot = new Map<string, number>();

  constructor(options: EgressSelectionOptions) {
    this.#o = options;
  }

  /**
   * Passes throttles checked away from a connection (promotion, source selection): undefined
   * when the message may go on. The messages one throttle refuses are given times one interval
   * apart (up to a minute past the wait), so a burst does not come back all at once only for one
   * message to pass and the rest to be refused again.
   */
  async admit(rates: readonly KeyedRate[]): Promise<Throttled | undefined> {
    const { shaper, clock } = this.#o;
    if (rates.length === 0 || !shaper) return undefined;
    const admission = await throttleAll(shaper, rates);
    if (admission.allowed) return undefined;
    const now = clock.now();
    const earliest = now + Math.max(1, admission.retryAfterMs);
    const { key, spec } = admission.rate;
    const slotKey = `${key}|${spec.text}`;
    const at = Math.min(Math.max(earliest, this.#nextSlot.get(slotKey) ?? 0), earliest + SPREAD_HORIZON_MS);
    this.#nextSlot.set(slotKey, at + spec.periodMs / spec.limit);
    if (this.#nextSlot.size > 10_000) for (const [k, t] of this.#nextSlot) if (t < now) this.#nextSlot.delete(k);
    return { at, limit: `${admission.name} ${spec.text}` };
  }

  /**
   * Picks the egress source (weighted round robin; a suspended or over-rate source is skipped for
   * the next candidate) and its ready queue. The pick is committed before any await, so concurrent
   * promotions spread over the pool as the weights say.
   */
  async select(q: ScheduledQueue, config: QueueConfig, route: Route): Promise<ReadyQueue | Unselected> {
    const { configs, ready, clock } = this.#o;
    let pool: EgressPool;
    try {
      pool = config.egress_source ? { name: config.egress_source, entries: [{ name: config.egress_source, weight: 1 }], ttl: 60_000 } : await configs.pool(config.egress_pool);
    } catch (error) {
      return { wait: POOL_RETRY_MS, failed: `egress pool ${config.egress_pool}: ${(error as Error).message}` };
    }
    if (!q.rotation || !q.rotation.matches(pool.entries)) q.rotation = new WeightedRoundRobin(pool.entries);
    const first = q.rotation.next();
    const order = first === undefined ? [] : [first, ...q.rotation.candidates().filter((c) => c !== first)];
    let best: Unselected = { wait: 60_000 };
    for (const name of order) {
      const rq = await ready.forRoute(q.routingDomain, pool.name, name, route);
      const suspension = this.#o.readySuspensionOf(rq.name);
      if (suspension) {
        const wait = Math.max(0, suspension.expires - clock.now());
        if (wait < best.wait || best.suspension === undefined) best = { wait, suspension: { id: suspension.id, name: rq.name, reason: suspension.reason } };
        continue;
      }
      const throttled = await this.admit(pathLimitsOf(rq).selectionRates);
      if (throttled) {
        const wait = throttled.at - clock.now();
        if (wait < best.wait) best = { wait, throttled: throttled.limit };
        continue;
      }
      return rq;
    }
    return best;
  }
}
