/**
 * Smooth weighted round robin (as in nginx): over any window of W picks, where W is the sum of the
 * weights, each entry is picked exactly `weight` times, and picks of one entry are spread out
 * rather than bunched. Entries can be skipped for one pick (a throttled or suspended source):
 * the next best candidate is taken instead.
 */
export class WeightedRoundRobin {
  #entries: Array<{ name: string; weight: number; current: number }>;

  constructor(entries: ReadonlyArray<{ name: string; weight: number }>) {
    this.#entries = entries.filter((e) => e.weight > 0).map((e) => ({ name: e.name, weight: e.weight, current: 0 }));
  }

  /** Candidates in the order this pick would prefer them; call `commit` with the one used. */
  candidates(): string[] {
    return this.#entries
      .map((e) => ({ name: e.name, score: e.current + e.weight }))
      .sort((a, b) => b.score - a.score)
      .map((r) => r.name);
  }

  /** Records that `name` was picked. */
  commit(name: string): void {
    const total = this.#entries.reduce((a, e) => a + e.weight, 0);
    for (const e of this.#entries) e.current += e.weight;
    const chosen = this.#entries.find((e) => e.name === name);
    if (chosen) chosen.current -= total;
  }

  /** Picks the next entry (no skipping). */
  next(): string | undefined {
    const name = this.candidates()[0];
    if (name !== undefined) this.commit(name);
    return name;
  }

  /** Whether this rotation was built from the same entries (so its state can be kept). */
  matches(entries: ReadonlyArray<{ name: string; weight: number }>): boolean {
    const live = entries.filter((e) => e.weight > 0);
    return live.length === this.#entries.length && live.every((e, i) => e.name === this.#entries[i]?.name && e.weight === this.#entries[i]?.weight);
  }
}
