import { join } from 'node:path';
import { ConfigError, type LogRecord } from '@mtakit/core';
import { DeadLetterStore, type DeadLetter } from './dead-letters.js';
import { eventJson, laneOf, matchesFilter, toEvent, type EventFilter, type MtaEvent } from './event.js';
import { Journal } from './journal.js';
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
  /** Root of the durable queues: `<dir>/<endpoint>/lane-<n>/` and `<dir>/<endpoint>/dead-letters.jsonl`. */
  dir: string;
  endpoints: readonly EndpointConfig[];
  now?: () => number;
  warn?: (message: string) => void;
}

interface Endpoint {
  config: EndpointConfig;
  journals: Journal[];
  lanes: Lane[];
  breaker: CircuitBreaker;
  stats: EndpointStats;
  deadLetters: DeadLetterStore;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const DAY = 24 * 60 * 60 * 1000;

/**
 * Fans log records out to event endpoints through durable per-endpoint queues. Use `consumer` as
 * a `LogBus` consumer: it resolves once the event is on disk for every endpoint that wants it, so a
 * caller that awaits the bus before dropping a message from the spool cannot lose its events.
 */
export class EventHub {
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #now: () => number;
  readonly #warn: (message: string) => void;
  #started = false;

  constructor(options: EventHubOptions) {
    this.#now = options.now ?? Date.now;
    this.#warn = options.warn ?? ((m) => process.stderr.write(`mtakit events: ${m}\n`));
    for (const [i, config] of options.endpoints.entries()) {
      if (!NAME.test(config.name)) throw new ConfigError(`events.endpoints[${i}].name`, config.name, 'letters, digits, _ . - (up to 64)');
      if (this.#endpoints.has(config.name)) throw new ConfigError(`events.endpoints[${i}].name`, config.name, 'used twice');
      const lanes = positive(config.concurrency ?? 1, `events.endpoints[${i}].concurrency`);
      const dir = join(options.dir, config.name);
      const journals = Array.from({ length: lanes }, (_, n) => new Journal(join(dir, `lane-${n}`), { now: this.#now }));
      this.#endpoints.set(config.name, {
        config, journals, lanes: [],
        breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 30_000, ...config.breaker }),
        stats: new EndpointStats(),
        deadLetters: new DeadLetterStore(dir),
      });
    }
  }

  /** The `LogBus` consumer. */
  readonly consumer = (record: LogRecord): Promise<void> => this.publish(record);

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const ep of this.#endpoints.values()) {
      await Promise.all(ep.journals.map((j) => j.open()));
      const options = {
        batchSize: ep.config.batchSize ?? 100,
        batchWaitMs: ep.config.batchWaitMs ?? 50,
        backoff: { initialMs: 1_000, maxMs: 60 * 60 * 1000, ...ep.config.backoff },
        maxAgeMs: ep.config.maxAgeMs ?? DAY,
      };
      ep.lanes = ep.journals.map((j) => new Lane(j, ep.config.sink, ep.deadLetters, ep.breaker, ep.stats, options, this.#now, this.#warn));
      for (const lane of ep.lanes) lane.start();
    }
  }

  async publish(record: LogRecord): Promise<void> {
    const event = toEvent(record);
    const json = eventJson(event);
    await Promise.all([...this.#endpoints.values()].map(async (ep) => {
      if (!matchesFilter(event, ep.config.filter ?? {})) return;
      if (ep.config.accept && !(await ep.config.accept(event))) return;
      await this.#journalFor(ep, event).append(event, json);
    }));
  }

  stats(): EndpointStatus[] {
    const now = this.#now();
    return [...this.#endpoints.values()].map((ep) => ({
      name: ep.config.name,
      target: ep.config.sink.target,
      sent: ep.stats.sent,
      failed: ep.stats.failed,
      dead_lettered: ep.stats.deadLettered,
      queued: ep.journals.reduce((n, j) => n + j.pending, 0),
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
      for (const event of events) await this.#journalFor(ep, event).append(event);
    });
  }

  async stop(): Promise<void> {
    for (const ep of this.#endpoints.values()) {
      await Promise.all(ep.lanes.map((l) => l.stop()));
      await Promise.all(ep.journals.map((j) => j.close()));
      await ep.config.sink.close?.();
    }
    this.#started = false;
  }

  #journalFor(ep: Endpoint, event: MtaEvent): Journal {
    return ep.journals[laneOf(event, ep.journals.length)] as Journal;
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
