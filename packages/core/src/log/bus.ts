import type { LogRecord } from './records.js';

export type LogConsumer = (record: LogRecord) => void | Promise<void>;

/**
 * Fan-out of log records to consumers (JSONL writer, metrics, automation, webhooks, suppression).
 * `publish` resolves when every consumer has taken the record, so a caller that awaits it (before
 * removing a message from the spool, say) knows the record is written.
 */
export class LogBus {
  #consumers: LogConsumer[] = [];

  subscribe(consumer: LogConsumer): () => void {
    this.#consumers.push(consumer);
    return () => {
      this.#consumers = this.#consumers.filter((c) => c !== consumer);
    };
  }

  async publish(record: LogRecord): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const consumer of this.#consumers) {
      const r = consumer(record);
      if (r) pending.push(r);
    }
    if (pending.length > 0) await Promise.all(pending);
  }
}
