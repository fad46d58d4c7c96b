import type { Clock, Timers } from '@mtakit/core';
import { IdTable, type IdHandles } from '../spool/id-table.js';
import { ScheduledQueue, type ScheduledEntry } from './scheduled-queue.js';
import { Wakeups } from './wakeups.js';

/** What a scheduled queue that woke up hands over. */
export type DueDecision =
  /** Due messages to move to ready queues, in due order. */
  | { kind: 'promote'; entries: ScheduledEntry[] }
  /** The queue is suspended: these came due and now wait for `until` (one record each). */
  | { kind: 'held'; entries: ScheduledEntry[]; until: number };

export interface SchedulerOptions {
  clock: Clock;
  timers: Timers;
  /** Due messages handed over per queue per wake-up (the rest on the next turn). */
  promoteBatch: number;
  /** A queue has messages due: ask `takeDue` what to do. */
  onDue(q: ScheduledQueue): void;
  /** How the queues keep ids: a DiskSpool's `ids` (its index entries, no copy of the id); default a table of the scheduler's own. */
  ids?: IdHandles;
}

/**
 * The scheduled queues: messages by due time (id and due time only), one timer for all of them,
 * and which queues wait for a full ready queue. Decides what is due; the caller moves it on.
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #queues = new Map<string, ScheduledQueue>();
  /** When each queue is to wake (a later wake-up for the same queue is stale). */
  readonly #wakeAt = new Map<ScheduledQueue, number>();
  readonly #wakeups: Wakeups<ScheduledQueue>;
  /** Ready queue name → scheduled queues that stopped feeding it because it was full. */
  readonly #blockedBy = new Map<string, Set<ScheduledQueue>>();
  readonly #ids: IdHandles;
  #count = 0;
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#ids = options.ids ?? new IdTable(0, 16);
    this.#wakeups = new Wakeups(() => options.clock.now(), options.timers, (q, at) => this.#fire(q, at));
  }

  /** Messages waiting in scheduled queues. */
  get count(): number {
    return this.#count;
  }

  get queueCount(): number {
    return this.#queues.size;
  }

  queues(): IterableIterator<ScheduledQueue> {
    return this.#queues.values();
  }

  get(name: string): ScheduledQueue | undefined {
    return this.#queues.get(name);
  }

  /** The queue of this name, made when first needed. */
  queue(name: string): ScheduledQueue {
    let q = this.#queues.get(name);
    if (!q) {
      q = new ScheduledQueue(name, this.#ids);
      this.#queues.set(name, q);
    }
    return q;
  }

  insert(q: ScheduledQueue, entry: ScheduledEntry): void {
    q.entries.push(entry);
    q.lastActivity = this.#o.clock.now();
    this.#count++;
    this.#wake(q, entry.due);
  }

  /**
   * What is due in `q` now: up to `promoteBatch` messages to promote, or, while the queue is
   * suspended until `suspendedUntil`, the messages that came due, moved to that time.
   */
  takeDue(q: ScheduledQueue, suspendedUntil?: number): DueDecision {
    const now = this.#o.clock.now();
    const entries: ScheduledEntry[] = [];
    while (entries.length < this.#o.promoteBatch && (q.entries.peekDue() ?? Infinity) <= now) entries.push(q.entries.pop() as ScheduledEntry);
    if (suspendedUntil !== undefined) {
      const until = Math.max(suspendedUntil, now);
      for (const e of entries) {
        e.due = until;
        q.entries.push(e);
      }
      // Next: a message that falls due before the end (its own record), else the end itself.
      const next = q.nextDue();
      this.#wake(q, next !== undefined && next < until ? Math.max(next, now) : until);
      return { kind: 'held', entries, until };
    }
    this.#count -= entries.length;
    const next = q.nextDue();
    if (next !== undefined) this.#wake(q, Math.max(next, now));
    return { kind: 'promote', entries };
  }

  /** Puts a message back (due now) and stops `q` until `readyQueue` has room (see `unblock`). */
  block(q: ScheduledQueue, entry: ScheduledEntry, readyQueue: string): void {
    entry.due = this.#o.clock.now();
    q.entries.push(entry);
    this.#count++;
    q.blockedOn.add(readyQueue);
    let waiting = this.#blockedBy.get(readyQueue);
    if (!waiting) this.#blockedBy.set(readyQueue, (waiting = new Set()));
    waiting.add(q);
  }

  /** `readyQueue` has room again: the queues it stopped wake up. */
  unblock(readyQueue: string): void {
    const waiting = this.#blockedBy.get(readyQueue);
    if (!waiting) return;
    this.#blockedBy.delete(readyQueue);
    for (const q of waiting) {
      q.blockedOn.delete(readyQueue);
      this.rewake(q);
    }
  }

  isBlocking(readyQueue: string): boolean {
    return this.#blockedBy.has(readyQueue);
  }

  /** Wakes a queue for its next due message now (after a suspension ends, or it was unblocked). */
  rewake(q: ScheduledQueue): void {
    this.#wakeAt.delete(q);
    const next = q.nextDue();
    if (next !== undefined) this.#wake(q, Math.max(next, this.#o.clock.now()));
  }

  /** Makes the messages of `q` due at `due` (a suspension's end) due now instead. */
  advance(q: ScheduledQueue, due: number): void {
    const now = this.#o.clock.now();
    for (const e of q.entries.removeWhere((x) => x.due === due)) {
      e.due = now;
      q.entries.push(e);
    }
    this.rewake(q);
  }

  /** Takes messages out of the queues `match` selects (or only those of `ids`). */
  take(match: (q: ScheduledQueue) => boolean, ids?: ReadonlySet<string>): Array<{ id: string; queue: string; due: number; batch?: string | undefined }> {
    const out: Array<{ id: string; queue: string; due: number; batch?: string | undefined }> = [];
    for (const q of this.#queues.values()) {
      if (!match(q)) continue;
      for (const e of q.entries.removeWhere((x) => ids === undefined || ids.has(x.id))) out.push({ id: e.id, queue: q.name, due: e.due, batch: e.batch });
    }
    this.#count -= out.length;
    return out;
  }

  /** Drops empty queues idle for their `reap_interval` (default `defaultIdleMs`). */
  reap(defaultIdleMs: number): void {
    const now = this.#o.clock.now();
    for (const [name, q] of this.#queues) {
      const idleFor = q.config?.reap_interval ?? defaultIdleMs;
      if (q.size === 0 && q.blockedOn.size === 0 && !this.#wakeAt.has(q) && now - q.lastActivity >= idleFor) this.#queues.delete(name);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#wakeups.stop();
  }

  #wake(q: ScheduledQueue, at: number): void {
    if (this.#stopped || q.blockedOn.size > 0) return;
    const current = this.#wakeAt.get(q);
    if (current !== undefined && current <= at) return;
    this.#wakeAt.set(q, at);
    this.#wakeups.at(q, at);
  }

  #fire(q: ScheduledQueue, at: number): void {
    if (this.#wakeAt.get(q) !== at) return;
    this.#wakeAt.delete(q);
    if (q.blockedOn.size > 0) return;
    this.#o.onDue(q);
  }
}
