import { ConfigError, forRecordTypes, type LogConsumer, type LogRecord, type LogRecordType } from '@mtakit/core';
import type { DeadLetter } from './dead-letters.js';
import { checkEndpoints, LocalEngine, type EventEngine } from './engine.js';
import { matchesFilter, toEvent, type EventFilter, type MtaEvent } from './event.js';
import type { JournalSync } from './journal.js';
import type { BackoffOptions, BreakerOptions } from './retry.js';
import type { EventSink } from './sink.js';
import type { EndpointStatus } from './stats.js';
import { WorkerEngine } from './worker-engine.js';

/**
 * An endpoint as plain data — one entry of the config file's `endpoints` and the values of the
 * environment variables it names — from which a worker thread builds its own sink.
 * `endpointsFromConfig` attaches it.
 */
export interface EndpointDefinition {
  config: Readonly<Record<string, unknown>>;
  env: Readonly<Record<string, string>>;
}

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
  /** Events per batch (default: the sink's `defaultBatchSize`, else 100) and how long a short batch waits for more (ms, default 50). */
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
  /** Set by `endpointsFromConfig`; required by `dispatch: 'worker'` (a sink object cannot cross threads). */
  definition?: EndpointDefinition;
}

/**
 * Where the lanes and the sinks run. `main`: on the calling thread. `worker`: in a worker thread
 * of their own (with the cursors and the journal's background sync); the calling thread then only
 * filters, serialises and writes each event to the journal (`publish` resolves as with `main`) and
 * hands the written bytes over through shared memory. Needs endpoints from `endpointsFromConfig`
 * (each with its `definition`).
 */
export type EventDispatch = 'main' | 'worker';

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
  /** Default `main`; see `EventDispatch`. */
  dispatch?: EventDispatch;
  now?: () => number;
  warn?: (message: string) => void;
}

type Ask = (record: LogRecord, endpoint: string) => boolean | Promise<boolean>;

/**
 * Fans log records out to event endpoints through one durable journal: an event is written once
 * (one line naming every endpoint that takes it) and each endpoint's lanes follow the journal
 * with their own cursor. Use `consumer` as a `LogBus` consumer: it resolves once the event is on
 * disk, so a caller that awaits the bus before dropping a message from the spool cannot lose its events.
 */
export class EventHub {
  readonly #endpoints: readonly EndpointConfig[];
  readonly #engine: EventEngine;
  readonly #warn: (message: string) => void;
  /** Whether some endpoint asks per record (`accept`): only then does publishing wait for answers. */
  readonly #asks: boolean;
  readonly #shouldEnqueue: EventHubOptions['shouldEnqueue'];
  /** Every endpoint's name when none filters: each event then goes to all of them. */
  readonly #unfiltered: readonly string[] | undefined;
  /** The record types some endpoint takes; undefined when one takes every type. */
  readonly #types: ReadonlySet<LogRecordType> | undefined;
  #ask: Ask | null | undefined;
  #filterFailures = 0;
  /**
   * The `LogBus` consumer. When every endpoint filters by type it names those types, so the bus
   * does not even call it for the others.
   */
  readonly consumer: LogConsumer;

  constructor(options: EventHubOptions) {
    this.#warn = options.warn ?? ((m) => process.stderr.write(`mtakit events: ${m}\n`));
    checkEndpoints(options.endpoints);
    this.#endpoints = options.endpoints;
    const dispatch = options.dispatch ?? 'main';
    if (dispatch === 'worker') {
      const definitions = options.endpoints.map((e, i) => {
        if (!e.definition) throw new ConfigError(`events.endpoints[${i}]`, e.name, "dispatch 'worker' needs endpoints from endpointsFromConfig (a sink object cannot move to a worker thread); use dispatch 'main'");
        return e.definition;
      });
      this.#engine = new WorkerEngine({ dir: options.dir, definitions, endpoints: options.endpoints, ...(options.sync ? { sync: options.sync } : {}), warn: this.#warn });
    } else if (dispatch === 'main') {
      this.#engine = new LocalEngine({ dir: options.dir, endpoints: options.endpoints, ...(options.sync ? { sync: options.sync } : {}), ...(options.now ? { now: options.now } : {}), warn: this.#warn });
    } else {
      throw new ConfigError('events.dispatch', dispatch, 'main or worker');
    }
    this.#asks = options.endpoints.some((e) => e.accept !== undefined);
    this.#shouldEnqueue = options.shouldEnqueue;
    const names = options.endpoints.map((e) => e.name);
    this.#unfiltered = options.endpoints.every((e) => !e.filter?.types && !e.filter?.tenants) && names.length > 0 ? names : undefined;
    this.#types = options.endpoints.every((e) => e.filter?.types) ? new Set(options.endpoints.flatMap((e) => e.filter?.types ?? [])) : undefined;
    const publish = (record: LogRecord): Promise<void> | undefined => this.publish(record);
    this.consumer = this.#types ? forRecordTypes([...this.#types], publish) : publish;
  }


  start(): Promise<void> {
    return this.#engine.start();
  }

  /**
   * Queues the record's event for every endpoint that takes it. Returns once it is written (see
   * `sync`); a promise only when something must be waited for (an `accept` answer, a write).
   */
  publish(record: LogRecord): Promise<void> | undefined {
    // A record no endpoint's types take costs one set lookup: no event is built or journaled.
    if (this.#types && !this.#types.has(record.type)) return undefined;
    const event = toEvent(record);
    const ask = this.#policyFilter();
    if (!this.#asks && !ask && this.#unfiltered) return this.#engine.enqueue([event], this.#unfiltered);
    const wanted = this.#endpoints.filter((ep) => matchesFilter(event, ep.filter ?? {}));
    if (wanted.length === 0) return undefined;
    if (!this.#asks && !ask) return this.#engine.enqueue([event], wanted.map((ep) => ep.name));
    return Promise.all(wanted.map(async (ep) => ((await this.#accepts(ep, event, ask)) ? [ep.name] : []))).then((names) => {
      const to = names.flat();
      return to.length === 0 ? undefined : this.#engine.enqueue([event], to);
    });
  }

  #policyFilter(): Ask | undefined {
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
  async #accepts(ep: EndpointConfig, event: MtaEvent, ask: Ask | undefined): Promise<boolean> {
    try {
      if (ep.accept && !(await ep.accept(event))) return false;
      return !ask || (await ask(event.record, ep.name)) !== false;
    } catch (error) {
      if (this.#filterFailures++ % 1000 === 0) this.#warn(`should_enqueue_log_record failed (${this.#filterFailures} so far), sending the event anyway: ${(error as Error).message}`);
      return true;
    }
  }

  /** Per endpoint: sent, failed, queued… (with `dispatch: 'worker'`, as the worker last reported them, at most a quarter of a second ago). */
  stats(): EndpointStatus[] {
    return this.#engine.stats();
  }

  deadLetters(endpoint: string, limit?: number): Promise<DeadLetter[]> {
    return this.#engine.deadLetters(endpoint, limit);
  }

  /** Queues an endpoint's dead letters again (in their original order); returns how many. */
  replayDeadLetters(endpoint: string): Promise<number> {
    return this.#engine.replayDeadLetters(endpoint);
  }

  stop(): Promise<void> {
    return this.#engine.stop();
  }
}
