import { join } from 'node:path';
import { ConfigError } from '@mtakit/core';
import { DeadLetterStore, type DeadLetter } from './dead-letters.js';
import type { MtaEvent } from './event.js';
import { Journal, type JournalChunk, type JournalPosition, type JournalSync } from './journal.js';
import type { ReaderSpec } from './journal-reader.js';
import { Lane } from './lane.js';
import { CircuitBreaker } from './retry.js';
import type { EndpointConfig } from './hub.js';
import { EndpointStats, type EndpointStatus } from './stats.js';

/**
 * What delivers the events the hub has decided on: the journal and every endpoint's lanes and
 * sinks. `LocalEngine` runs them on the calling thread; `WorkerEngine` (worker-engine.ts) in a
 * worker thread, so that the MTA's event loop only serialises events and hands them over.
 */
export interface EventEngine {
  start(): Promise<void>;
  /**
   * Queues `events` for the endpoints named in `to`, as they are (no filter): durable once the
   * promise resolves (see `JournalSync`); undefined when nothing had to be waited for.
   */
  enqueue(events: readonly MtaEvent[], to: readonly string[]): Promise<void> | undefined;
  stats(): EndpointStatus[];
  deadLetters(endpoint: string, limit?: number): Promise<DeadLetter[]>;
  replayDeadLetters(endpoint: string): Promise<number>;
  stop(): Promise<void>;
}

export interface LocalEngineOptions {
  dir: string;
  endpoints: readonly EndpointConfig[];
  sync?: JournalSync;
  now?: () => number;
  warn: (message: string) => void;
  /** In the events worker: follow a journal the main thread writes, from this position on (see JournalRole). */
  follow?: JournalPosition;
}

interface Endpoint {
  config: EndpointConfig;
  lanes: number;
  running: Lane[];
  breaker: CircuitBreaker;
  stats: EndpointStats;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const DAY = 24 * 60 * 60 * 1000;

/** Each endpoint's dead-letter store, `<dir>/<endpoint name>/`. */
export function deadLetterStores(dir: string, endpoints: readonly EndpointConfig[]): Map<string, DeadLetterStore> {
  return new Map(endpoints.map((e) => [e.name, new DeadLetterStore(join(dir, e.name))]));
}

/** The store of endpoint `name`, or a ConfigError naming the known endpoints. */
export function deadLetterStore(stores: ReadonlyMap<string, DeadLetterStore>, name: string): DeadLetterStore {
  const store = stores.get(name);
  if (!store) throw new ConfigError('endpoint', name, `no such event endpoint (known: ${[...stores.keys()].join(', ') || 'none'})`);
  return store;
}

/** Queues endpoint `name`'s dead letters in `journal` again, in their original order; returns how many. */
export function replayInto(journal: Journal, stores: ReadonlyMap<string, DeadLetterStore>, name: string): Promise<number> {
  return deadLetterStore(stores, name).replay(async (events: MtaEvent[]) => {
    await journal.append(events, [name]);
  });
}

/** Refuses bad names and concurrency, naming the key; returns each endpoint's lane count. */
export function checkEndpoints(endpoints: readonly EndpointConfig[]): number[] {
  const seen = new Set<string>();
  return endpoints.map((config, i) => {
    if (!NAME.test(config.name)) throw new ConfigError(`events.endpoints[${i}].name`, config.name, 'letters, digits, _ . - (up to 64)');
    if (seen.has(config.name)) throw new ConfigError(`events.endpoints[${i}].name`, config.name, 'used twice');
    seen.add(config.name);
    const lanes = config.concurrency ?? 1;
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > 64) throw new ConfigError(`events.endpoints[${i}].concurrency`, lanes, 'a whole number from 1 to 64');
    return lanes;
  });
}

/**
 * One durable journal shared by every endpoint (an event is written once, on one line naming the
 * endpoints that take it) and each endpoint's lanes following it with their own cursor.
 */
export class LocalEngine implements EventEngine {
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #deadLetters: Map<string, DeadLetterStore>;
  readonly #journal: Journal;
  readonly #follow: JournalPosition | undefined;
  readonly #now: () => number;
  readonly #warn: (message: string) => void;
  #started = false;

  constructor(options: LocalEngineOptions) {
    this.#now = options.now ?? Date.now;
    this.#warn = options.warn;
    const lanes = checkEndpoints(options.endpoints);
    for (const [i, config] of options.endpoints.entries()) {
      this.#endpoints.set(config.name, {
        config, lanes: lanes[i] as number, running: [],
        breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 30_000, ...config.breaker }),
        stats: new EndpointStats(),
      });
    }
    this.#deadLetters = deadLetterStores(options.dir, options.endpoints);
    this.#follow = options.follow;
    this.#journal = new Journal(join(options.dir, 'journal'), {
      now: this.#now, warn: this.#warn, ...(options.sync ? { sync: options.sync } : {}), ...(options.follow ? { role: 'follower' as const } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const readers: ReaderSpec[] = [...this.#endpoints.values()].flatMap((ep) => Array.from({ length: ep.lanes }, (_, n) => ({
      name: `${ep.config.name}/${n}`,
      endpoint: ep.config.name,
      lane: n,
      lanes: ep.lanes,
    })));
    await this.#journal.open(readers, this.#follow);
    await Promise.all([...this.#endpoints.values()].map((ep) => ep.config.sink.prepare?.().catch((e: Error) => this.#warn(`${ep.config.sink.target}: ${e.message}`))));
    for (const ep of this.#endpoints.values()) {
      const options = {
        batchSize: ep.config.batchSize ?? ep.config.sink.defaultBatchSize ?? 100,
        batchWaitMs: ep.config.batchWaitMs ?? 50,
        // Capped at a minute: a lane retries at least that often, so after an outage of any length
        // delivery resumes within max(retry_max, breaker cooldown) of the receiver's return.
        backoff: { initialMs: 1_000, maxMs: 60_000, ...ep.config.backoff },
        maxAgeMs: ep.config.maxAgeMs ?? DAY,
      };
      ep.running = Array.from({ length: ep.lanes }, (_, n) => new Lane(this.#journal.reader(`${ep.config.name}/${n}`), ep.config.sink, deadLetterStore(this.#deadLetters, ep.config.name), ep.breaker, ep.stats, options, this.#now, this.#warn));
      for (const lane of ep.running) lane.start();
    }
  }

  enqueue(events: readonly MtaEvent[], to: readonly string[]): Promise<void> | undefined {
    return this.#journal.append(events, to);
  }

  /** With `follow`: what the main thread's journal wrote. */
  follow(chunk: JournalChunk): void {
    this.#journal.follow(chunk);
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
    return deadLetterStore(this.#deadLetters, endpoint).list(limit);
  }

  replayDeadLetters(endpoint: string): Promise<number> {
    return replayInto(this.#journal, this.#deadLetters, endpoint);
  }

  async stop(): Promise<void> {
    for (const ep of this.#endpoints.values()) await Promise.all(ep.running.map((l) => l.stop()));
    await this.#journal.close();
    for (const ep of this.#endpoints.values()) await ep.config.sink.close?.();
    this.#started = false;
  }
}
