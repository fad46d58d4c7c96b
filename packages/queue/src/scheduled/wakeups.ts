import type { Timers } from '@mtakit/core';
import { MinHeap } from './min-heap.js';

interface Wakeup<T> {
  item: T;
  at: number;
}

/**
 * One timer for many items that each want to be woken at some time (scheduled queues waking for
 * their next due message). Stale wake-ups are filtered by asking `stillDue` when they fire.
 */
export class Wakeups<T> {
  readonly #heap = new MinHeap<Wakeup<T>>((w) => w.at);
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #fire: (item: T, at: number) => void;
  #cancel: (() => void) | undefined;
  #timerAt = Infinity;
  #stopped = false;

  constructor(now: () => number, timers: Timers, fire: (item: T, at: number) => void) {
    this.#now = now;
    this.#timers = timers;
    this.#fire = fire;
  }

  at(item: T, at: number): void {
    if (this.#stopped) return;
    this.#heap.push({ item, at });
    if (at < this.#timerAt) this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel?.();
  }

  #arm(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    const next = this.#heap.peek();
    if (!next || this.#stopped) {
      this.#timerAt = Infinity;
      return;
    }
    this.#timerAt = next.at;
    // setTimeout takes at most ~24.8 days; longer waits re-arm on the way.
    const delay = Math.min(Math.max(0, next.at - this.#now()), 2 ** 31 - 1);
    this.#cancel = this.#timers.after(delay, () => this.#run());
  }

  #run(): void {
    const now = this.#now();
    for (let w = this.#heap.peek(); w && w.at <= now; w = this.#heap.peek()) {
      this.#heap.pop();
      this.#fire(w.item, w.at);
    }
    this.#arm();
  }
}
