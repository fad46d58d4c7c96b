import {
  ConfigError, internalResponse,
  type AdminEntry, type BounceRequest, type Clock, type HeldMessage, type HeldSelector, type LogBus, type Message, type Policy,
  type QueueSelector, type RebindRequest, type Spool, type SuspendReadyQueueRequest, type SuspendRequest, type Timers,
} from '@mtakit/core';
import { BATCH_META, HOLD_META } from '../batches.js';
import { publishDurably, publishOrReport, type FaultReport } from '../faults.js';
import type { HeldMessages } from '../held/held-messages.js';
import type { HoldRecords } from '../hold-records.js';
import type { ReadyQueues } from '../ready/ready-queues.js';
import { messageRecord } from '../records.js';
import { queueOfMessage } from '../scheduled/queue-name.js';
import type { Scheduler } from '../scheduled/scheduler.js';
import type { AdminState } from './admin-state.js';
import { matchesQueue } from './matching.js';
import { bounceEntry, countBounced, entry, pickSelector } from './views.js';

export interface QueueAdminDeps {
  clock: Clock;
  timers: Timers;
  spool: Spool;
  log: LogBus;
  policy: Policy;
  nodeId: string;
  report: FaultReport;
  state: AdminState;
  scheduler: Scheduler;
  ready: ReadyQueues;
  held: HeldMessages;
  holds: HoldRecords;
  /** How long an unreadable message waits before it is tried again. */
  faultRetryMs: number;
  isStopping(): boolean;
  /** A message from the spool; `keep` is called (and undefined returned) when it cannot be read. */
  load(id: string, keep?: () => void): Promise<Message | undefined>;
  /** Schedules a message (an admin bounce in force takes it instead). */
  insert(queue: string, id: string, due: number, batch?: string): void;
  track(work: Promise<unknown>): void;
}

type Taken = { id: string; queue: string; due?: number | undefined; batch?: string | undefined };

/**
 * The queue's admin operations (KumoMTA's admin API, and held mail): suspensions of scheduled and
 * ready queues, admin bounces, rebind, release and bounce of held mail. Entries are saved in the
 * admin state before an operation answers.
 */
export class QueueAdmin {
  readonly #d: QueueAdminDeps;
  /** Messages a ready-queue suspension pushed back, by suspension id (due again when it is lifted). */
  readonly #parked = new Map<string, Array<{ id: string; queue: string }>>();

  constructor(deps: QueueAdminDeps) {
    this.#d = deps;
  }

  async suspend(request: SuspendRequest): Promise<{ id: string }> {
    const d = this.#d.state.suspensions.add(request.reason, request, pickSelector(request));
    await this.#d.state.save();
    return { id: d.id };
  }

  listSuspensions(): AdminEntry[] {
    return this.#d.state.suspensions.active().map((d) => entry(d, d.data));
  }

  /** Lifts a scheduled-queue suspension: what it held is due at once. */
  async cancelSuspension(id: string): Promise<boolean> {
    const { state, scheduler } = this.#d;
    const d = state.suspensions.active().find((x) => x.id === id);
    if (!d || !state.suspensions.remove(id)) return false;
    await state.save();
    for (const q of scheduler.queues()) if (matchesQueue(d.data, q.name, q.parts)) scheduler.advance(q, d.expires);
    return true;
  }

  /** Suspends a ready queue: what waits in it goes back to its scheduled queues until the end. */
  async suspendReadyQueue(request: SuspendReadyQueueRequest): Promise<{ id: string }> {
    if (typeof request.name !== 'string' || request.name === '' || request.name.length > 1000) {
      throw new ConfigError('name', request.name, 'is required (a ready queue name, source->site@protocol)');
    }
    const d = this.#d.state.readySuspensions.add(request.reason, request, { name: request.name });
    await this.#d.state.save();
    const rq = this.#d.ready.get(request.name);
    const parked = rq?.drain() ?? [];
    for (const item of parked) this.#d.insert(item.queue, item.id, d.expires, item.batch);
    this.#parked.set(d.id, parked);
    rq?.wakeAll();
    return { id: d.id };
  }

  listReadyQueueSuspensions(): AdminEntry[] {
    return this.#d.state.readySuspensions.active().map((d) => entry(d, { name: d.data.name }));
  }

  /** Lifts a ready-queue suspension; the messages it had pushed back are due at once. */
  async cancelReadyQueueSuspension(id: string): Promise<boolean> {
    const { state, scheduler, clock } = this.#d;
    if (!state.readySuspensions.remove(id)) return false;
    await state.save();
    const parked = this.#parked.get(id) ?? [];
    this.#parked.delete(id);
    const byQueue = new Map<string, Set<string>>();
    for (const p of parked) byQueue.set(p.queue, (byQueue.get(p.queue) ?? new Set()).add(p.id));
    for (const [name, ids] of byQueue) {
      const q = scheduler.queue(name);
      for (const e of scheduler.take((x) => x === q, ids)) scheduler.insert(q, e.batch === undefined ? { id: e.id, due: clock.now() } : { id: e.id, due: clock.now(), batch: e.batch });
    }
    return true;
  }

  /** A message held back by ready-queue suspension `suspension` (due again when it is lifted). */
  park(suspension: string, id: string, queue: string): void {
    this.#parked.get(suspension)?.push({ id, queue });
  }

  /** Forgets what expired ready-queue suspensions pushed back (it is due by now). */
  sweep(): void {
    const live = new Set(this.#d.state.readySuspensions.active().map((d) => d.id));
    for (const id of this.#parked.keys()) if (!live.has(id)) this.#parked.delete(id);
  }

  /** Bounces matching messages now and, while the entry lasts, those that arrive. */
  async bounce(request: BounceRequest): Promise<{ id: string; bounced: number }> {
    const selector = { ...pickSelector(request), suppress_logging: request.suppress_logging === true };
    const d = this.#d.state.bounces.add(request.reason, request, selector);
    await this.#d.state.save();
    const victims: Taken[] = this.#takeMatching(selector);
    for (const h of this.#d.held.list(selector)) {
      this.#d.held.delete(h.id);
      victims.push(h);
    }
    for (const v of victims) {
      await this.adminBounce(v.id, v.queue, request.reason, selector.suppress_logging);
      countBounced(d, v.queue);
    }
    return { id: d.id, bounced: victims.length };
  }

  listBounces(): AdminEntry[] {
    return this.#d.state.bounces.active().map(bounceEntry);
  }

  async cancelBounce(id: string): Promise<boolean> {
    if (!this.#d.state.bounces.remove(id)) return false;
    await this.#d.state.save();
    return true;
  }

  /** Logs an AdminBounce (unless suppressed) and removes the message; an unreadable one is kept and tried later. */
  async adminBounce(id: string, queue: string, reason: string, suppressLogging: boolean): Promise<void> {
    const d = this.#d;
    d.holds.moved(id);
    if (!suppressLogging) {
      let unreadable = false;
      const message = await d.load(id, () => (unreadable = true));
      if (unreadable) {
        d.timers.after(d.faultRetryMs, () => d.track(this.adminBounce(id, queue, reason, suppressLogging)));
        return;
      }
      if (!message) return;
      const record = messageRecord('AdminBounce', message, {
        queue, response: internalResponse(551, '5.7.1', `Administrator bounced: ${reason}`), nodeId: d.nodeId, now: d.clock.now(),
      });
      if (!(await publishDurably(d.log, record, d.report, d.timers, d.isStopping))) return;
    }
    await d.spool.remove(id);
  }

  /** Re-evaluates the queue of matching messages: new meta (or the rebind_message hook), then moved. */
  async rebind(request: RebindRequest): Promise<{ rebound: number }> {
    const d = this.#d;
    if (typeof request.reason !== 'string' || request.reason === '') throw new ConfigError('reason', request.reason, 'is required');
    const data = request.data ?? {};
    let rebound = 0;
    for (const { id, queue, due } of this.#takeMatching(pickSelector(request))) {
      const message = await d.load(id, () => d.insert(queue, id, d.clock.now() + d.faultRetryMs));
      if (!message) continue;
      const original = message.getData();
      if (request.trigger_rebind_event && d.policy.rebind_message) await d.policy.rebind_message(message, data);
      else for (const [k, v] of Object.entries(data)) message.setMeta(k, v);
      const target = queueOfMessage(message);
      const when = request.always_flush ? d.clock.now() : (due ?? d.clock.now());
      message.due = when;
      // Headers the rebind_message hook added change the data: store the whole message again.
      if (message.getData().equals(original)) await d.spool.updateMeta(message);
      else await d.spool.store(message);
      d.insert(target, id, when, message.metaString(BATCH_META));
      rebound++;
      if (!request.suppress_logging) {
        await publishOrReport(d.log, messageRecord('AdminRebind', message, {
          queue: target, response: internalResponse(250, null, `rebound from ${queue}: ${request.reason}`), nodeId: d.nodeId, now: d.clock.now(),
        }), d.report);
      }
    }
    return { rebound };
  }

  listHeld(selector: QueueSelector = {}): HeldMessage[] {
    return this.#d.held.list(selector);
  }

  /** Releases held messages into their queues; `annotate` may change each before it is saved. */
  async releaseHeld(selector: HeldSelector, annotate?: (message: Message) => void): Promise<{ released: number }> {
    const d = this.#d;
    let released = 0;
    for (const { id, queue } of d.held.list(selector, selector.ids)) {
      // Unreadable now: it stays held (and reported) rather than being dropped.
      const message = await d.load(id, () => undefined);
      if (!message) continue;
      d.held.delete(id);
      message.setMeta(HOLD_META, undefined);
      annotate?.(message);
      message.due = d.clock.now();
      await d.spool.updateMeta(message);
      d.insert(queue, id, message.due, message.metaString(BATCH_META));
      released++;
    }
    return { released };
  }

  /** Bounces held messages (AdminBounce records) instead of releasing them. */
  async bounceHeld(selector: HeldSelector & { reason: string }): Promise<{ bounced: number }> {
    let bounced = 0;
    for (const { id, queue } of this.#d.held.list(selector, selector.ids)) {
      this.#d.held.delete(id);
      await this.adminBounce(id, queue, selector.reason, false);
      bounced++;
    }
    return { bounced };
  }

  /** Takes every matching message out of scheduled and ready queues. */
  #takeMatching(selector: QueueSelector): Taken[] {
    const { scheduler, ready } = this.#d;
    const out: Taken[] = scheduler.take((q) => matchesQueue(selector, q.name, q.parts));
    for (const rq of ready.values()) {
      for (const item of rq.drain((queue) => matchesQueue(selector, queue, scheduler.queue(queue).parts))) out.push(item);
    }
    return out;
  }
}
