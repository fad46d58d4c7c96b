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
  /** Ids waiting, with the scheduled queue each came from. */
  readonly #items: Array<{ id: string; queue: string }> = [];
  #head = 0;
  dispatchers = 0;
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
    return this.#items.length - this.#head;
  }

  get full(): boolean {
    return this.size >= this.path.max_ready;
  }

  push(id: string, queue: string): void {
    this.#items.push({ id, queue });
    this.#idleWaiters.shift()?.();
  }

  take(): { id: string; queue: string } | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as { id: string; queue: string };
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns everything waiting (to push it back to the scheduled queues). */
  drain(): Array<{ id: string; queue: string }> {
    const rest = this.#items.slice(this.#head);
    this.#items.length = 0;
    this.#head = 0;
    return rest;
  }

  /** Ids waiting, for inspection. */
  peekIds(limit: number): string[] {
    return this.#items.slice(this.#head, this.#head + limit).map((i) => i.id);
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
