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

  publish(record: LogRecord): Promise<void> {
    // Not an async function, and no Promise.all for one pending consumer (the usual case: the log
    // writer): every message publishes several records, each a few promises and microtask turns.
    let first: Promise<void> | undefined;
    let more: Promise<void>[] | undefined;
    try {
      for (const consumer of this.#consumers) {
        const r = consumer(record);
        if (!r) continue;
        if (!first) first = r;
        else (more ??= [first]).push(r);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (more) return Promise.all(more).then(settled);
    return first ? first.then(settled) : DONE;
  }
}

const DONE = Promise.resolve();

function settled(): void {}
