import { join } from 'node:path';
import { ConfigError, type LogRecord } from '@mtakit/core';
import { DeadLetterStore, type DeadLetter } from './dead-letters.js';
import { laneOf, matchesFilter, toEvent, type EventFilter, type MtaEvent } from './event.js';
import { Journal, type JournalSync } from './journal.js';
import type { ReaderSpec } from './journal-reader.js';
import { Lane } from './lane.js';
import { CircuitBreaker, type BackoffOptions, type BreakerOptions } from './retry.js';
import type { EventSink } from './sink.js';
import { EndpointStats, type EndpointStatus } from './stats.js';

export interface EndpointConfig {
  /** Unique; names the endpoint's directory, metrics label and CLI argument. */
  name: string;
  sink: EventSink;
  filter?: EventFilter;
  /**
   * A per-record decision after the filter (a policy's `should_enqueue_log_record`, say). It runs
   * before the event is queued, so it must be quick; false drops the event for this endpoint.
   */
  accept?: (event: MtaEvent) => boolean | Promise<boolean>;
  /** Events per batch (default 100) and how long a short batch waits for more (ms, default 50). */
  batchSize?: number;
  batchWaitMs?: number;
  /**
   * Requests in flight at once (default 1). Events are spread over this many lanes by message id,
   * so the events of one message stay in order while different messages go in parallel.
   */
  concurrency?: number;
  backoff?: Partial<BackoffOptions>;
  /** How long an event is retried before it is dead-lettered (ms; default 24 h). */
  maxAgeMs?: number;
  breaker?: Partial<BreakerOptions>;
}

export interface EventHubOptions {
  /** Root of the durable queue (`<dir>/journal/`, shared by every endpoint) and of `<dir>/<endpoint>/dead-letters.jsonl`. */
  dir: string;
  endpoints: readonly EndpointConfig[];
  /**
   * Asked per record and endpoint after the endpoint's filter and `accept` — in an MTA, its
   * policy's `should_enqueue_log_record(record, hook_name)` with the endpoint's name — and false
   * keeps the event from that endpoint. Called at the first record and kept (an MTA's policy is
   * assembled after its plugins are set up); undefined means nothing to ask.
   */
  shouldEnqueue?: () => ((record: LogRecord, endpoint: string) => boolean | Promise<boolean>) | undefined;
  /** When a published event counts as stored (default `write`: SIGKILL-safe; `fsync`: power-cut safe too). See `JournalSync`. */
  sync?: JournalSync;
  now?: () => number;
  warn?: (message: string) => void;
}

interface Endpoint {
  config: EndpointConfig;
  lanes: number;
  running: Lane[];
  breaker: CircuitBreaker;
  stats: EndpointStats;
  deadLetters: DeadLetterStore;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const DAY = 24 * 60 * 60 * 1000;

/**
 * Fans log records out to event endpoints through one durable journal: an event is written once
 * (one line naming every endpoint that takes it) and each endpoint's lanes follow the journal
 * with their own cursor. Use `consumer` as a `LogBus` consumer: it resolves once the event is on
 * disk, so a caller that awaits the bus before dropping a message from the spool cannot lose its events.
 */
export class EventHub {
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #journal: Journal;
  readonly #now: () => number;
  readonly #warn: (message: string) => void;
  /** Whether some endpoint asks per record (`accept`): only then does publishing wait for answers. */
  readonly #asks: boolean;
  readonly #shouldEnqueue: EventHubOptions['shouldEnqueue'];
  /** Every endpoint's name when none filters: each event then goes to all of them. */
  readonly #unfiltered: readonly string[] | undefined;
  #ask: ((record: LogRecord, endpoint: string) => boolean | Promise<boolean>) | null | undefined;
  #filterFailures = 0;
  #started = false;

  constructor(options: EventHubOptions) {
    this.#now = options.now ?? Date.now;
    this.#warn = options.warn ?? ((m) => process.stderr.write(`mtakit events: ${m}\n`));
    for (const [i, config] of options.endpoints.entries()) {
      if (!NAME.test(config.name)) throw new ConfigError(`events.endpoints[${i}].name`, config.name, 'letters, digits, _ . - (up to 64)');
      if (this.#endpoints.has(config.name)) throw new ConfigError(`events.endpoints[${i}].name`, config.name, 'used twice');
      const lanes = positive(config.concurrency ?? 1, `events.endpoints[${i}].concurrency`);
      this.#endpoints.set(config.name, {
        config, lanes, running: [],
        breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 30_000, ...config.breaker }),
        stats: new EndpointStats(),
        deadLetters: new DeadLetterStore(join(options.dir, config.name)),
      });
    }
    this.#journal = new Journal(join(options.dir, 'journal'), { now: this.#now, warn: this.#warn, ...(options.sync ? { sync: options.sync } : {}) });
    this.#asks = options.endpoints.some((e) => e.accept !== undefined);
    this.#shouldEnqueue = options.shouldEnqueue;
    const names = options.endpoints.map((e) => e.name);
    this.#unfiltered = options.endpoints.every((e) => !e.filter?.types && !e.filter?.tenants) && names.length > 0 ? names : undefined;
  }

  /** The `LogBus` consumer. */
  readonly consumer = (record: LogRecord): Promise<void> | undefined => this.publish(record);

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const readers: ReaderSpec[] = [...this.#endpoints.values()].flatMap((ep) => Array.from({ length: ep.lanes }, (_, n) => ({
      name: `${ep.config.name}/${n}`,
      endpoint: ep.config.name,
      wants: (e) => e.to.includes(ep.config.name) && laneOf(e.event, ep.lanes) === n,
    })));
    await this.#journal.open(readers);
    await Promise.all([...this.#endpoints.values()].map((ep) => ep.config.sink.prepare?.().catch((e: Error) => this.#warn(`${ep.config.sink.target}: ${e.message}`))));
    for (const ep of this.#endpoints.values()) {
      const options = {
        batchSize: ep.config.batchSize ?? 100,
        batchWaitMs: ep.config.batchWaitMs ?? 50,
        // Capped at a minute: a lane retries at least that often, so after an outage of any length
        // delivery resumes within max(retry_max, breaker cooldown) of the receiver's return.
        backoff: { initialMs: 1_000, maxMs: 60_000, ...ep.config.backoff },
        maxAgeMs: ep.config.maxAgeMs ?? DAY,
      };
      ep.running = Array.from({ length: ep.lanes }, (_, n) => new Lane(this.#journal.reader(`${ep.config.name}/${n}`), ep.config.sink, ep.deadLetters, ep.breaker, ep.stats, options, this.#now, this.#warn));
      for (const lane of ep.running) lane.start();
    }
  }

  /**
   * Queues the record's event for every endpoint that takes it. Returns once it is written (see
   * `sync`); a promise only when something must be waited for (an `accept` answer, an fsync).
   */
  publish(record: LogRecord): Promise<void> | undefined {
    const event = toEvent(record);
    const ask = this.#policyFilter();
    if (!this.#asks && !ask && this.#unfiltered) return this.#journal.append([event], this.#unfiltered);
    const wanted = [...this.#endpoints.values()].filter((ep) => matchesFilter(event, ep.config.filter ?? {}));
    if (wanted.length === 0) return undefined;
    if (!this.#asks && !ask) return this.#journal.append([event], wanted.map((ep) => ep.config.name));
    return Promise.all(wanted.map(async (ep) => ((await this.#accepts(ep, event, ask)) ? [ep.config.name] : []))).then((names) => {
      const to = names.flat();
      return to.length === 0 ? undefined : this.#journal.append([event], to);
    });
  }

  #policyFilter(): ((record: LogRecord, endpoint: string) => boolean | Promise<boolean>) | undefined {
    if (this.#ask === undefined) {
      try {
        this.#ask = this.#shouldEnqueue?.() ?? null;
      } catch {
        return undefined; // not assembled yet: ask again at the next record
      }
    }
    return this.#ask ?? undefined;
  }

  /** The endpoint's `accept`, then the policy; one that throws lets the event through (a broken filter must not lose events). */
  async #accepts(ep: Endpoint, event: MtaEvent, ask: ((record: LogRecord, endpoint: string) => boolean | Promise<boolean>) | undefined): Promise<boolean> {
    try {
      if (ep.config.accept && !(await ep.config.accept(event))) return false;
      return !ask || (await ask(event.record, ep.config.name)) !== false;
    } catch (error) {
      if (this.#filterFailures++ % 1000 === 0) this.#warn(`should_enqueue_log_record failed (${this.#filterFailures} so far), sending the event anyway: ${(error as Error).message}`);
      return true;
    }
  }

  stats(): EndpointStatus[] {
    const now = this.#now();
    return [...this.#endpoints.values()].map((ep) => ({
      name: ep.config.name,
      target: ep.config.sink.target,
      sent: ep.stats.sent,
      failed: ep.stats.failed,
      dead_lettered: ep.stats.deadLettered,
      queued: this.#journal.backlog(ep.config.name),
      oldest_age_ms: ep.stats.oldestQueuedAt === null ? 0 : now - ep.stats.oldestQueuedAt,
      mean_latency_ms: ep.stats.latencyCount === 0 ? 0 : ep.stats.latencyMsTotal / ep.stats.latencyCount,
      breaker: ep.breaker.state(now),
    }));
  }

  async deadLetters(endpoint: string, limit?: number): Promise<DeadLetter[]> {
    return this.#endpoint(endpoint).deadLetters.list(limit);
  }

  /** Queues an endpoint's dead letters again (in their original order); returns how many. */
  async replayDeadLetters(endpoint: string): Promise<number> {
    const ep = this.#endpoint(endpoint);
    return ep.deadLetters.replay(async (events: MtaEvent[]) => {
      await this.#journal.append(events, [ep.config.name]);
    });
  }

  async stop(): Promise<void> {
    for (const ep of this.#endpoints.values()) await Promise.all(ep.running.map((l) => l.stop()));
    await this.#journal.close();
    for (const ep of this.#endpoints.values()) await ep.config.sink.close?.();
    this.#started = false;
  }

  #endpoint(name: string): Endpoint {
    const ep = this.#endpoints.get(name);
    if (!ep) throw new ConfigError('endpoint', name, `no such event endpoint (known: ${[...this.#endpoints.keys()].join(', ') || 'none'})`);
    return ep;
  }
}

function positive(value: number, key: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 64) throw new ConfigError(key, value, 'a whole number from 1 to 64');
  return value;
}
