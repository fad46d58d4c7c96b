import type { Clock, EgressPathConfig, EgressSource, PathLimits } from '@mtakit/core';
import type { Directive } from '../admin/directives.js';
import { entry, type ReadyQueueState } from '../admin/views.js';
import type { Transport } from '../delivery/channel.js';
import type { PolicyConfigs } from '../routing/policy-configs.js';
import type { Route } from '../routing/routes.js';
import { pathLimitsOf, type ConnectionHold } from './dispatcher.js';
import { ReadyQueue } from './ready-queue.js';

/** A ready queue's name: `source->site@protocol` (KumoMTA's). */
export function readyQueueName(source: string, siteName: string, protocol: string): string {
  return `${source}->${siteName}@${protocol}`;
}

export interface ReadyQueuesOptions {
  clock: Clock;
  configs: PolicyConfigs;
  /** The transport for a route, path config and source. */
  transport(route: Route, path: EgressPathConfig, source: EgressSource): Transport;
}

type Holds = Partial<Record<ConnectionHold, { context: string; since: number; until: number }>>;

/**
 * The ready queues (one per egress source and site), each with its path config and transport
 * kept current, why its last connection was refused, and its state as the admin API shows it.
 */
export class ReadyQueues {
  readonly #o: ReadyQueuesOptions;
  readonly #ready = new Map<string, ReadyQueue>();
  /** The route each ready queue was built for (to rebuild its transport when its path config changes). */
  readonly #routes = new Map<string, Route>();
  /** Why a ready queue's last connection attempt was refused by a limit, while it waits. */
  readonly #holds = new WeakMap<ReadyQueue, Holds>();

  constructor(options: ReadyQueuesOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#ready.size;
  }

  get(name: string): ReadyQueue | undefined {
    return this.#ready.get(name);
  }

  values(): IterableIterator<ReadyQueue> {
    return this.#ready.values();
  }

  /** The ready queue for mail of `routingDomain` on `route` from `sourceName`, with a current path config. */
  async forRoute(routingDomain: string, poolName: string, sourceName: string, route: Route): Promise<ReadyQueue> {
    const { configs } = this.#o;
    const source = await configs.source(sourceName);
    const name = readyQueueName(source.name, route.siteName, route.protocol);
    const path = await configs.path(name, routingDomain, source.name, route.siteName);
    let rq = this.#ready.get(name);
    if (!rq) {
      rq = new ReadyQueue({ name, source, siteName: route.siteName, routingDomain, pool: poolName, path, transport: this.#o.transport(route, path, source) });
      this.#ready.set(name, rq);
    } else if (rq.path !== path) {
      rq.path = path;
      rq.transport = this.#o.transport(route, path, source);
    }
    this.#routes.set(name, route);
    return rq;
  }

  /**
   * Re-requests get_egress_path_config for the matching ready queues; returns those whose config
   * changed (their dispatchers may start again under the new limits).
   */
  async refreshPaths(match: { source?: string | undefined; siteName?: string | undefined }): Promise<ReadyQueue[]> {
    const { configs } = this.#o;
    const matching = [...this.#ready.values()].filter((rq) => (match.source === undefined || rq.source.name === match.source) && (match.siteName === undefined || rq.siteName === match.siteName));
    const changed: ReadyQueue[] = [];
    await Promise.all(matching.map(async (rq) => {
      configs.forgetPath(rq.name);
      const path = await configs.path(rq.name, rq.routingDomain, rq.source.name, rq.siteName);
      const route = this.#routes.get(rq.name);
      if (rq.path === path || !route) return;
      rq.path = path;
      rq.transport = this.#o.transport(route, path, rq.source);
      changed.push(rq);
    }));
    return changed;
  }

  /** A connection was refused by a limit (`context` names it) for `waitMs`, or granted (`context` undefined). */
  noteHold(rq: ReadyQueue, hold: ConnectionHold, context: string | undefined, waitMs: number): void {
    const holds = this.#holds.get(rq) ?? {};
    if (context === undefined) {
      if (!holds[hold]) return;
      delete holds[hold];
    } else {
      const now = this.#o.clock.now();
      const since = holds[hold]?.context === context ? holds[hold].since : now;
      holds[hold] = { context, since, until: now + waitMs };
    }
    this.#holds.set(rq, holds);
  }

  /** Every ready queue with its limits and state (`/api/admin/ready-q-states/v1`). */
  states(suspensionOf: (name: string) => Directive<unknown> | undefined): ReadyQueueState[] {
    const now = this.#o.clock.now();
    return [...this.#ready.values()].map((rq) => {
      const suspension = suspensionOf(rq.name);
      const holds = this.#holds.get(rq) ?? {};
      const hold = (h: ConnectionHold) => {
        const state = holds[h];
        return state && state.until > now ? { context: state.context, since: new Date(state.since).toISOString() } : null;
      };
      return {
        name: rq.name, egress_source: rq.source.name, egress_pool: rq.pool, site_name: rq.siteName, ready_count: rq.size,
        connection_count: rq.dispatchers, connection_limit: rq.path.connection_limit.limit, max_ready: rq.path.max_ready,
        paused_until: rq.pausedUntil > now ? new Date(rq.pausedUntil).toISOString() : null,
        suspended: suspension ? entry(suspension, { name: rq.name }) : null,
        consecutive_connection_failures: rq.consecutiveFailures,
        connection_limited: hold('connection_limited'),
        connection_rate_throttled: hold('connection_rate_throttled'),
      };
    });
  }

  /** Each ready queue's path limits under the shaper keys its dispatchers use. */
  pathLimits(): Array<{ name: string; egress_source: string; site_name: string; limits: PathLimits }> {
    return [...this.#ready.values()].map((rq) => ({ name: rq.name, egress_source: rq.source.name, site_name: rq.siteName, limits: pathLimitsOf(rq) }));
  }

  /** Drops ready queues empty, unconnected and idle for `idleMs` that no scheduled queue waits on. */
  reap(idleMs: number, isWaitedOn: (name: string) => boolean): void {
    const now = this.#o.clock.now();
    for (const [name, rq] of this.#ready) {
      if (rq.size === 0 && rq.dispatchers === 0 && !isWaitedOn(name) && now - rq.lastActivity >= idleMs) {
        this.#ready.delete(name);
        this.#routes.delete(name);
      }
    }
  }
}
