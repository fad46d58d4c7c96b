import {
  internalResponse, isMessageId, Message, MtaKitError, NULL_QUEUE, queueLimits, systemClock, systemTimers,
  type AdminEntry, type BounceRequest, type Clock, type HeldMessage, type HeldSelector, type MessageInspection, type PathLimits,
  type Policy, type QueueConfig, type QueueControl, type QueueSelector, type RebindRequest, type Shaper, type SuspendReadyQueueRequest,
  type SpoolRecord, type SuspendRequest,
} from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { readyQueueService } from '@mtakit/core/metrics';
import type { AcceptedMessage } from '@mtakit/core/smtp';
import { AdminState } from './admin/admin-state.js';
import { AdminStateFile } from './admin/admin-state-file.js';
import { inspectMessage, inspectScheduledQueue, resolveEgressPath, type InspectDeps, type ResolveEgressPathRequest } from './admin/inspect.js';
import { QueueAdmin } from './admin/queue-admin.js';
import { countBounced, type EgressPathResolution, type ReadyQueueState, type ScheduledQueueInspection } from './admin/views.js';
import { BATCH_META, HOLD_META, markBatches } from './batches.js';
import { EgressSelection } from './egress/selection.js';
import { faultReport, publishAllOrReport, type FaultReport } from './faults.js';
import { HeldMessages } from './held/held-messages.js';
import { HoldRecords, suspendedResponse } from './hold-records.js';
import type { QueueManagerOptions, QueueSummary } from './queue-manager-options.js';
import { Outcomes, timeMeta } from './outcomes.js';
import { runDispatcher } from './ready/dispatcher.js';
import { failsafeShaper } from './ready/failsafe-shaper.js';
import { localShaper } from './ready/local-shaper.js';
import { PauseWakeups } from './ready/pause-wakeups.js';
import { ReadyQueue } from './ready/ready-queue.js';
import { ReadyQueues } from './ready/ready-queues.js';
import { messageRecord, RECEIVED } from './records.js';
import { PolicyConfigs } from './routing/policy-configs.js';
import { routeFor, transportFor, type Route } from './routing/routes.js';
import { queueOfMessage, queueOfRecord } from './scheduled/queue-name.js';
import type { ScheduledEntry, ScheduledQueue } from './scheduled/scheduled-queue.js';
import { Scheduler } from './scheduled/scheduler.js';
import { DiskSpool } from './spool/disk-spool.js';
import { recoveredBatches, SpoolReads } from './spool/spool-reads.js';

export type { QueueManagerOptions, QueueSummary } from './queue-manager-options.js';

/**
 * The queue engine, assembled from its parts: messages are stored in the spool, wait in scheduled
 * queues (Scheduler), are routed through an egress pool (EgressSelection) to a ready queue per
 * source and site (ReadyQueues), and are delivered by dispatchers (one per connection) up to each
 * path's limits; Outcomes handles what an attempt returns, QueueAdmin the admin operations. The
 * parts decide; this class carries their decisions out.
 */
export class QueueManager implements QueueControl {
  readonly #o: QueueManagerOptions;
  readonly #clock: Clock;
  readonly #policy: Policy;
  readonly #resolver: MxResolver;
  /** The shaper, with failed checks counting as refusals (see failsafeShaper), or a local one. */
  readonly #shaper: Shaper | undefined;
  readonly #report: FaultReport;
  readonly #faultRetryMs: number;
  readonly #configs: PolicyConfigs;
  readonly #scheduler: Scheduler;
  readonly #ready: ReadyQueues;
  readonly #pauses: PauseWakeups;
  readonly #selection: EgressSelection;
  readonly #state: AdminState;
  readonly #admin: QueueAdmin;
  readonly #held = new HeldMessages();
  readonly #holds: HoldRecords;
  readonly #reads: SpoolReads;
  readonly #outcomes: Outcomes;
  readonly #inspect: InspectDeps;
  readonly #work = new Set<Promise<unknown>>();
  #stopping = false;
  readonly #reaper: NodeJS.Timeout;

  constructor(options: QueueManagerOptions) {
    this.#o = options;
    const clock = (this.#clock = options.clock ?? systemClock);
    const timers = options.timers ?? systemTimers;
    const policy = (this.#policy = options.policy ?? {});
    const resolver = (this.#resolver = options.resolver ?? new MxResolver());
    const nodeId = options.nodeId ?? '';
    this.#shaper = options.shaper ? failsafeShaper(options.shaper, clock, (message) => options.logger?.('warn', message)) : localShaper(clock);
    const report = (this.#report = faultReport(options.logger, options.metrics));
    this.#faultRetryMs = options.faultRetryMs ?? 30_000;
    const configs = (this.#configs = new PolicyConfigs(policy, clock));
    const scheduler = (this.#scheduler = new Scheduler({ clock, timers, promoteBatch: options.promoteBatch ?? 256, onDue: (q) => this.#onDue(q), ...(options.spool instanceof DiskSpool ? { ids: options.spool.ids } : {}) }));
    const ready = (this.#ready = new ReadyQueues({ clock, configs, transport: (route, path, source) => transportFor(route, path, source, resolver, options.hostname) }));
    this.#pauses = new PauseWakeups(clock, timers, (rq) => this.#dispatch(rq));
    const stateDir = options.stateDir ?? (options.spool instanceof DiskSpool ? options.spool.dir : undefined);
    const state = (this.#state = new AdminState(clock, stateDir === undefined ? undefined : new AdminStateFile(stateDir), (m) => options.logger?.('error', m)));
    this.#selection = new EgressSelection({ clock, shaper: this.#shaper, configs, ready, readySuspensionOf: (name) => state.readySuspensionOf(name) });
    const reads = (this.#reads = new SpoolReads({ spool: options.spool, timers, report, faultRetryMs: this.#faultRetryMs }));
    const load = (id: string, keep?: () => void) => reads.message(id, keep);
    const track = (work: Promise<unknown>) => this.#track(work);
    const holds = (this.#holds = new HoldRecords({ log: options.log, clock, nodeId, report, load: (id) => reads.record(id), track }));
    this.#admin = new QueueAdmin({
      clock, timers, spool: options.spool, log: options.log, policy, nodeId, report, state, scheduler, ready, held: this.#held, holds,
      faultRetryMs: this.#faultRetryMs, isStopping: () => this.#stopping, load, track, insert: (queue, id, due, batch) => this.#insert(queue, id, due, batch),
    });
    this.#outcomes = new Outcomes({
      spool: options.spool, log: options.log, policy, clock, nodeId, metrics: options.metrics, classify: options.classify,
      random: options.random ?? Math.random, timers, report, isStopping: () => this.#stopping,
      queueConfig: (name, message) => (message && this.#perMessage() ? configs.queueForMessage(scheduler.queue(name), message) : configs.queue(scheduler.queue(name), message)),
      reschedule: (queue, message, due) => this.#insert(queue, message.id, due, message.metaString(BATCH_META)),
    });
    this.#inspect = { clock, spool: options.spool, policy, resolver, configs, scheduler, held: this.#held, state };
    this.#reaper = setInterval(() => this.#reap(), options.reapCheckMs ?? 60_000).unref();
  }

  /** Messages waiting in scheduled queues. */
  get scheduledCount(): number {
    return this.#scheduler.count;
  }

  /**
   * Spools messages durably, then queues them and logs their Reception. Resolves once every
   * message is on disk: an SMTP/HTTP listener replies after this. Meta `queue = "null"` discards;
   * a pre-send `hold` verdict (or meta `hold`) keeps the message spooled but unscheduled.
   */
  async enqueue(items: ReadonlyArray<Message | AcceptedMessage>): Promise<void> {
    const messages: Message[] = [];
    const queues: string[] = [];
    for (const i of items) {
      const m = i instanceof Message ? i : i.message;
      // A pre-send "hold" verdict: spool it now, deliver only when released.
      if (!(i instanceof Message) && i.verdict?.verdict === 'hold') m.setMeta(HOLD_META, { score: i.verdict.score, threshold: i.verdict.threshold, actions: i.verdict.actions });
      const queue = queueOfMessage(m);
      if (queue === NULL_QUEUE) continue;
      m.due ??= timeMeta(m.getMeta('send_at'));
      messages.push(m);
      queues.push(queue);
    }
    markBatches(messages);
    const spool = this.#o.spool;
    await (spool instanceof DiskSpool ? spool.storeAll(messages) : Promise.all(messages.map((m) => spool.store(m))));
    const ctx = { response: RECEIVED, nodeId: this.#o.nodeId ?? '', now: this.#clock.now() };
    messages.forEach((m, i) => {
      const queue = queues[i] as string;
      // On disk: a failed log write is reported, never fatal. A record at a time, none kept waiting.
      void publishAllOrReport(this.#o.log, [messageRecord('Reception', m, { ...ctx, queue })], this.#report);
      if (m.getMeta(HOLD_META) !== undefined) this.#held.add(m.id, queue);
      else this.#scheduleInHand(queue, m, m.size);
    });
  }

  /** Puts every spooled message back in its queue with its attempts and due time, streaming the spool (mail keeps flowing); logs progress every 5 s. */
  async recover(): Promise<{ recovered: number; ms: number }> {
    const started = Date.now();
    let recovered = 0;
    let lastReport = started;
    for await (const batch of recoveredBatches(this.#o.spool)) {
      for (const record of batch) {
        let queue: string;
        try {
          queue = queueOfRecord(record);
        } catch (error) {
          this.#o.logger?.('error', `spool message ${record.id} has an unroutable recipient ${JSON.stringify(record.recipient)}: ${(error as Error).message}`);
          continue;
        }
        if (this.#policy.spool_message_enumerated) await this.#policy.spool_message_enumerated(new Message({ ...record }));
        if (record.meta[HOLD_META] !== undefined) this.#held.add(record.id, queue);
        else this.#scheduleInHand(queue, record, record.size);
        recovered++;
      }
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
    return { scheduledQueues: this.#scheduler.queueCount, readyQueues: this.#ready.size, scheduled: this.#scheduler.count, held: this.#held.size };
  }

  summary(): QueueSummary {
    const iso = (t: number | undefined) => (t === undefined || t === 0 ? null : new Date(t).toISOString());
    return {
      scheduled: [...this.#scheduler.queues()].filter((q) => q.size > 0).map((q) => ({ name: q.name, count: q.size, nextDue: iso(q.nextDue()) })),
      ready: [...this.#ready.values()].map((r) => ({ name: r.name, count: r.size, connections: r.dispatchers, pausedUntil: iso(r.pausedUntil > this.#clock.now() ? r.pausedUntil : undefined) })),
    };
  }

  /**
   * Stops delivery: no new connections, dispatchers finish their current transaction, outcome
   * records are written. Messages stay in the spool for the next start.
   */
  async shutdown(): Promise<void> {
    this.#stopping = true;
    this.#scheduler.stop();
    this.#pauses.stop();
    clearInterval(this.#reaper);
    for (const rq of this.#ready.values()) rq.wakeAll();
    while (this.#work.size > 0) await Promise.allSettled([...this.#work]);
  }

  // ---- QueueControl and the admin API (see QueueAdmin) ----------------------------------------

  suspend(request: SuspendRequest): Promise<{ id: string }> { return this.#admin.suspend(request); }
  listSuspensions(): AdminEntry[] { return this.#admin.listSuspensions(); }
  cancelSuspension(id: string): Promise<boolean> { return this.#admin.cancelSuspension(id); }
  suspendReadyQueue(request: SuspendReadyQueueRequest): Promise<{ id: string }> { return this.#admin.suspendReadyQueue(request); }
  listReadyQueueSuspensions(): AdminEntry[] { return this.#admin.listReadyQueueSuspensions(); }
  cancelReadyQueueSuspension(id: string): Promise<boolean> { return this.#admin.cancelReadyQueueSuspension(id); }
  bounce(request: BounceRequest): Promise<{ id: string; bounced: number }> { return this.#admin.bounce(request); }
  listBounces(): AdminEntry[] { return this.#admin.listBounces(); }
  cancelBounce(id: string): Promise<boolean> { return this.#admin.cancelBounce(id); }
  rebind(request: RebindRequest): Promise<{ rebound: number }> { return this.#admin.rebind(request); }
  listHeld(selector: QueueSelector = {}): HeldMessage[] { return this.#admin.listHeld(selector); }
  releaseHeld(selector: HeldSelector, annotate?: (message: Message) => void): Promise<{ released: number }> { return this.#admin.releaseHeld(selector, annotate); }
  bounceHeld(selector: HeldSelector & { reason: string }): Promise<{ bounced: number }> { return this.#admin.bounceHeld(selector); }
  inspectMessage(id: string, wantBody = false): Promise<MessageInspection> { return inspectMessage(this.#inspect, id, wantBody); }
  inspectScheduledQueue(name: string, options: { wantBody?: boolean; limit?: number } = {}): Promise<ScheduledQueueInspection> { return inspectScheduledQueue(this.#inspect, name, options); }
  resolveEgressPath(request: ResolveEgressPathRequest): Promise<EgressPathResolution> { return resolveEgressPath(this.#inspect, request); }
  /** Every ready queue with its limits and state (`/api/admin/ready-queues/v1`; held-back ones also in `ready-q-states`). */
  readyQueueStates(): ReadyQueueState[] { return this.#ready.states((name) => this.#state.readySuspensionOf(name)); }
  egressPathLimits(): Array<{ name: string; egress_source: string; site_name: string; limits: PathLimits }> { return this.#ready.pathLimits(); }

  /** Re-requests get_egress_path_config for matching ready queues now (a shaping parameter changed). */
  async invalidateEgressPaths(match: { source?: string | undefined; siteName?: string | undefined } = {}): Promise<void> {
    for (const rq of await this.#ready.refreshPaths(match)) this.#dispatch(rq);
  }

  // ---- scheduling and promotion ----------------------------------------------------------------

  /** Schedules a message, unless an admin bounce in force takes it. */
  #insert(queueName: string, id: string, due: number, batch?: string): void {
    const q = this.#scheduler.queue(queueName);
    const bounce = this.#state.bounceOf(q);
    if (bounce) {
      this.#track(this.#admin.adminBounce(id, q.name, bounce.reason, bounce.data.suppress_logging));
      countBounced(bounce, q.name);
      return;
    }
    this.#scheduler.insert(q, batch === undefined ? { id, due } : { id, due, batch });
    this.#o.metrics?.scheduledCount.set(this.#scheduler.count);
  }

  /**
   * Schedules a new message (`record` is the Message) or a recovered one. One due now in a suspended queue
   * waits for the suspension's end with its hold record made from what is in hand, not read back from the spool.
   */
  #scheduleInHand(queue: string, record: Message | SpoolRecord, size: number | undefined): void {
    const now = this.#clock.now();
    const batch = typeof record.meta[BATCH_META] === 'string' ? record.meta[BATCH_META] : undefined;
    const q = this.#scheduler.queue(queue);
    const suspended = size !== undefined && (record.due ?? now) <= now && !this.#state.bounceOf(q) ? this.#state.suspensionOf(q) : undefined;
    if (suspended && size !== undefined) {
      if (this.#o.spool instanceof DiskSpool) this.#o.spool.deliveryCache?.forget(record.id); // not delivered now
      this.#holds.recordOf(record, size, q.name, suspendedResponse(q, suspended.reason));
      return this.#insert(queue, record.id, suspended.expires, batch);
    }
    this.#insert(queue, record.id, record.due ?? now, batch);
  }

  #onDue(q: ScheduledQueue): void {
    const suspended = this.#state.suspensionOf(q);
    const due = this.#scheduler.takeDue(q, suspended?.expires);
    if (due.kind === 'held' && suspended) {
      // Nothing leaves a suspended queue: each message that came due waits, with one record.
      const response = suspendedResponse(q, suspended.reason);
      for (const e of due.entries) this.#holds.record(e.id, q.name, response);
      return;
    }
    for (const e of due.entries) this.#track(this.#promote(q, e));
    this.#o.metrics?.scheduledCount.set(this.#scheduler.count);
  }

  /** Moves a due message from its scheduled queue to a ready queue (or back, with a wait). */
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
    if (now > parseInt(entry.id.slice(0, 12), 16) + config.max_age) {
      this.#holds.moved(entry.id);
      const message = await this.#reads.message(entry.id, () => this.#insert(q.name, entry.id, now + this.#faultRetryMs, entry.batch));
      if (message) await this.#outcomes.expire(message, config, { queue: q.name });
      return;
    }
    const throttled = await this.#selection.admit(queueLimits(q.name, q.parts.tenant, config).promotionRates);
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
    const rq = await this.#selection.select(q, config, route);
    if (!(rq instanceof ReadyQueue)) {
      const s = rq.suspension;
      if (s) this.#admin.park(s.id, entry.id, q.name);
      const response = s ? internalResponse(451, '4.4.4', `ready queue ${s.name} is suspended: ${s.reason}`) : rq.failed ? internalResponse(451, '4.3.0', rq.failed) : internalResponse(451, '4.4.5', `throttled by ${rq.throttled ?? 'every egress source'}`);
      // A ready-queue suspension moves the message to its end (one record); a throttle is remembered.
      if (s) this.#holds.record(entry.id, q.name, response);
      else this.#holds.held(entry.id, q.name, rq.failed ? `pool:${rq.failed}` : `throttled:${rq.throttled ?? ''}`, response);
      return this.#insert(q.name, entry.id, now + rq.wait, entry.batch);
    }
    if (rq.fullFor(q.name)) return this.#scheduler.block(q, entry, rq.name);
    this.#holds.moved(entry.id);
    rq.push(entry.id, q.name, entry.batch);
    rq.lastActivity = now;
    this.#o.metrics?.readyCount.inc({ service: readyQueueService(rq.name) });
    this.#dispatch(rq);
  }

  async #routeFailed(q: ScheduledQueue, entry: ScheduledEntry, error: unknown): Promise<void> {
    const message = await this.#reads.message(entry.id, () => this.#insert(q.name, entry.id, this.#clock.now() + this.#faultRetryMs, entry.batch));
    if (!message) return;
    const code = error instanceof MtaKitError ? error.code : 'E_DNS';
    const response =
      code === 'E_NULL_MX' ? internalResponse(556, '5.1.10', `${q.routingDomain} does not accept mail (null MX)`)
      : code === 'E_DNS_NXDOMAIN' ? internalResponse(550, '5.1.2', `${q.routingDomain} does not exist (NXDOMAIN)`)
      : code === 'E_CONFIG' ? internalResponse(451, '4.3.5', `configuration error: ${(error as Error).message}`)
      : internalResponse(451, '4.4.3', `cannot resolve ${q.routingDomain}: ${(error as Error).message}`);
    await this.#outcomes.handle(message, { response }, { queue: q.name });
  }

  #perMessage(): boolean {
    const option = this.#o.perMessageQueueConfig;
    return typeof option === 'function' ? option() : option === true;
  }

  /** get_queue_config for the message with this id, uncached (see `perMessageQueueConfig`). */
  async #messageQueueConfig(q: ScheduledQueue, id: string): Promise<QueueConfig> {
    const message = await this.#reads.message(id);
    return message ? this.#configs.queueForMessage(q, message) : this.#configs.queue(q);
  }

  /**
   * Drops queue objects nobody needs any more, so a long-running MTA that has mailed many domains
   * does not keep one queue per domain forever (KumoMTA's `reap_interval`). A dropped queue is
   * simply made again, with a fresh config, when mail for it arrives.
   */
  #reap(): void {
    this.#scheduler.reap(DEFAULT_REAP_MS);
    this.#ready.reap(this.#o.readyQueueReapMs ?? DEFAULT_REAP_MS, (name) => this.#scheduler.isBlocking(name));
    this.#configs.sweep();
    this.#admin.sweep();
  }

  // ---- dispatch ------------------------------------------------------------------------------

  /** Starts dispatchers (connections) for the messages no connecting or idle one will take. */
  #dispatch(rq: ReadyQueue): void {
    if (this.#stopping || this.#pauses.holds(rq)) return;
    while (rq.wantsDispatcher()) {
      rq.dispatchers++;
      this.#track(runDispatcher(rq, {
        clock: this.#clock,
        shaper: this.#shaper,
        outcomes: this.#outcomes,
        load: (item) => this.#reads.message(item.id, () => this.#insert(item.queue, item.id, this.#clock.now() + this.#faultRetryMs, item.batch)),
        delay: (item, ms) => this.#insert(item.queue, item.id, this.#clock.now() + ms, item.batch),
        track: (w) => this.#track(w),
        isStopping: () => this.#stopping,
        isSuspended: (r) => this.#state.readySuspensionOf(r.name) !== undefined,
        beforeDelivery: this.#o.beforeDelivery,
        deliveryLimits: (queue) => {
          const q = this.#scheduler.get(queue);
          return q?.config && q.parts.tenant !== undefined && q.config.tenant_connection_limit ? queueLimits(q.name, q.parts.tenant, q.config).deliveryLimits : [];
        },
        held: (r, hold, context, waitMs) => this.#ready.noteHold(r, hold, context, waitMs),
        onTaken: (r) => {
          this.#o.metrics?.readyCount.set({ service: readyQueueService(r.name) }, r.size);
          if (r.size <= r.path.max_ready / 2) this.#scheduler.unblock(r.name);
        },
        paused: (r) => void this.#pauses.holds(r),
      }).catch((error: Error) => this.#o.logger?.('error', `dispatcher for ${rq.name} failed: ${error.stack ?? error.message}`))
        .finally(() => {
          rq.dispatchers--;
          if (rq.size > 0) this.#dispatch(rq);
        }));
    }
  }

  #track(work: Promise<unknown>): void {
    const p = work.catch((error: Error) => this.#o.logger?.('error', `queue task failed: ${error.stack ?? error.message}`));
    this.#work.add(p);
    void p.finally(() => this.#work.delete(p));
  }
}

/** Idle time before an empty queue object is dropped (KumoMTA's `reap_interval` default). */
const DEFAULT_REAP_MS = 10 * 60_000;
