import type { Timers } from '../clock.js';
import { FakeClock } from './fake-clock.js';

/**
 * Timers driven by a FakeClock: `advance` moves the clock and runs, in time order, every timer
 * that falls due (including timers those callbacks set, when they fall within the step).
 */
export class FakeTimers implements Timers {
  readonly clock: FakeClock;
  #pending: Array<{ at: number; seq: number; fn: () => void }> = [];
  #seq = 0;

  constructor(clock: FakeClock = new FakeClock()) {
    this.clock = clock;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.clock.now() + Math.max(0, ms), seq: this.#seq++, fn };
    this.#pending.push(timer);
    return () => {
      this.#pending = this.#pending.filter((t) => t !== timer);
    };
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.#pending.length;
  }

  advance(ms: number): void {
    const end = this.clock.now() + ms;
    for (;;) {
      const next = this.#pending.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.#pending = this.#pending.filter((t) => t !== next);
      this.clock.set(Math.max(this.clock.now(), next.at));
      next.fn();
    }
    this.clock.set(end);
  }
}
