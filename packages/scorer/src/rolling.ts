/**
 * Counters in fixed time buckets over a bounded horizon: a ring of `horizon / bucket` slots with
 * running totals, so adding, the horizon total and a recent-window sum cost O(window) at most and
 * memory is fixed per instance (4 bytes per slot and field, plus 8 per slot). Time is passed in
 * (Unix ms): no timers, no clock of its own.
 */
export class RollingCounts {
  readonly bucketMs: number;
  readonly #slots: number;
  readonly #fields: number;
  /** Absolute bucket number held by each slot, -1 when empty. */
  readonly #bucketOf: Float64Array;
  readonly #counts: Uint32Array;
  readonly #totals: Float64Array;
  #newest = -1;

  constructor(bucketMs: number, horizonMs: number, fields: number) {
    this.bucketMs = bucketMs;
    this.#slots = Math.max(1, Math.ceil(horizonMs / bucketMs));
    this.#fields = fields;
    this.#bucketOf = new Float64Array(this.#slots).fill(-1);
    this.#counts = new Uint32Array(this.#slots * fields);
    this.#totals = new Float64Array(fields);
  }

  /** Counts `n` (a whole number) events of `field` at time `at`; events older than the horizon are dropped. */
  add(at: number, field: number, n = 1): void {
    const bucket = Math.floor(at / this.bucketMs);
    this.#advance(bucket);
    if (bucket <= this.#newest - this.#slots) return;
    const slot = bucket % this.#slots;
    this.#bucketOf[slot] = bucket;
    this.#counts[slot * this.#fields + field] = (this.#counts[slot * this.#fields + field] ?? 0) + n;
    this.#totals[field] = (this.#totals[field] ?? 0) + n;
  }

  /** Total of `field` over the horizon ending at `now`. */
  total(now: number, field: number): number {
    this.#advance(Math.floor(now / this.bucketMs));
    return this.#totals[field] ?? 0;
  }

  /**
   * Sum of `field` over the buckets that overlap the last `windowMs` before `now`: the window
   * itself plus, at most, part of one bucket before it.
   */
  recent(now: number, windowMs: number, field: number): number {
    const current = Math.floor(now / this.bucketMs);
    this.#advance(current);
    const first = Math.max(Math.floor((now - windowMs) / this.bucketMs), current - this.#slots + 1);
    let sum = 0;
    for (let b = first; b <= current; b++) sum += this.#count(b, field);
    return sum;
  }

  /**
   * Events of `field` in the last `bucketMs` before `now`: the current bucket plus the share of the
   * previous one the sliding window still covers.
   */
  lastBucketWindow(now: number, field: number): number {
    const current = Math.floor(now / this.bucketMs);
    this.#advance(current);
    const elapsed = (now - current * this.bucketMs) / this.bucketMs;
    return this.#count(current, field) + this.#count(current - 1, field) * (1 - elapsed);
  }

  /** Calls `fn(bucketStartMs, count)` for each non-empty bucket of `field` older than the current one. */
  forEachPast(now: number, field: number, fn: (start: number, count: number) => void): void {
    const current = Math.floor(now / this.bucketMs);
    this.#advance(current);
    for (let slot = 0; slot < this.#slots; slot++) {
      const bucket = this.#bucketOf[slot] ?? -1;
      const count = this.#counts[slot * this.#fields + field] ?? 0;
      if (bucket >= 0 && bucket < current && count > 0) fn(bucket * this.bucketMs, count);
    }
  }

  #count(bucket: number, field: number): number {
    if (bucket < 0) return 0;
    const slot = bucket % this.#slots;
    return this.#bucketOf[slot] === bucket ? (this.#counts[slot * this.#fields + field] ?? 0) : 0;
  }

  /** Empties the slots of buckets that fell out of the horizon now that `bucket` is current. */
  #advance(bucket: number): void {
    if (bucket <= this.#newest) return;
    const from = Math.max(this.#newest + 1, bucket - this.#slots + 1);
    for (let b = from; b <= bucket; b++) {
      const slot = b % this.#slots;
      if (this.#bucketOf[slot] === -1) continue;
      for (let f = 0; f < this.#fields; f++) {
        const i = slot * this.#fields + f;
        this.#totals[f] = (this.#totals[f] ?? 0) - (this.#counts[i] ?? 0);
        this.#counts[i] = 0;
      }
      this.#bucketOf[slot] = -1;
    }
    this.#newest = bucket;
  }
}
