/**
 * Group commit: items submitted while a batch is being processed wait and go out together in the
 * next batch, so one expensive step (a write plus fsync) serves every caller that arrived
 * meanwhile. One batch runs at a time; `submit` resolves with the item's own result once its batch
 * is done, or rejects with the batch's error.
 */
export class Batcher<T, R> {
  readonly #process: (items: T[]) => Promise<R[]>;
  #pending: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  #running: Promise<void> | undefined;

  /** `process` returns one result per item, in order. */
  constructor(process: (items: T[]) => Promise<R[]>) {
    this.#process = process;
  }

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#running) this.#running = this.#run();
    });
  }

  /** Resolves once nothing is pending or in flight. */
  async drained(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /**
   * Processes batches until nothing is pending. `#running` is cleared in the same synchronous step
   * that finds the queue empty — not after an await — so an item submitted by a caller that the
   * last batch resumed always starts a new run instead of waiting forever.
   */
  async #run(): Promise<void> {
    for (;;) {
      if (this.#pending.length === 0) {
        this.#running = undefined;
        return;
      }
      const batch = this.#pending;
      this.#pending = [];
      try {
        const results = await this.#process(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(results[i] as R));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }
}
