import type { Clock, Timers } from '@mtakit/core';
import type { ReadyQueue } from './ready-queue.js';

/**
 * Starts a paused ready queue's dispatchers again when its pause ends: one timer per queue, at
 * the earliest end asked for. A timer can fire a little before the clock reaches the pause's end
 * (Node's timers count on the event loop's millisecond clock, which can run up to 1 ms ahead of
 * `Date.now()`): `dispatch` then finds the queue still paused and `holds` arms a timer for the
 * rest, so a queue is never left paused with nothing to wake it.
 */
export class PauseWakeups {
  readonly #armed = new Map<ReadyQueue, { at: number; cancel: () => void }>();
  #stopped = false;

  constructor(private readonly clock: Clock, private readonly timers: Timers, private readonly dispatch: (rq: ReadyQueue) => void) {}

  /** Whether `rq` is paused now; if it is, `dispatch(rq)` is called once the pause has passed. */
  holds(rq: ReadyQueue): boolean {
    const wait = rq.pausedUntil - this.clock.now();
    if (wait <= 0) return false;
    const armed = this.#armed.get(rq);
    if (this.#stopped || (armed && armed.at <= rq.pausedUntil)) return true;
    armed?.cancel();
    const cancel = this.timers.after(Math.max(1, wait), () => {
      this.#armed.delete(rq);
      this.dispatch(rq);
    });
    this.#armed.set(rq, { at: rq.pausedUntil, cancel });
    return true;
  }

  stop(): void {
    this.#stopped = true;
    for (const { cancel } of this.#armed.values()) cancel();
    this.#armed.clear();
  }
}
