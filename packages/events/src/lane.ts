import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetterStore } from './dead-letters.js';
import type { JournalEntry } from './journal.js';
import type { JournalReader } from './journal-reader.js';
import { backoffDelay, type BackoffOptions, type CircuitBreaker } from './retry.js';
import { hasErrorBrand } from '@mtakit/core';
import type { EventSink } from './sink.js';
import type { EndpointStats } from './stats.js';

/** An aborted signal: `next` then returns what is there without waiting. One for all (each AbortSignal.abort() builds a DOMException with a stack). */
const NO_WAIT = AbortSignal.abort();

export interface LaneOptions {
  batchSize: number;
  /** How long a short batch waits for more events before it goes (ms). */
  batchWaitMs: number;
  backoff: BackoffOptions;
  /** How long an event is retried before it goes to the dead-letter store (ms from queueing). */
  maxAgeMs: number;
}

/**
 * One sequential delivery loop over one journal reader: read a batch, send it, acknowledge it; on failure
 * back off (per-endpoint breaker shared by its lanes) and send the same batch again, so events of a
 * lane never overtake each other. A batch older than the retry window, or refused permanently,
 * goes to the dead-letter store and the lane moves on.
 */
export class Lane {
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  constructor(
    private readonly journal: JournalReader,
    private readonly sink: EventSink,
    private readonly deadLetters: DeadLetterStore,
    private readonly breaker: CircuitBreaker,
    private readonly stats: EndpointStats,
    private readonly options: LaneOptions,
    private readonly now: () => number,
    private readonly warn: (message: string) => void,
  ) {}

  start(): void {
    this.#running ??= this.#loop().catch((e: unknown) => this.warn(`event lane stopped: ${(e as Error).message}`));
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      let { entries: batch, upTo } = await this.journal.next(this.options.batchSize, signal);
      if (batch.length > 0 && batch.length < this.options.batchSize && this.options.batchWaitMs > 0) {
        await sleep(this.options.batchWaitMs, undefined, { signal }).catch(() => undefined);
        if (!signal.aborted) {
          const more = await this.journal.next(this.options.batchSize - batch.length, NO_WAIT);
          batch = batch.concat(more.entries);
          upTo = more.upTo;
        }
      }
      if (batch.length > 0 && !signal.aborted) await this.#deliver(batch, upTo, signal);
    }
  }

  /** Sends one batch until it is delivered or given up on, then acknowledges the journal up to `upTo`. */
  async #deliver(batch: JournalEntry[], upTo: number, signal: AbortSignal): Promise<void> {
    const events = batch.map((e) => e.event);
    this.stats.oldestQueuedAt = (batch[0] as JournalEntry).at;
    for (let failures = 0; !signal.aborted; ) {
      const wait = this.breaker.waitMs(this.now());
      if (wait > 0) {
        await sleep(wait, undefined, { signal }).catch(() => undefined);
        continue;
      }
      const started = this.now();
      try {
        await this.sink.send(events, signal);
        this.breaker.success();
        this.stats.recordSent(events.length, this.now() - started);
        this.journal.ack(upTo, events.length);
        this.stats.oldestQueuedAt = null;
        return;
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        this.breaker.failure(this.now());
        this.stats.failed += 1;
        const permanent = hasErrorBrand(error, 'mtakit.SinkError') && (error as { permanent?: boolean }).permanent === true;
        const expired = this.now() - (batch[0] as JournalEntry).at > this.options.maxAgeMs;
        if (permanent || expired) {
          const reason = expired ? `retry window expired; last error: ${(error as Error).message}` : (error as Error).message;
          await this.deadLetters.add(batch, reason, this.now());
          this.stats.deadLettered += events.length;
          this.warn(`${this.sink.target}: ${events.length} event(s) moved to the dead-letter store: ${reason}`);
          this.journal.ack(upTo, events.length);
          this.stats.oldestQueuedAt = null;
          return;
        }
        await sleep(backoffDelay(failures, this.options.backoff), undefined, { signal }).catch(() => undefined);
      }
    }
  }
}
