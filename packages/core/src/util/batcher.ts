/** A `submit` (one item, one result) or a `submitAll` (`count` items, their results). */
type Waiter<R> =
  | { one: true; count: 1; resolve: (r: R) => void; reject: (e: unknown) => void }
  | { one: false; count: number; resolve: (r: R[]) => void; reject: (e: unknown) => void };

/**
 * Group commit: items submitted while a batch is being processed wait and go out together in the
 * next batch, so one expensive step (a write plus fsync) serves every caller that arrived
 * meanwhile. One batch runs at a time; `submit` resolves with the item's own result once its batch
 * is done, or rejects with the batch's error.
 */
export class Batcher<T, R> {
  readonly #process: (items: T[]) => Promise<R[]>;
  #items: T[] = [];
  /** Per caller, in order: how many of `#items` are its. */
  #waiters: Array<Waiter<R>> = [];
  #running: Promise<void> | undefined;

  /** `process` returns one result per item, in order. */
  constructor(process: (items: T[]) => Promise<R[]>) {
    this.#process = process;
  }

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#items.push(item);
      this.#waiters.push({ count: 1, one: true, resolve, reject });
      this.#start();
    });
  }

  /** Submits several items with one promise for all (their results in order): no promise per item. */
  submitAll(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      for (const item of items) this.#items.push(item);
      this.#waiters.push({ count: items.length, one: false, resolve, reject });
      this.#start();
    });
  }

  /** Resolves once nothing is pending or in flight. */
  async drained(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #start(): void {
    if (!this.#running) this.#running = this.#run();
  }

  /**
   * Processes batches until nothing is pending. `#running` is cleared in the same synchronous step
   * that finds the queue empty — not after an await — so an item submitted by a caller that the
   * last batch resumed always starts a new run instead of waiting forever.
   */
  async #run(): Promise<void> {
    for (;;) {
      if (this.#items.length === 0) {
        this.#running = undefined;
        return;
      }
      const items = this.#items;
      const waiters = this.#waiters;
      this.#items = [];
      this.#waiters = [];
      try {
        const results = await this.#process(items);
        let at = 0;
        for (const w of waiters) {
          if (w.one) w.resolve(results[at] as R);
          else w.resolve(results.slice(at, at + w.count));
          at += w.count;
        }
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
  }
}
