import type { LogRecord, LogRecordType } from './records.js';

/**
 * Takes each log record published on a `LogBus`. A consumer that names `recordTypes` is called
 * for records of those types only: the bus skips it for the others without a call (a message
 * publishes several records, and most consumers want one or two types). Without `recordTypes` it
 * gets every record. Build one with `forRecordTypes`.
 */
export interface LogConsumer {
  (record: LogRecord): void | Promise<void>;
  readonly recordTypes?: readonly LogRecordType[] | undefined;
}

/** `consume`, called by the bus for records of `types` only (see `LogConsumer.recordTypes`). */
export function forRecordTypes(types: readonly LogRecordType[], consume: (record: LogRecord) => void | Promise<void>): LogConsumer {
  return Object.assign((record: LogRecord) => consume(record), { recordTypes: Object.freeze([...types]) });
}

/**
 * Fan-out of log records to consumers (JSONL writer, metrics, automation, webhooks, suppression).
 * `publish` resolves when every consumer has taken the record, so a caller that awaits it (before
 * removing a message from the spool, say) knows the record is written.
 */
export class LogBus {
  #consumers: LogConsumer[] = [];
  /** The consumers of each record type seen, in subscription order; rebuilt after a (un)subscribe. */
  #byType = new Map<string, readonly LogConsumer[]>();

  subscribe(consumer: LogConsumer): () => void {
    this.#consumers = [...this.#consumers, consumer];
    this.#byType = new Map();
    return () => {
      this.#consumers = this.#consumers.filter((c) => c !== consumer);
      this.#byType = new Map();
    };
  }

  publish(record: LogRecord): Promise<void> {
    // Not an async function, and no Promise.all for one pending consumer (the usual case: the log
    // writer): every message publishes several records, each a few promises and microtask turns.
    let first: Promise<void> | undefined;
    let more: Promise<void>[] | undefined;
    try {
      for (const consumer of this.#consumersOf(record.type)) {
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

  /**
   * `publish` for each of `records`, in order: a promise that resolves once every consumer has
   * taken every one, or undefined when they all took them synchronously (nothing to wait for). A
   * record that a consumer throws or rejects on goes to `onError` (the others are still
   * published). Without a promise per record while the consumers are synchronous: an enqueue of
   * thousands of messages, or a restart's million hold records, allocates nothing to publish them.
   */
  publishAll(records: readonly LogRecord[], onError: (record: LogRecord, error: unknown) => void): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined;
    for (const record of records) {
      try {
        for (const consumer of this.#consumersOf(record.type)) {
          const r = consumer(record);
          if (r) (pending ??= []).push(r.then(settled, (error: unknown) => onError(record, error)));
        }
      } catch (error) {
        onError(record, error);
      }
    }
    return pending ? Promise.all(pending).then(settled) : undefined;
  }

  #consumersOf(type: string): readonly LogConsumer[] {
    let list = this.#byType.get(type);
    if (!list) {
      list = this.#consumers.filter((c) => !c.recordTypes || (c.recordTypes as readonly string[]).includes(type));
      this.#byType.set(type, list);
    }
    return list;
  }
}

const DONE = Promise.resolve();

function settled(): void {}
