import {
  ConfigError, domainOf, formatQueueName, internalResponse, isMessageId, Message, MtaKitError, NULL_QUEUE, pathLimits, queueLimits, queueNameFor,
  resolveEgressPathConfig, resolveQueueConfig, systemClock, systemTimers, throttleAll, UNSPECIFIED, type Timers,
  type Clock, type EgressPathConfig, type EgressSource, type KeyedLimit, type KeyedRate, type LogBus,
  type PathLimits, type Policy, type QueueConfig, type Shaper, type SmtpResponse, type Spool,
  type BounceRequest, type HeldMessage, type HeldSelector, type QueueControl, type RebindRequest, type SuspendReadyQueueRequest, type SuspendRequest,
} from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { readyQueueService, type MtaMetrics } from '@mtakit/core/metrics';
import type { AcceptedMessage } from '@mtakit/core/smtp';
import { AdminState } from './admin/admin-state.js';
import { AdminStateFile } from './admin/admin-state-file.js';
import { matchesQueue, type QueueSelector } from './admin/matching.js';
import { bounceEntry, countBounced, entry, pickSelector, type AdminEntry, type EgressPathResolution, type MessageInspection, type ReadyQueueState, type ScheduledQueueInspection } from './admin/views.js';
import { BATCH_META, HOLD_META, markBatches } from './batches.js';
import type { Transport } from './delivery/channel.js';
import { WeightedRoundRobin } from './egress/weighted-round-robin.js';
import { DiskSpool } from './spool/disk-spool.js';
import { faultReport, publishDurably, publishOrReport, type FaultReport } from './faults.js';
import { PolicyConfigs } from './routing/policy-configs.js';
import { routeFor, transportFor, type Route } from './routing/routes.js';
import { Outcomes, timeMeta } from './outcomes.js';
import { pathLimitsOf, runDispatcher, type ConnectionHold } from './ready/dispatcher.js';
import { failsafeShaper } from './ready/failsafe-shaper.js';
import { ReadyQueue } from './ready/ready-queue.js';
import { HoldRecords } from './hold-records.js';
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
  /** Deferred work (retries after faults). Default: real timers. */
  timers?: Timers;
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
   * How often idle queues are looked for and dropped: a scheduled queue empty for its
   * `reap_interval`, a ready queue empty and unconnected for `readyQueueReapMs`. Default 60 s.
   */
  reapCheckMs?: number;
  /** How long an empty ready queue with no connection is kept. Default 10 minutes. */
  readyQueueReapMs?: number;
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
  perMessageQueueConfig?: boolean | (() => boolean);
  /**
   * Where admin entries (suspensions, ready-queue suspensions, admin bounces) are kept so they
   * outlive a restart until they expire (`admin-state.json`). Default: the DiskSpool's directory;
   * with another spool and no stateDir they live in memory only.
   */
  stateDir?: string;
  /** How long a message whose spool read failed waits before it is tried again. Default 30 s. */
  faultRetryMs?: number;
}

export interface QueueSummary {
  scheduled: Array<{ name: string; count: number; nextDue: string | null }>;
  ready: Array<{ name: string; count: number; connections: number; pausedUntil: string | null }>;
}

/**
 * The queue engine: messages are stored in the spool, wait in scheduled queues (id + due time
 * only), are routed through an egress pool to a ready queue per (source, site), and are delivered by
 * dispatchers (one per connection) up to each path's limits. Every config comes from the policy,
 * cached per queue/pool/source/path and refreshed by TTL or config epoch.
 */
export class QueueManager implements QueueControl {
  readonly #o: QueueManagerOptions;
  readonly #clock: Clock;
  readonly #policy: Policy;
  readonly #resolver: MxResolver;
  /** The shaper, with failed checks counting as refusals (see failsafeShaper). */
  readonly #shaper: Shaper | undefined;
  readonly #random: () => number;
  readonly #timers: Timers;
  readonly #report: FaultReport;
  readonly #faultRetryMs: number;
  readonly #queues = new Map<string, ScheduledQueue>();
  readonly #ready = new Map<string, ReadyQueue>();
  readonly #wakeAt = new Map<ScheduledQueue, number>();
  readonly #wakeups: Wakeups<ScheduledQueue>;
  readonly #configs: PolicyConfigs;
  readonly #outcomes: Outcomes;
  readonly #holds: HoldRecords;
  readonly #work = new Set<Promise<unknown>>();
  readonly #blockedBy = new Map<string, Set<ScheduledQueue>>();
  readonly #admin: AdminState;
  /** Messages a ready-queue suspension pushed back, by suspension id (due again when it is lifted). */
  readonly #parked = new Map<string, Array<{ id: string; queue: string }>>();
  /** Held messages (pre-send hold): id → scheduled queue name. Not scheduled until released. */
  readonly #held = new Map<string, string>();
  /** Why a ready queue's last connection attempt was refused by a limit, while it waits. */
  readonly #connectionHolds = new WeakMap<ReadyQueue, Partial<Record<ConnectionHold, { context: string; since: number; until: number }>>>();
  /** The route each ready queue was built for (to rebuild its transport when its path config changes). */
  readonly #readyRoutes = new Map<string, Route>();
  /** Per throttle key, the earliest time the next refused message is given (see #admit). */
  readonly #nextSlot = new Map<string, number>();
  #scheduled = 0;
  #stopping = false;
  readonly #reaper: NodeJS.Timeout;

  constructor(options: QueueManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#policy = options.policy ?? {};
    this.#resolver = options.resolver ?? new MxResolver();
    this.#shaper = options.shaper && failsafeShaper(options.shaper, this.#clock, (message) => this.#o.logger?.('warn', message));
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? systemTimers;
    this.#report = faultReport(options.logger, options.metrics);
    this.#faultRetryMs = options.faultRetryMs ?? 30_000;
    this.#configs = new PolicyConfigs(this.#policy, this.#clock);
    this.#wakeups = new Wakeups(() => this.#clock.now(), (q, at) => this.#onWake(q, at));
    this.#reaper = setInterval(() => this.#reap(), options.reapCheckMs ?? 60_000);
    this.#reaper.unref();
    const stateDir = options.stateDir ?? (options.spool instanceof DiskSpool ? options.spool.dir : undefined);
    this.#admin = new AdminState(this.#clock, stateDir === undefined ? undefined : new AdminStateFile(stateDir), (m) => this.#o.logger?.('error', m));
    this.#holds = new HoldRecords({
      log: options.log, clock: this.#clock, nodeId: options.nodeId ?? '', report: this.#report,
      load: (id) => this.#load(id), track: (work) => this.#track(work),
    });
    this.#outcomes = new Outcomes({
      spool: options.spool, log: options.log, policy: this.#policy, clock: this.#clock, nodeId: options.nodeId ?? '',
      metrics: options.metrics, classify: options.classify, random: this.#random, timers: this.#timers, report: this.#report, isStopping: () => this.#stopping,
      queueConfig: (name, message) => (message && this.#perMessage() ? this.#configs.queueForMessage(this.#queue(name), message) : this.#configs.queue(this.#queue(name), message)),
      reschedule: (queue, message, due) => this.#insert(queue, message.id, due, message.metaString(BATCH_META)),
    });
  }

  /** Messages waiting in scheduled queues. */
  get scheduledCount(): number {
    return this.#scheduled;
  }

  /**
   * Spools messages durably, then queues them and logs their Reception. Resolves once every
   * message is on disk: an SMTP/HTTP listener replies after this. Meta `queue = "null"` discards;
   * a pre-send `hold` verdict (or meta `hold`) keeps the message spooled but unscheduled.
   */
  async enqueue(items: ReadonlyArray<Message | AcceptedMessage>): Promise<void> {
    const messages = items.map((i) => {
      if (i instanceof Message) return i;
      // A pre-send "hold" verdict: spool it now, deliver only when released.
      if (i.verdict?.verdict === 'hold') i.message.setMeta(HOLD_META, { score: i.verdict.score, threshold: i.verdict.threshold, actions: i.verdict.actions });
      return i.message;
    });
    const kept = messages.filter((m) => queueNameFor(m.meta, m.recipientDomain) !== NULL_QUEUE);
    for (const m of kept) m.due ??= timeMeta(m.getMeta('send_at'));
    markBatches(kept);
    await Promise.all(kept.map((m) => this.#o.spool.store(m)));
    const now = this.#clock.now();
    for (const m of kept) {
      const queue = queueNameFor(m.meta, m.recipientDomain);
      if (m.getMeta(HOLD_META) !== undefined) this.#held.set(m.id, queue);
      else this.#insert(queue, m.id, m.due ?? now, m.metaString(BATCH_META));
      // The message is on disk: a log that cannot be written is reported, never fatal.
      void publishOrReport(this.#o.log, messageRecord('Reception', m, {
        queue, response: { code: 250, enhanced_code: null, content: '', command: null }, nodeId: this.#o.nodeId ?? '', now,
      }), this.#report);
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
      if (record.meta[HOLD_META] !== undefined) this.#held.set(record.id, queue);
      else this.#insert(queue, record.id, record.due ?? this.#clock.now(), stringMeta(record.meta[BATCH_META]));
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
    this.#configs.bumpEpoch();
  }

  /** How many queue objects exist (idle ones are reaped) and how many messages they schedule. */
  stats(): { scheduledQueues: number; readyQueues: number; scheduled: number; held: number } {
    return { scheduledQueues: this.#queues.size, readyQueues: this.#ready.size, scheduled: this.#scheduled, held: this.#held.size };
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
    clearInterval(this.#reaper);
    for (const rq of this.#ready.values()) rq.wakeAll();
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }


  // ---- admin operations (KumoMTA's admin API) ----------------------------------------------

  /** Suspends delivery from matching scheduled queues (`/api/admin/suspend/v1`). */
  async suspend(request: SuspendRequest): Promise<{ id: string }> {
    const d = this.#admin.suspensions.add(request.reason, request, pickSelector(request));
    await this.#admin.save();
    return { id: d.id };
  }

  listSuspensions(): AdminEntry[] {
    return this.#admin.suspensions.active().map((d) => entry(d, d.data));
  }

  /** Lifts a scheduled-queue suspension; its queues deliver again at once. */
  async cancelSuspension(id: string): Promise<boolean> {
    const d = this.#admin.suspensions.active().find((x) => x.id === id);
    if (!this.#admin.suspensions.remove(id)) return false;
    await this.#admin.save();
    const now = this.#clock.now();
    for (const q of this.#queues.values()) {
      if (!d || !matchesQueue(d.data, q.name, q.parts)) continue;
      // What the suspension held waits for its end: due now instead.
      for (const e of q.entries.removeWhere((x) => x.due === d.expires)) {
        e.due = now;
        q.entries.push(e);
      }
    }
    for (const q of this.#queues.values()) if (d && matchesQueue(d.data, q.name, q.parts)) this.#rewake(q);
    return true;
  }

  /**
   * Suspends a ready queue (`/api/admin/suspend-ready-q/v1`): what waits in it goes back to its
   * scheduled queues until the suspension ends, and no new connection is opened.
   */
  async suspendReadyQueue(request: SuspendReadyQueueRequest): Promise<{ id: string }> {
    if (typeof request.name !== 'string' || request.name === '') throw new ConfigError('name', request.name, 'is required (a ready queue name)');
    const d = this.#admin.readySuspensions.add(request.reason, request, { name: request.name });
    await this.#admin.save();
    const parked = this.#ready.get(request.name)?.drain() ?? [];
    for (const item of parked) this.#insert(item.queue, item.id, d.expires, item.batch);
    this.#parked.set(d.id, parked);
    this.#ready.get(request.name)?.wakeAll();
    return { id: d.id };
  }

  listReadyQueueSuspensions(): AdminEntry[] {
    return this.#admin.readySuspensions.active().map((d) => entry(d, { name: d.data.name }));
  }

  /** Lifts a ready-queue suspension; the messages it had pushed back are due at once. */
  async cancelReadyQueueSuspension(id: string): Promise<boolean> {
    if (!this.#admin.readySuspensions.remove(id)) return false;
    await this.#admin.save();
    const parked = this.#parked.get(id) ?? [];
    this.#parked.delete(id);
    const byQueue = new Map<string, Set<string>>();
    for (const p of parked) byQueue.set(p.queue, (byQueue.get(p.queue) ?? new Set()).add(p.id));
    const now = this.#clock.now();
    for (const [name, ids] of byQueue) {
      const q = this.#queue(name);
      for (const e of q.entries.removeWhere((x) => ids.has(x.id))) {
        e.due = now;
        q.entries.push(e);
      }
      this.#rewake(q);
    }
    return true;
  }

  /**
   * Bounces matching messages (`/api/admin/bounce/v1`): those queued now and, while the entry lasts
   * (default 5 minutes), those that arrive. Each gets an AdminBounce record unless
   * `suppress_logging`, and is removed from the spool. Needs no delivery capacity.
   */
  async bounce(request: BounceRequest): Promise<{ id: string; bounced: number }> {
    const selector = { ...pickSelector(request), suppress_logging: request.suppress_logging === true };
    const d = this.#admin.bounces.add(request.reason, request, selector);
    await this.#admin.save();
    const victims = this.#takeMatching(selector);
    for (const [id, queue] of this.#held) {
      const q = this.#queue(queue);
      if (matchesQueue(selector, q.name, q.parts)) {
        this.#held.delete(id);
        victims.push({ id, queue });
      }
    }
    for (const v of victims) {
      await this.#adminBounce(v.id, v.queue, request.reason, selector.suppress_logging);
      countBounced(d, v.queue);
    }
    return { id: d.id, bounced: victims.length };
  }

  listBounces(): AdminEntry[] {
    return this.#admin.bounces.active().map(bounceEntry);
  }

  async cancelBounce(id: string): Promise<boolean> {
    if (!this.#admin.bounces.remove(id)) return false;
    await this.#admin.save();
    return true;
  }

  /**
   * Re-evaluates the queue of matching messages (`/api/admin/rebind/v1`): `data` is applied to each
   * message's meta (or handed to the `rebind_message` hook with `trigger_rebind_event`), the queue
   * name is recomputed, and the message moves (now, with `always_flush`).
   */
  async rebind(request: RebindRequest): Promise<{ rebound: number }> {
    if (typeof request.reason !== 'string' || request.reason === '') throw new ConfigError('reason', request.reason, 'is required');
    const data = request.data ?? {};
    let rebound = 0;
    for (const { id, queue, due } of this.#takeMatching(pickSelector(request))) {
      const message = await this.#load(id, () => this.#insert(queue, id, this.#clock.now() + this.#faultRetryMs));
      if (!message) continue;
      const original = message.getData();
      if (request.trigger_rebind_event && this.#policy.rebind_message) await this.#policy.rebind_message(message, data);
      else for (const [k, v] of Object.entries(data)) message.setMeta(k, v);
      const target = queueNameFor(message.meta, message.recipientDomain);
      const when = request.always_flush ? this.#clock.now() : (due ?? this.#clock.now());
      message.due = when;
      // Headers the rebind_message hook added change the data: store the whole message again.
      if (message.getData().equals(original)) await this.#o.spool.updateMeta(message);
      else await this.#o.spool.store(message);
      this.#insert(target, id, when, message.metaString(BATCH_META));
      rebound++;
      if (!request.suppress_logging) {
        await publishOrReport(this.#o.log, messageRecord('AdminRebind', message, {
          queue: target, response: internalResponse(250, null, `rebound from ${queue}: ${request.reason}`), nodeId: this.#o.nodeId ?? '', now: this.#clock.now(),
        }), this.#report);
      }
    }
    return { rebound };
  }

  /** A message as the spool has it (`/api/admin/inspect-message/v1`). */
  async inspectMessage(id: string, wantBody = false): Promise<MessageInspection> {
    const message = await this.#o.spool.load(id);
    return {
      id,
      message: {
        sender: message.sender, recipient: [message.recipient], meta: message.meta, num_attempts: message.numAttempts,
        due: message.due === undefined ? null : new Date(message.due).toISOString(), held: this.#held.has(id),
        ...(wantBody ? { data: message.getData().toString('utf8') } : {}),
      },
    };
  }

  /** A scheduled queue's config and its next messages (`/api/admin/inspect-sched-q/v1`). */
  async inspectScheduledQueue(name: string, options: { wantBody?: boolean; limit?: number } = {}): Promise<ScheduledQueueInspection> {
    const q = this.#queues.get(name);
    if (!q) throw new MtaKitError('E_NOT_FOUND', `no scheduled queue named ${JSON.stringify(name)}`);
    const entries = [...q.entries.values()].sort((a, b) => a.due - b.due).slice(0, options.limit ?? 20);
    const messages = [];
    for (const e of entries) {
      try {
        messages.push(await this.inspectMessage(e.id, options.wantBody));
      } catch {
        // removed meanwhile
      }
    }
    const suspended = this.#admin.suspensionOf(q);
    return {
      queue_name: name, queue_config: q.config ?? (await this.#configs.queue(q)), now: new Date(this.#clock.now()).toISOString(),
      num_scheduled: q.size, suspended: suspended ? entry(suspended, suspended.data) : null, messages,
    };
  }

  /** Every ready queue with its limits and state (`/api/admin/ready-queues/v1`; held-back ones also in `ready-q-states`). */
  readyQueueStates(): ReadyQueueState[] {
    const now = this.#clock.now();
    return [...this.#ready.values()].map((rq) => {
      const suspension = this.#admin.readySuspensionOf(rq.name);
      const holds = this.#connectionHolds.get(rq) ?? {};
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

  /** Each ready queue's path limits under the shaper keys its dispatchers use (for shaping views and metrics). */
  egressPathLimits(): Array<{ name: string; egress_source: string; site_name: string; limits: PathLimits }> {
    return [...this.#ready.values()].map((rq) => ({ name: rq.name, egress_source: rq.source.name, site_name: rq.siteName, limits: pathLimitsOf(rq) }));
  }

  /**
   * Re-requests get_egress_path_config now for the ready queues of matching paths (automation
   * changed a parameter), instead of when their cached config ages out; dispatchers apply the new
   * limits from their next message or connection. Resolves when the new configs are in place.
   */
  async invalidateEgressPaths(match: { source?: string | undefined; siteName?: string | undefined } = {}): Promise<void> {
    const matching = [...this.#ready.values()].filter((rq) => (match.source === undefined || rq.source.name === match.source) && (match.siteName === undefined || rq.siteName === match.siteName));
    await Promise.all(matching.map(async (rq) => {
      this.#configs.forgetPath(rq.name);
      const path = await this.#configs.path(rq.name, rq.routingDomain, rq.source.name, rq.siteName);
      const route = this.#readyRoutes.get(rq.name);
      if (rq.path === path || !route) return;
      rq.path = path;
      rq.transport = this.#transport(route, path, rq.source);
      this.#dispatch(rq);
    }));
  }

  /**
   * What the hooks say for mail to `domain` from `source` (default `unspecified`), for
   * `/api/admin/resolve-egress-path/v1`: get_queue_config and get_egress_path_config are asked
   * afresh (not from the caches), the route is resolved, and the ready queue is named. `limits`
   * are the path's and the queue's, under the keys the queue uses.
   */
  async resolveEgressPath(request: { domain: string; source?: string | undefined; tenant?: string | undefined; campaign?: string | undefined; routing_domain?: string | undefined }): Promise<EgressPathResolution> {
    if (typeof request.domain !== 'string' || request.domain === '') throw new ConfigError('domain', request.domain, 'is required');
    const q = new ScheduledQueue(formatQueueName({ domain: request.domain, tenant: request.tenant, campaign: request.campaign, routing_domain: request.routing_domain }));
    const p = q.parts;
    const queueInput = (await this.#policy.get_queue_config?.(p.domain, p.tenant, p.campaign, p.routing_domain, {})) ?? {};
    const config = resolveQueueConfig(queueInput, `get_queue_config(${q.name})`);
    const route = await routeFor(q.routingDomain, config, this.#resolver);
    const source = request.source ?? UNSPECIFIED;
    const pathInput = (await this.#policy.get_egress_path_config?.(q.routingDomain, source, route.siteName)) ?? {};
    const name = `${source}->${route.siteName}@${route.protocol}`;
    const path = resolveEgressPathConfig(pathInput, `get_egress_path_config(${name})`);
    return {
      domain: p.domain, source, scheduled_queue: q.name, queue_name: name, site_name: route.siteName, mx: route.hosts.map((h) => h.name),
      queue_config: queueInput, path_config: pathInput, limits: { ...pathLimits(source, route.siteName, path), ...queueLimits(q.name, p.tenant, config) },
    };
  }

  /** Held messages (pre-send hold), optionally only those of matching queues. */
  listHeld(selector: QueueSelector = {}): HeldMessage[] {
    return [...this.#held].filter(([, queue]) => matchesQueue(selector, queue, this.#queue(queue).parts)).map(([id, queue]) => ({ id, queue }));
  }

  /**
   * Releases held messages into their queues. `annotate` may record who released them and why on
   * each message (it is saved with the message before it is scheduled).
   */
  async releaseHeld(selector: HeldSelector, annotate?: (message: Message) => void): Promise<{ released: number }> {
    let released = 0;
    for (const { id, queue } of this.listHeld(selector)) {
      if (selector.ids && !selector.ids.includes(id)) continue;
      // Unreadable now: it stays held (and reported) rather than being dropped.
      const message = await this.#load(id, () => undefined);
      if (!message) continue;
      this.#held.delete(id);
      message.setMeta(HOLD_META, undefined);
      annotate?.(message);
      message.due = this.#clock.now();
      await this.#o.spool.updateMeta(message);
      this.#insert(queue, id, message.due, message.metaString(BATCH_META));
      released++;
    }
    return { released };
  }

  /** Bounces held messages (AdminBounce records) instead of releasing them. */
  async bounceHeld(selector: HeldSelector & { reason: string }): Promise<{ bounced: number }> {
    let bounced = 0;
    for (const { id, queue } of this.listHeld(selector)) {
      if (selector.ids && !selector.ids.includes(id)) continue;
      this.#held.delete(id);
      await this.#adminBounce(id, queue, selector.reason, false);
      bounced++;
    }
    return { bounced };
  }

  /** Takes every matching message out of scheduled and ready queues. */
  #takeMatching(selector: QueueSelector): Array<{ id: string; queue: string; due?: number }> {
    const out: Array<{ id: string; queue: string; due?: number }> = [];
    for (const q of this.#queues.values()) {
      if (!matchesQueue(selector, q.name, q.parts)) continue;
      for (const e of q.entries.removeWhere(() => true)) out.push({ id: e.id, queue: q.name, due: e.due });
    }
    this.#scheduled -= out.length;
    for (const rq of this.#ready.values()) {
      for (const item of rq.drain((queue) => matchesQueue(selector, queue, this.#queue(queue).parts))) out.push(item);
    }
    this.#o.metrics?.scheduledCount.set(this.#scheduled);
    return out;
  }

  async #adminBounce(id: string, queue: string, reason: string, suppressLogging: boolean): Promise<void> {
    this.#holds.moved(id);
    if (!suppressLogging) {
      let unreadable = false;
      const message = await this.#load(id, () => (unreadable = true));
      if (unreadable) {
        // Kept: bounced again once it can be read, with its record.
        this.#timers.after(this.#faultRetryMs, () => this.#track(this.#adminBounce(id, queue, reason, suppressLogging)));
        return;
      }
      if (!message) return;
      const record = messageRecord('AdminBounce', message, {
        queue, response: internalResponse(551, '5.7.1', `Administrator bounced: ${reason}`), nodeId: this.#o.nodeId ?? '', now: this.#clock.now(),
      });
      if (!(await publishDurably(this.#o.log, record, this.#report, this.#timers, () => this.#stopping))) return;
    }
    await this.#o.spool.remove(id);
  }

  /** Wakes a queue now (after a suspension ends). */
  #rewake(q: ScheduledQueue): void {
    this.#wakeAt.delete(q);
    const next = q.nextDue();
    if (next !== undefined) this.#wake(q, Math.max(next, this.#clock.now()));
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

  #insert(queueName: string, id: string, due: number, batch?: string): void {
    const q = this.#queue(queueName);
    const bounce = this.#admin.bounceOf(q);
    if (bounce) {
      this.#track(this.#adminBounce(id, q.name, bounce.reason, bounce.data.suppress_logging));
      countBounced(bounce, q.name);
      return;
    }
    q.entries.push(batch === undefined ? { id, due } : { id, due, batch });
    q.lastActivity = this.#clock.now();
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
    const suspended = this.#admin.suspensionOf(q);
    const batch = this.#o.promoteBatch ?? 256;
    if (suspended) {
      // Nothing leaves a suspended queue: what comes due waits for the suspension's end, with one
      // TransientFailure record each (KumoMTA's behaviour).
      const until = Math.max(suspended.expires, now);
      const response = internalResponse(451, '4.4.4', `scheduled queue ${q.name} is suspended: ${suspended.reason}`);
      for (let n = 0; n < batch; n++) {
        const top = q.entries.peek();
        if (!top || top.due > now) break;
        q.entries.pop();
        top.due = until;
        q.entries.push(top);
        this.#holds.held(top.id, q.name, `suspended:${suspended.id}`, response);
      }
      const next = q.nextDue();
      this.#wake(q, next !== undefined && next <= now ? now : until);
      return;
    }
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
    q.lastActivity = now;
    let config: QueueConfig;
    try {
      config = this.#perMessage() ? await this.#messageQueueConfig(q, entry.id) : await this.#configs.queue(q);
    } catch (error) {
      this.#o.logger?.('error', `get_queue_config for ${q.name} failed: ${(error as Error).message}; retrying in 60 s`);
      return this.#insert(q.name, entry.id, now + 60_000, entry.batch);
    }
    if (!isMessageId(entry.id)) return;
    const created = parseInt(entry.id.slice(0, 12), 16);
    if (now > created + config.max_age) {
      this.#holds.moved(entry.id);
      const message = await this.#load(entry.id, () => this.#insert(q.name, entry.id, now + this.#faultRetryMs, entry.batch));
      if (message) await this.#outcomes.expire(message, config, { queue: q.name });
      return;
    }
    const throttled = await this.#admit(queueLimits(q.name, q.parts.tenant, config).promotionRates);
    if (throttled) {
      this.#holds.held(entry.id, q.name, `throttled:${throttled.limit}`, internalResponse(451, '4.4.5', `throttled by ${throttled.limit}`));
      return this.#insert(q.name, entry.id, throttled.at, entry.batch);
    }
    let route: Route;
    try {
      route = await routeFor(q.routingDomain, config, this.#resolver);
    } catch (error) {
      return this.#routeFailed(q, entry, error);
    }
    const rq = await this.#selectReadyQueue(q, config, route);
    if (!(rq instanceof ReadyQueue)) {
      if (rq.suspension) this.#parked.get(rq.suspension.id)?.push({ id: entry.id, queue: q.name });
      const state = rq.suspension ? `ready-suspended:${rq.suspension.id}` : `throttled:${rq.throttled ?? ''}`;
      const response = rq.suspension
        ? internalResponse(451, '4.4.4', `ready queue ${rq.suspension.name} is suspended: ${rq.suspension.reason}`)
        : internalResponse(451, '4.4.5', `throttled by ${rq.throttled ?? 'every egress source'}`);
      this.#holds.held(entry.id, q.name, state, response);
      return this.#insert(q.name, entry.id, now + rq.wait, entry.batch);
    }
    if (rq.fullFor(q.name)) {
      entry.due = now;
      q.entries.push(entry);
      this.#scheduled++;
      q.blockedOn.add(rq.name);
      let waiting = this.#blockedBy.get(rq.name);
      if (!waiting) this.#blockedBy.set(rq.name, (waiting = new Set()));
      waiting.add(q);
      return;
    }
    this.#holds.moved(entry.id);
    rq.push(entry.id, q.name, entry.batch);
    rq.lastActivity = now;
    this.#o.metrics?.readyCount.inc({ service: readyQueueService(rq.name) });
    this.#dispatch(rq);
  }

  async #routeFailed(q: ScheduledQueue, entry: ScheduledEntry, error: unknown): Promise<void> {
    const message = await this.#load(entry.id, () => this.#insert(q.name, entry.id, this.#clock.now() + this.#faultRetryMs, entry.batch));
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

  #perMessage(): boolean {
    const option = this.#o.perMessageQueueConfig;
    return typeof option === 'function' ? option() : option === true;
  }

  /** get_queue_config for the message with this id, uncached (see `perMessageQueueConfig`). */
  async #messageQueueConfig(q: ScheduledQueue, id: string): Promise<QueueConfig> {
    const message = await this.#load(id);
    return message ? this.#configs.queueForMessage(q, message) : this.#configs.queue(q);
  }

  /**
   * Picks the egress source (weighted round robin; a suspended or over-rate source is skipped for
   * the next candidate) and its ready queue. The pick is committed before any await, so concurrent
   * promotions spread over the pool as the weights say. Returns a wait instead when no source can
   * take the message now.
   */
  async #selectReadyQueue(q: ScheduledQueue, config: QueueConfig, route: Route): Promise<ReadyQueue | Unselected> {
    const pool = config.egress_source ? { name: config.egress_source, entries: [{ name: config.egress_source, weight: 1 }], ttl: 60_000 } : await this.#configs.pool(config.egress_pool);
    if (!q.rotation || !q.rotation.matches(pool.entries)) q.rotation = new WeightedRoundRobin(pool.entries);
    const first = q.rotation.next();
    const order = first === undefined ? [] : [first, ...q.rotation.candidates().filter((c) => c !== first)];
    let best: Unselected = { wait: 60_000 };
    for (const name of order) {
      const rq = await this.#readyQueue(q, pool.name, name, route);
      const suspension = this.#admin.readySuspensionOf(rq.name);
      if (suspension) {
        const wait = Math.max(0, suspension.expires - this.#clock.now());
        if (wait < best.wait || best.suspension === undefined) best = { wait, suspension: { id: suspension.id, name: rq.name, reason: suspension.reason } };
        continue;
      }
      const throttled = await this.#admit(pathLimitsOf(rq).selectionRates);
      if (throttled) {
        const wait = throttled.at - this.#clock.now();
        if (wait < best.wait) best = { wait, throttled: throttled.limit };
        continue;
      }
      return rq;
    }
    return best;
  }

  async #readyQueue(q: ScheduledQueue, poolName: string, sourceName: string, route: Route): Promise<ReadyQueue> {
    const source = await this.#configs.source(sourceName);
    const name = `${source.name}->${route.siteName}@${route.protocol}`;
    const path = await this.#configs.path(name, q.routingDomain, source.name, route.siteName);
    let rq = this.#ready.get(name);
    if (!rq) {
      rq = new ReadyQueue({ name, source, siteName: route.siteName, routingDomain: q.routingDomain, pool: poolName, path, transport: this.#transport(route, path, source) });
      this.#ready.set(name, rq);
    } else if (rq.path !== path) {
      rq.path = path;
      rq.transport = this.#transport(route, path, source);
    }
    this.#readyRoutes.set(name, route);
    return rq;
  }

  #transport(route: Route, path: EgressPathConfig, source: EgressSource): Transport {
    return transportFor(route, path, source, this.#resolver, this.#o.hostname);
  }

  /**
   * Passes the throttles checked away from a connection (promotion, source selection): undefined
   * when the message may go on, else when to try it again. The messages one throttle refuses are
   * given times one interval apart (up to a minute past the wait), so a burst does not come back
   * all at once only for one message to pass and the rest to be refused again.
   */
  async #admit(rates: readonly KeyedRate[]): Promise<{ at: number; limit: string } | undefined> {
    if (rates.length === 0 || !this.#shaper) return undefined;
    const admission = await throttleAll(this.#shaper, rates);
    if (admission.allowed) return undefined;
    const now = this.#clock.now();
    const earliest = now + Math.max(1, admission.retryAfterMs);
    const { key, spec } = admission.rate;
    const slotKey = `${key}|${spec.text}`;
    const at = Math.min(Math.max(earliest, this.#nextSlot.get(slotKey) ?? 0), earliest + SPREAD_HORIZON_MS);
    this.#nextSlot.set(slotKey, at + spec.periodMs / spec.limit);
    if (this.#nextSlot.size > 10_000) for (const [k, t] of this.#nextSlot) if (t < now) this.#nextSlot.delete(k);
    return { at, limit: `${admission.name} ${spec.text}` };
  }

  /** Leases a message of a scheduled queue holds while it is sent (its tenant's connection limit). */
  #deliveryLimits(queueName: string): readonly KeyedLimit[] {
    const q = this.#queues.get(queueName);
    if (!q?.config || q.parts.tenant === undefined || !q.config.tenant_connection_limit) return [];
    return queueLimits(q.name, q.parts.tenant, q.config).deliveryLimits;
  }

  #noteHold(rq: ReadyQueue, hold: ConnectionHold, context: string | undefined, waitMs: number): void {
    const holds = this.#connectionHolds.get(rq) ?? {};
    if (context === undefined) {
      if (!holds[hold]) return;
      delete holds[hold];
    } else {
      const now = this.#clock.now();
      const since = holds[hold]?.context === context ? holds[hold].since : now;
      holds[hold] = { context, since, until: now + waitMs };
    }
    this.#connectionHolds.set(rq, holds);
  }

  /**
   * Drops queue objects nobody needs any more, so a long-running MTA that has mailed many domains
   * does not keep one queue per domain forever (KumoMTA's `reap_interval`). A dropped queue is
   * simply made again, with a fresh config, when mail for it arrives.
   */
  #reap(): void {
    const now = this.#clock.now();
    for (const [name, q] of this.#queues) {
      const idleFor = q.config?.reap_interval ?? DEFAULT_REAP_MS;
      if (q.size === 0 && q.blockedOn.size === 0 && !this.#wakeAt.has(q) && now - q.lastActivity >= idleFor) this.#queues.delete(name);
    }
    for (const [name, rq] of this.#ready) {
      if (rq.size === 0 && rq.dispatchers === 0 && !this.#blockedBy.has(name) && now - rq.lastActivity >= (this.#o.readyQueueReapMs ?? DEFAULT_REAP_MS)) {
        this.#ready.delete(name);
        this.#readyRoutes.delete(name);
      }
    }
    this.#configs.sweep();
    // What expired ready-queue suspensions had pushed back is due by now: forget the lists.
    const live = new Set(this.#admin.readySuspensions.active().map((d) => d.id));
    for (const id of this.#parked.keys()) if (!live.has(id)) this.#parked.delete(id);
  }

  // ---- dispatch ------------------------------------------------------------------------------

  #dispatch(rq: ReadyQueue): void {
    if (this.#stopping || rq.pausedUntil > this.#clock.now()) return;
    while (rq.wantsDispatcher()) {
      rq.dispatchers++;
      this.#track(runDispatcher(rq, {
        clock: this.#clock,
        shaper: this.#shaper,
        outcomes: this.#outcomes,
        load: (item) => this.#load(item.id, () => this.#insert(item.queue, item.id, this.#clock.now() + this.#faultRetryMs, item.batch)),
        delay: (item, ms) => this.#insert(item.queue, item.id, this.#clock.now() + ms, item.batch),
        track: (w) => this.#track(w),
        isStopping: () => this.#stopping,
        isSuspended: (r) => this.#admin.readySuspensionOf(r.name) !== undefined,
        beforeDelivery: this.#o.beforeDelivery,
        deliveryLimits: (queue) => this.#deliveryLimits(queue),
        held: (r, hold, context, waitMs) => this.#noteHold(r, hold, context, waitMs),
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
    this.#o.metrics?.readyCount.set({ service: readyQueueService(rq.name) }, rq.size);
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

  /**
   * A message from the spool; undefined when it is gone (bounced or removed meanwhile). A read
   * that fails (EMFILE, EIO, a bad checksum) is never taken for "gone": it is tried again, then
   * reported, and `keep` puts the message back where it will be tried later.
   */
  async #load(id: string, keep?: () => void): Promise<Message | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#o.spool.load(id);
      } catch (error) {
        if ((error as MtaKitError).code === 'E_NOT_FOUND') return undefined;
        if (attempt < SPOOL_READ_ATTEMPTS) {
          await new Promise<void>((resolve) => this.#timers.after(50 * attempt, resolve));
          continue;
        }
        this.#report('spool_read', `cannot read message ${id} from the spool (${attempt} attempts): ${(error as Error).message}; kept, tried again in ${this.#faultRetryMs} ms`);
        keep?.();
        return undefined;
      }
    }
  }

  #track(work: Promise<unknown>): void {
    const p = work.catch((error: Error) => this.#o.logger?.('error', `queue task failed: ${error.stack ?? error.message}`));
    this.#work.add(p);
    void p.finally(() => this.#work.delete(p));
  }
}

/** Reads of one message tried before a spool read error is reported. */
const SPOOL_READ_ATTEMPTS = 3;

/** Idle time before an empty queue object is dropped (KumoMTA's `reap_interval` default). */
const DEFAULT_REAP_MS = 10 * 60_000;

/** Why no ready queue took a message now, and how long to wait. */
interface Unselected {
  wait: number;
  suspension?: { id: string; name: string; reason: string };
  /** The throttle that refused it (name and rate). */
  throttled?: string;
}

/** How far past a throttle's own wait refused messages are spread (see #admit). */
const SPREAD_HORIZON_MS = 60_000;

function stringMeta(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

