import {
  domainOf, internalResponse, isMessageId, Message, MtaKitError, NULL_QUEUE, queueNameFor, resolveEgressPathConfig,
  resolveEgressPool, resolveEgressSource, resolveQueueConfig, systemClock, UNSPECIFIED, UNSPECIFIED_POOL, UNSPECIFIED_SOURCE,
  type Clock, type EgressPathConfig, type EgressPool, type EgressSource, type LogBus, type Policy, type QueueConfig,
  type Shaper, type SmtpResponse, type Spool,
} from '@mtakit/core';
import { MxResolver, mxListSiteName } from '@mtakit/core/dns';
import type { PlannedHost } from '@mtakit/core/egress';
import type { MtaMetrics } from '@mtakit/core/metrics';
import type { AcceptedMessage } from '@mtakit/core/smtp';
import { ConfigCache } from './config-cache.js';
import type { Transport } from './delivery/channel.js';
import { CustomTransport } from './delivery/custom-transport.js';
import { MaildirTransport } from './delivery/maildir-transport.js';
import { SmtpTransport } from './delivery/smtp-transport.js';
import { WeightedRoundRobin } from './egress/weighted-round-robin.js';
import { Outcomes, timeMeta } from './outcomes.js';
import { runDispatcher } from './ready/dispatcher.js';
import { ReadyQueue } from './ready/ready-queue.js';
import { messageRecord } from './records.js';
import { ScheduledQueue, type ScheduledEntry } from './scheduled/scheduled-queue.js';
import { Wakeups } from './scheduled/wakeups.js';

export interface QueueManagerOptions {
  spool: Spool;
  log: LogBus;
  /** Policy hooks (get_queue_config, get_egress_pool, get_egress_source, get_egress_path_config, …). */
  policy?: Policy;
  /** MX resolution with its cache. Default: system DNS. */
  resolver?: MxResolver;
  /** Throttles and connection leases (`@mtakit/shaping`). Without one, only local connection limits apply. */
  shaper?: Shaper;
  /** EHLO name when neither path nor source sets one. */
  hostname: string;
  nodeId?: string;
  clock?: Clock;
  metrics?: MtaMetrics;
  /** Bounce classification for TransientFailure and Bounce records (e.g. core's classifier). */
  classify?: (response: SmtpResponse) => string;
  /** Progress and problems. */
  logger?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Random source for jitter and host shuffling (tests). */
  random?: () => number;
  /** Due messages promoted per queue per turn of the event loop. Default 256. */
  promoteBatch?: number;
  /**
   * Checked after a message is loaded for delivery and before it is sent (a suppression list, a
   * last-minute policy): a reply returned here is the attempt's outcome (5xx bounces, 4xx retries)
   * and nothing is sent.
   */
  beforeDelivery?: (message: Message) => Promise<SmtpResponse | undefined>;
  /**
   * Ask get_queue_config for every message (with `{ message }`) instead of once per queue: for
   * policies whose queue config reads the message (e.g. KumoMTA-style `get_msg_metadata`).
   * Costs a spool read and a hook call per promotion. Default false.
   */
  perMessageQueueConfig?: boolean;
}

export interface QueueSummary {
  scheduled: Array<{ name: string; count: number; nextDue: string | null }>;
  ready: Array<{ name: string; count: number; connections: number; pausedUntil: string | null }>;
}

interface Route {
  siteName: string;
  protocol: string;
  hosts: PlannedHost[];
  fixed: boolean;
  config: QueueConfig;
}

/**
 * The queue engine: messages are stored in the spool, wait in scheduled queues (id + due time
 * only), are routed through an egress pool to a ready queue per (source, site), and are delivered by
 * dispatchers (one per connection) up to each path's limits. Every config comes from the policy,
 * cached per queue/pool/source/path and refreshed by TTL or config epoch.
 */
export class QueueManager {
  readonly #o: QueueManagerOptions;
  readonly #clock: Clock;
  readonly #policy: Policy;
  readonly #resolver: MxResolver;
  readonly #random: () => number;
  readonly #queues = new Map<string, ScheduledQueue>();
  readonly #ready = new Map<string, ReadyQueue>();
  readonly #wakeAt = new Map<ScheduledQueue, number>();
  readonly #wakeups: Wakeups<ScheduledQueue>;
  readonly #queueConfigs: ConfigCache<QueueConfig>;
  readonly #pools: ConfigCache<EgressPool>;
  readonly #sources: ConfigCache<EgressSource>;
  readonly #paths: ConfigCache<EgressPathConfig>;
  readonly #outcomes: Outcomes;
  readonly #work = new Set<Promise<unknown>>();
  readonly #blockedBy = new Map<string, Set<ScheduledQueue>>();
  #scheduled = 0;
  #stopping = false;

  constructor(options: QueueManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#policy = options.policy ?? {};
    this.#resolver = options.resolver ?? new MxResolver();
    this.#random = options.random ?? Math.random;
    this.#queueConfigs = new ConfigCache(this.#clock);
    this.#pools = new ConfigCache(this.#clock);
    this.#sources = new ConfigCache(this.#clock);
    this.#paths = new ConfigCache(this.#clock);
    this.#wakeups = new Wakeups(() => this.#clock.now(), (q, at) => this.#onWake(q, at));
    this.#outcomes = new Outcomes({
      spool: options.spool, log: options.log, policy: this.#policy, clock: this.#clock, nodeId: options.nodeId ?? '',
      metrics: options.metrics, classify: options.classify, random: this.#random,
      queueConfig: (name, message) => this.#queueConfig(this.#queue(name), message),
      reschedule: (queue, id, due) => this.#insert(queue, id, due),
    });
  }

  /** Messages waiting in scheduled queues. */
  get scheduledCount(): number {
    return this.#scheduled;
  }

  /**
   * Spools messages durably, then queues them and logs their Reception. Resolves once every
   * message is on disk: an SMTP/HTTP listener replies after this. Meta `queue = "null"` discards.
   */
  async enqueue(items: ReadonlyArray<Message | AcceptedMessage>): Promise<void> {
    const messages = items.map((i) => (i instanceof Message ? i : i.message));
    const kept = messages.filter((m) => queueNameFor(m.meta, m.recipientDomain) !== NULL_QUEUE);
    for (const m of kept) m.due ??= timeMeta(m.getMeta('send_at'));
    await Promise.all(kept.map((m) => this.#o.spool.store(m)));
    const now = this.#clock.now();
    for (const m of kept) {
      const queue = queueNameFor(m.meta, m.recipientDomain);
      this.#insert(queue, m.id, m.due ?? now);
      void this.#o.log.publish(messageRecord('Reception', m, {
        queue, response: { code: 250, enhanced_code: null, content: '', command: null }, nodeId: this.#o.nodeId ?? '', now,
      }));
    }
  }

  /**
   * Puts every message of the spool back in its queue with its attempt count and due time. Streams
   * the spool, so mail keeps flowing meanwhile; logs progress every 5 s.
   */
  async recover(): Promise<{ recovered: number; ms: number }> {
    const started = Date.now();
    let recovered = 0;
    let lastReport = started;
    for await (const record of this.#o.spool.enumerate()) {
      let queue: string;
      try {
        queue = queueNameFor(record.meta, domainOf(record.recipient));
      } catch (error) {
        this.#o.logger?.('error', `spool message ${record.id} has an unroutable recipient ${JSON.stringify(record.recipient)}: ${(error as Error).message}`);
        continue;
      }
      if (this.#policy.spool_message_enumerated) {
        await this.#policy.spool_message_enumerated(new Message({ ...record }));
      }
      this.#insert(queue, record.id, record.due ?? this.#clock.now());
      recovered++;
      if (Date.now() - lastReport >= 5000) {
        lastReport = Date.now();
        this.#o.logger?.('info', `recovery: ${recovered} messages requeued so far`);
      }
    }
    const ms = Date.now() - started;
    if (recovered > 0) this.#o.logger?.('info', `recovery: ${recovered} messages requeued in ${ms} ms`);
    return { recovered, ms };
  }

  /** Invalidates every cached config (KumoMTA's `bump-config-epoch`). */
  bumpConfigEpoch(): void {
    for (const c of [this.#queueConfigs, this.#pools, this.#sources, this.#paths]) c.bumpEpoch();
  }

  summary(): QueueSummary {
    const iso = (t: number | undefined) => (t === undefined || t === 0 ? null : new Date(t).toISOString());
    return {
      scheduled: [...this.#queues.values()].filter((q) => q.size > 0).map((q) => ({ name: q.name, count: q.size, nextDue: iso(q.nextDue()) })),
      ready: [...this.#ready.values()].map((r) => ({ name: r.name, count: r.size, connections: r.dispatchers, pausedUntil: iso(r.pausedUntil > this.#clock.now() ? r.pausedUntil : undefined) })),
    };
  }

  /**
   * Stops delivery: no new connections, dispatchers finish their current transaction, outcome
   * records are written. Messages stay in the spool for the next start.
   */
  async shutdown(): Promise<void> {
    this.#stopping = true;
    this.#wakeups.stop();
    for (const rq of this.#ready.values()) rq.wakeAll();
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }

  // ---- scheduling ----------------------------------------------------------------------------

  #queue(name: string): ScheduledQueue {
    let q = this.#queues.get(name);
    if (!q) {
      q = new ScheduledQueue(name);
      this.#queues.set(name, q);
    }
    return q;
  }

  #insert(queueName: string, id: string, due: number): void {
    const q = this.#queue(queueName);
    q.entries.push({ id, due });
    this.#scheduled++;
    this.#o.metrics?.scheduledCount.set(this.#scheduled);
    this.#wake(q, due);
  }

  #wake(q: ScheduledQueue, at: number): void {
    if (this.#stopping || q.blockedOn.size > 0) return;
    const current = this.#wakeAt.get(q);
    if (current !== undefined && current <= at) return;
    this.#wakeAt.set(q, at);
    this.#wakeups.at(q, at);
  }

  #onWake(q: ScheduledQueue, at: number): void {
    if (this.#wakeAt.get(q) !== at) return;
    this.#wakeAt.delete(q);
    if (q.blockedOn.size > 0) return;
    const now = this.#clock.now();
    const batch = this.#o.promoteBatch ?? 256;
    for (let n = 0; n < batch; n++) {
      const top = q.entries.peek();
      if (!top || top.due > now) break;
      q.entries.pop();
      this.#scheduled--;
      this.#track(this.#promote(q, top));
    }
    this.#o.metrics?.scheduledCount.set(this.#scheduled);
    const next = q.nextDue();
    if (next !== undefined) this.#wake(q, Math.max(next, now));
  }

  /** Moves a due message from its scheduled queue to a ready queue. */
  async #promote(q: ScheduledQueue, entry: ScheduledEntry): Promise<void> {
    const now = this.#clock.now();
    let config: QueueConfig;
    try {
      config = this.#o.perMessageQueueConfig ? await this.#messageQueueConfig(q, entry.id) : await this.#queueConfig(q);
    } catch (error) {
      this.#o.logger?.('error', `get_queue_config for ${q.name} failed: ${(error as Error).message}; retrying in 60 s`);
      return this.#insert(q.name, entry.id, now + 60_000);
    }
    if (!isMessageId(entry.id)) return;
    const created = parseInt(entry.id.slice(0, 12), 16);
    if (now > created + config.max_age) {
      const message = await this.#load(entry.id);
      if (message) await this.#outcomes.expire(message, config, { queue: q.name });
      return;
    }
    const rateWait = await this.#throttle(`queue:${q.name}`, config.max_message_rate);
    if (rateWait > 0) return this.#insert(q.name, entry.id, now + rateWait);
    let route: Route;
    try {
      route = await this.#route(q, config);
    } catch (error) {
      return this.#routeFailed(q, entry, error);
    }
    const rq = await this.#selectReadyQueue(q, config, route);
    if (typeof rq === 'number') return this.#insert(q.name, entry.id, now + rq);
    if (rq.full) {
      entry.due = now;
      q.entries.push(entry);
      this.#scheduled++;
      q.blockedOn.add(rq.name);
      let waiting = this.#blockedBy.get(rq.name);
      if (!waiting) this.#blockedBy.set(rq.name, (waiting = new Set()));
      waiting.add(q);
      return;
    }
    rq.push(entry.id, q.name);
    this.#o.metrics?.readyCount.inc({ service: rq.name });
    this.#dispatch(rq);
  }

  async #routeFailed(q: ScheduledQueue, entry: ScheduledEntry, error: unknown): Promise<void> {
    const message = await this.#load(entry.id);
    if (!message) return;
    const code = error instanceof MtaKitError ? error.code : 'E_DNS';
    const response =
      code === 'E_NULL_MX' ? internalResponse(556, '5.1.10', `${q.routingDomain} does not accept mail (null MX)`)
      : code === 'E_DNS_NXDOMAIN' ? internalResponse(550, '5.1.2', `${q.routingDomain} does not exist (NXDOMAIN)`)
      : code === 'E_CONFIG' ? internalResponse(451, '4.3.5', `configuration error: ${(error as Error).message}`)
      : internalResponse(451, '4.4.3', `cannot resolve ${q.routingDomain}: ${(error as Error).message}`);
    await this.#outcomes.handle(message, { response }, { queue: q.name });
  }

  // ---- routing -------------------------------------------------------------------------------

  async #queueConfig(q: ScheduledQueue, message?: Message): Promise<QueueConfig> {
    const config = await this.#queueConfigs.get(q.name, async () => {
      const p = q.parts;
      const hook = this.#policy.get_queue_config;
      const input = hook ? await hook(p.domain, p.tenant, p.campaign, p.routing_domain, message ? { message } : {}) : undefined;
      return resolveQueueConfig(input ?? {}, `get_queue_config(${q.name})`);
    }, (c) => (c.refresh_strategy === 'Epoch' ? Infinity : c.refresh_interval));
    q.config = config;
    return config;
  }

  /** get_queue_config for one message, uncached (see `perMessageQueueConfig`). */
  async #messageQueueConfig(q: ScheduledQueue, id: string): Promise<QueueConfig> {
    const message = await this.#load(id);
    const hook = this.#policy.get_queue_config;
    if (!message || !hook) return this.#queueConfig(q);
    const p = q.parts;
    return resolveQueueConfig((await hook(p.domain, p.tenant, p.campaign, p.routing_domain, { message })) ?? {}, `get_queue_config(${q.name})`);
  }

  async #route(q: ScheduledQueue, config: QueueConfig): Promise<Route> {
    const p = config.protocol;
    if (p.kind === 'maildir') return { siteName: q.routingDomain, protocol: `maildir:${p.maildir_path}`, hosts: [], fixed: true, config };
    if (p.kind === 'custom') return { siteName: q.routingDomain, protocol: `custom:${p.name}`, hosts: [], fixed: true, config };
    if (p.mx_list) {
      const names = p.mx_list.map((e) => (e.port ? `${e.name}:${e.port}` : e.name));
      const hosts = p.mx_list.map((e, i) => ({ name: e.name, preference: i, addr: e.addr, port: e.port }));
      return { siteName: mxListSiteName(names), protocol: 'smtp_client', hosts, fixed: true, config };
    }
    const route = await this.#resolver.route(q.routingDomain);
    return { siteName: route.siteName, protocol: 'smtp_client', hosts: route.hosts, fixed: false, config };
  }

  /** Picks the egress source (weighted round robin, skipping throttled sources) and its ready queue. */
  async #selectReadyQueue(q: ScheduledQueue, config: QueueConfig, route: Route): Promise<ReadyQueue | number> {
    const pool = config.egress_source ? { name: config.egress_source, entries: [{ name: config.egress_source, weight: 1 }], ttl: 60_000 } : await this.#pool(config.egress_pool);
    if (!q.rotation || !q.rotation.matches(pool.entries)) q.rotation = new WeightedRoundRobin(pool.entries);
    let wait = Infinity;
    for (const name of q.rotation.candidates()) {
      const rq = await this.#readyQueue(q, pool.name, name, route);
      const selection = await this.#throttle(`select:${rq.name}`, rq.path.source_selection_rate);
      if (selection > 0) {
        wait = Math.min(wait, selection);
        continue;
      }
      q.rotation.commit(name);
      return rq;
    }
    return Number.isFinite(wait) ? wait : 60_000;
  }

  async #readyQueue(q: ScheduledQueue, poolName: string, sourceName: string, route: Route): Promise<ReadyQueue> {
    const source = await this.#source(sourceName);
    const name = `${source.name}->${route.siteName}@${route.protocol}`;
    const path = await this.#paths.get(name, async () => {
      const hook = this.#policy.get_egress_path_config;
      const input = hook ? await hook(q.routingDomain, source.name, route.siteName) : undefined;
      return resolveEgressPathConfig(input ?? {}, `get_egress_path_config(${name})`);
    }, (c) => (c.refresh_strategy === 'Epoch' ? Infinity : c.refresh_interval));
    let rq = this.#ready.get(name);
    if (!rq) {
      rq = new ReadyQueue({ name, source, siteName: route.siteName, routingDomain: q.routingDomain, pool: poolName, path, transport: this.#transport(route, path, source) });
      this.#ready.set(name, rq);
    } else if (rq.path !== path) {
      rq.path = path;
      rq.transport = this.#transport(route, path, source);
    }
    return rq;
  }

  #transport(route: Route, path: EgressPathConfig, source: EgressSource): Transport {
    const p = route.config.protocol;
    if (p.kind === 'maildir') return new MaildirTransport({ template: p.maildir_path, dirMode: p.dir_mode, fileMode: p.file_mode });
    if (p.kind === 'custom') return new CustomTransport(p.name, p.deliver);
    return new SmtpTransport({ hosts: route.hosts, fixedRoute: route.fixed, path, source, resolver: this.#resolver, defaultEhlo: this.#o.hostname });
  }

  #pool(name: string): Promise<EgressPool> {
    return this.#pools.get(name, async () => {
      const input = await this.#policy.get_egress_pool?.(name);
      if (input) return resolveEgressPool(input, `get_egress_pool(${name})`);
      if (name === UNSPECIFIED) return UNSPECIFIED_POOL;
      throw new MtaKitError('E_CONFIG', `egress pool ${JSON.stringify(name)} is not defined (get_egress_pool returned nothing)`);
    }, (p) => p.ttl);
  }

  #source(name: string): Promise<EgressSource> {
    return this.#sources.get(name, async () => {
      const input = await this.#policy.get_egress_source?.(name);
      if (input) return resolveEgressSource(input, `get_egress_source(${name})`);
      if (name === UNSPECIFIED) return UNSPECIFIED_SOURCE;
      throw new MtaKitError('E_CONFIG', `egress source ${JSON.stringify(name)} is not defined (get_egress_source returned nothing)`);
    }, (s) => s.ttl);
  }

  async #throttle(key: string, spec: QueueConfig['max_message_rate']): Promise<number> {
    if (!spec || !this.#o.shaper) return 0;
    const d = await this.#o.shaper.throttle(key, spec);
    return d.allowed ? 0 : Math.max(1, d.retryAfterMs);
  }

  // ---- dispatch ------------------------------------------------------------------------------

  #dispatch(rq: ReadyQueue): void {
    if (this.#stopping || rq.pausedUntil > this.#clock.now()) return;
    const limit = rq.path.connection_limit.limit;
    while (rq.dispatchers < limit && rq.size > rq.idleDispatchers) {
      rq.dispatchers++;
      this.#track(runDispatcher(rq, {
        clock: this.#clock,
        shaper: this.#o.shaper,
        outcomes: this.#outcomes,
        load: (id) => this.#load(id),
        delay: (queue, id, ms) => this.#insert(queue, id, this.#clock.now() + ms),
        track: (w) => this.#track(w),
        isStopping: () => this.#stopping,
        isSuspended: () => false,
        beforeDelivery: this.#o.beforeDelivery,
        onTaken: (r) => this.#onTaken(r),
        retryLater: (r, ms) => {
          const t = setTimeout(() => this.#dispatch(r), ms);
          t.unref();
        },
      }).catch((error: Error) => this.#o.logger?.('error', `dispatcher for ${rq.name} failed: ${error.stack ?? error.message}`))
        .finally(() => {
          rq.dispatchers--;
          if (rq.size > 0) this.#dispatch(rq);
        }));
    }
  }

  #onTaken(rq: ReadyQueue): void {
    this.#o.metrics?.readyCount.set({ service: rq.name }, rq.size);
    if (rq.size > rq.path.max_ready / 2) return;
    const waiting = this.#blockedBy.get(rq.name);
    if (!waiting) return;
    this.#blockedBy.delete(rq.name);
    for (const q of waiting) {
      q.blockedOn.delete(rq.name);
      const next = q.nextDue();
      if (next !== undefined) this.#wake(q, Math.max(next, this.#clock.now()));
    }
  }

  async #load(id: string): Promise<Message | undefined> {
    try {
      return await this.#o.spool.load(id);
    } catch (error) {
      if ((error as MtaKitError).code !== 'E_NOT_FOUND') this.#o.logger?.('error', `cannot load message ${id}: ${(error as Error).message}`);
      return undefined;
    }
  }

  #track(work: Promise<unknown>): void {
    const p = work.catch((error: Error) => this.#o.logger?.('error', `queue task failed: ${error.stack ?? error.message}`));
    this.#work.add(p);
    void p.finally(() => this.#work.delete(p));
  }
}
