import type { PreSendVerdict } from '@mtakit/core';
import type { StageOutcome } from './types.js';
import { atLeast } from './verdict.js';

/**
 * Collects the signals a stage finds. Each signal adds points and states its reason with the
 * points it cost, so every point of a dimension score can be traced; the score is the sum,
 * capped at 100. Actions are kept in order of the points behind them.
 */
export class Signals {
  #points = 0;
  #reasons: string[] = [];
  #actions: Array<{ text: string; points: number }> = [];
  #floor: PreSendVerdict | undefined;

  /** Adds a signal worth `points` (rounded; non-positive points are ignored). */
  add(points: number, reason: string, action?: string): this {
    const p = Math.round(points);
    if (p <= 0) return this;
    this.#points += p;
    this.#reasons.push(`${reason} (+${p})`);
    if (action !== undefined) {
      const known = this.#actions.find((a) => a.text === action);
      if (known) known.points += p;
      else this.#actions.push({ text: action, points: p });
    }
    return this;
  }

  /** Adds points for each item, the first worth `first` and the rest `each`, capped at `cap` in all. */
  addEach(items: readonly string[], first: number, each: number, cap: number, reason: (items: string) => string, action?: string): this {
    if (items.length === 0) return this;
    const points = Math.min(cap, first + each * (items.length - 1));
    return this.add(points, reason(items.join(', ')), action);
  }

  /** Forces the verdict to at least `verdict`, with a reason that costs no points. */
  floor(verdict: PreSendVerdict, reason: string, action?: string): this {
    this.#floor = this.#floor === undefined ? verdict : atLeast(this.#floor, verdict);
    this.#reasons.push(reason);
    if (action !== undefined && !this.#actions.some((a) => a.text === action)) this.#actions.unshift({ text: action, points: Infinity });
    return this;
  }

  /** A reason that explains a zero (not enough history, say): no points. */
  note(reason: string): this {
    this.#reasons.push(reason);
    return this;
  }

  outcome(): StageOutcome {
    const out: StageOutcome = {
      score: Math.min(100, this.#points),
      reasons: this.#reasons,
      // Most outcomes have no action (a clean dimension): no copy, sort and map for them.
      actions: this.#actions.length === 0 ? [] : [...this.#actions].sort((a, b) => b.points - a.points).map((a) => a.text),
    };
    if (this.#floor !== undefined) out.floor = this.#floor;
    return out;
  }
}
