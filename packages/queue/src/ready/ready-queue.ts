import type { EgressPathConfig, EgressSource } from '@mtakit/core';
import type { Transport } from '../delivery/channel.js';

/**
 * A ready queue (`source->site@proto`): messages that are due and routed, waiting for a
 * connection of this egress path. Holds ids only; dispatchers load each message as they take it.
 */
export class ReadyQueue {
  readonly name: string;
  readonly source: EgressSource;
  readonly siteName: string;
  readonly routingDomain: string;
  readonly pool: string;
  path: EgressPathConfig;
  transport: Transport;
  /**
   * Ids waiting, grouped by the scheduled queue each came from. Dispatchers take from the groups
   * in turn, so one tenant or campaign that floods a ready queue cannot starve the others.
   */
  readonly #groups = new Map<string, Fifo>();
  #rotation: string[] = [];
  #turn = 0;
  #size = 0;
  dispatchers = 0;
  /**
   * Dispatchers started but still opening their connection: each will take a message, so a new
   * one is started only for messages beyond these and the idle ones.
   */
  openingDispatchers = 0;
  idleDispatchers = 0;
  consecutiveFailures = 0;
  /** Throttled until this time (a rate limit said wait). */
  pausedUntil = 0;
  readonly #idleWaiters: Array<() => void> = [];
  lastActivity = 0;

  constructor(init: { name: string; source: EgressSource; siteName: string; routingDomain: string; pool: string; path: EgressPathConfig; transport: Transport }) {
    this.name = init.name;
    this.source = init.source;
    this.siteName = init.siteName;
    this.routingDomain = init.routingDomain;
    this.pool = init.pool;
    this.path = init.path;
    this.transport = init.transport;
  }

  get size(): number {
    return this.#size;
  }

  /** Whether one more connection would have a message to carry (and the path allows one). */
  wantsDispatcher(): boolean {
    return this.dispatchers < this.path.connection_limit.limit && this.#size > this.idleDispatchers + this.openingDispatchers;
  }

  /**
   * Whether `queue` may not add more: the ready queue is at `max_ready` and that scheduled queue
   * already holds its fair share of it (so a flooding tenant cannot lock the others out).
   */
  fullFor(queue: string): boolean {
    if (this.#size < this.path.max_ready) return false;
    const groups = Math.max(1, this.#groups.size);
    return (this.#groups.get(queue)?.length ?? 0) >= this.path.max_ready / groups;
  }

  /** Adds a message; `batch` marks copies of one transaction that may be sent together. */
  push(id: string, queue: string, batch?: string): void {
    let group = this.#groups.get(queue);
    if (!group) {
      group = new Fifo();
      this.#groups.set(queue, group);
      this.#rotation.push(queue);
    }
    group.push({ id, batch });
    this.#size++;
    this.#idleWaiters.shift()?.();
  }

  take(): ReadyItem | undefined {
    while (this.#rotation.length > 0) {
      if (this.#turn >= this.#rotation.length) this.#turn = 0;
      const queue = this.#rotation[this.#turn] as string;
      const group = this.#groups.get(queue) as Fifo;
      const entry = group.shift();
      if (entry === undefined) {
        this.#groups.delete(queue);
        this.#rotation.splice(this.#turn, 1);
        continue;
      }
      this.#turn++;
      this.#size--;
      return { ...entry, queue };
    }
    return undefined;
  }

  /** Takes up to `max` more messages of `batch` waiting right behind it in `queue`'s group. */
  takeBatchMates(queue: string, batch: string, max: number): ReadyItem[] {
    const group = this.#groups.get(queue);
    const out: ReadyItem[] = [];
    while (group && out.length < max && group.peekFirst()?.batch === batch) {
      out.push({ ...(group.shift() as FifoEntry), queue });
      this.#size--;
    }
    return out;
  }

  /** Removes and returns what is waiting, optionally only from some scheduled queues. */
  drain(match: (queue: string) => boolean = () => true): ReadyItem[] {
    const out: ReadyItem[] = [];
    for (const [queue, group] of this.#groups) {
      if (!match(queue)) continue;
      for (let entry = group.shift(); entry !== undefined; entry = group.shift()) out.push({ ...entry, queue });
    }
    this.#size -= out.length;
    return out;
  }

  /** Ids waiting, for inspection. */
  peekIds(limit: number): string[] {
    const out: string[] = [];
    for (const group of this.#groups.values()) {
      out.push(...group.peek(limit - out.length).map((e) => e.id));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Resolves when an item arrives or after `timeoutMs`; true if woken by an item. */
  waitForWork(timeoutMs: number): Promise<boolean> {
    if (this.size > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const i = this.#idleWaiters.indexOf(wake);
        if (i !== -1) this.#idleWaiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      this.#idleWaiters.push(wake);
    });
  }

  /** Wakes every idle dispatcher (at shutdown or suspension). */
  wakeAll(): void {
    for (const w of this.#idleWaiters.splice(0)) w();
  }
}

/** A message waiting in a ready queue. */
export interface ReadyItem {
  id: string;
  /** The scheduled queue it came from. */
  queue: string;
  /** Transaction it is a byte-identical copy of, if any (see `takeBatchMates`). */
  batch?: string | undefined;
}

interface FifoEntry {
  id: string;
  batch?: string | undefined;
}

/** A FIFO with O(1) shift (a moving head over an array, compacted as it grows). */
class Fifo {
  #items: FifoEntry[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(entry: FifoEntry): void {
    this.#items.push(entry);
  }

  peekFirst(): FifoEntry | undefined {
    return this.#items[this.#head];
  }

  shift(): FifoEntry | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const entry = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  peek(limit: number): FifoEntry[] {
    return this.#items.slice(this.#head, this.#head + Math.max(0, limit));
  }
}
