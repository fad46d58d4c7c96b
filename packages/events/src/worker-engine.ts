import { Worker } from 'node:worker_threads';
import { MtaKitError } from '@mtakit/core';
import type { DeadLetter } from './dead-letters.js';
import type { EventEngine } from './engine.js';
import { eventJson, type MtaEvent } from './event.js';
import type { EndpointConfig, EndpointDefinition } from './hub.js';
import type { JournalSync } from './journal.js';
import type { EndpointStatus } from './stats.js';
import type { ToMain, ToWorker, WorkerSetup } from './worker-protocol.js';

export interface WorkerEngineOptions {
  dir: string;
  definitions: readonly EndpointDefinition[];
  /** The same endpoints, built on this thread: their names and targets for the stats until the worker reports. */
  endpoints: readonly EndpointConfig[];
  sync?: JournalSync;
  warn: (message: string) => void;
}

/** Events waiting to go to the worker, and the promise their publishers wait on. */
interface Turn {
  groups: { to: readonly string[]; json: string[] }[];
  written: Promise<void>;
  settle?: { resolve: () => void; reject: (error: Error) => void };
}

/** How soon a worker that died is started again (ms). */
const RESPAWN_MS = 1_000;

/**
 * Runs a `LocalEngine` in a worker thread (sink-worker.ts): the journal's writes, the lanes, the
 * HTTP and broker clients and the HMACs all leave this thread's event loop. Here each event is
 * only serialised (the record's text is the log writer's) and the events of one event-loop turn
 * go to the worker in one message; the turn's promise resolves when the worker has written them
 * to the journal, so the durability of `publish` is the same as on one thread.
 */
export class WorkerEngine implements EventEngine {
  readonly #options: WorkerEngineOptions;
  #worker: Worker | undefined;
  #turn: Turn | undefined;
  #nextId = 1;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #stats: EndpointStatus[];
  #stopping = false;
  /** Whether an append is waiting for the worker's answer. */
  #inFlight = false;

  constructor(options: WorkerEngineOptions) {
    this.#options = options;
    this.#stats = options.endpoints.map((e) => ({ name: e.name, target: e.sink.target, sent: 0, failed: 0, dead_lettered: 0, queued: 0, oldest_age_ms: 0, mean_latency_ms: 0, breaker: 'closed' }));
  }

  async start(): Promise<void> {
    if (this.#worker) return;
    this.#stopping = false;
    await this.#spawn();
  }

  enqueue(events: readonly MtaEvent[], to: readonly string[]): Promise<void> {
    let turn = this.#turn;
    if (!turn) {
      const next: Turn = { groups: [], written: undefined as unknown as Promise<void> };
      next.written = new Promise<void>((resolve, reject) => {
        next.settle = { resolve, reject };
      });
      this.#turn = turn = next;
      // Sent at the end of this event-loop turn, or when the append in flight is answered.
      if (!this.#inFlight) setImmediate(() => this.#flush());
    }
    // The hub passes the same array for every event of one routing, so a turn has few groups.
    let group = turn.groups.at(-1);
    if (group?.to !== to) turn.groups.push((group = { to, json: [] }));
    for (const event of events) group.json.push(eventJson(event));
    return turn.written;
  }

  stats(): EndpointStatus[] {
    return this.#stats;
  }

  async deadLetters(endpoint: string, limit?: number): Promise<DeadLetter[]> {
    return (await this.#call({ op: 'dead-letters', id: 0, endpoint, ...(limit === undefined ? {} : { limit }) })) as DeadLetter[];
  }

  async replayDeadLetters(endpoint: string): Promise<number> {
    return (await this.#call({ op: 'replay', id: 0, endpoint })) as number;
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#stopping = true;
    if (!worker) return;
    await this.#turn?.written.catch(() => undefined);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ op: 'stop' } satisfies ToWorker);
    await exited;
  }

  /**
   * Sends the waiting events, unless an append is in flight: then they go when it is answered. So
   * at most one append is in flight, and under load each one carries the events of several turns:
   * a message that wakes a sleeping worker costs this thread tens of microseconds on a busy box,
   * more than serialising the events it carries.
   */
  #flush(): void {
    const turn = this.#turn;
    if (!turn || this.#inFlight) return;
    this.#turn = undefined;
    this.#inFlight = true;
    const id = this.#nextId++;
    const { resolve, reject } = turn.settle as NonNullable<Turn['settle']>;
    this.#waiting.set(id, {
      resolve: () => {
        this.#inFlight = false;
        resolve();
        this.#flush();
      },
      reject: (error) => {
        this.#inFlight = false;
        reject(error);
        this.#flush();
      },
    });
    this.#post({ op: 'append', id, groups: turn.groups.map((g) => ({ to: g.to, json: g.json.join('\n') })) }, id);
  }

  #call(message: Extract<ToWorker, { op: 'dead-letters' | 'replay' }>): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#post({ ...message, id }, id);
    });
  }

  #post(message: ToWorker, id: number): void {
    if (this.#worker) this.#worker.postMessage(message);
    else this.#settle(id, 'the events worker is not running (it is being restarted)');
  }

  #settle(id: number, error: string | undefined, value?: unknown): void {
    const waiting = this.#waiting.get(id);
    this.#waiting.delete(id);
    if (error === undefined) waiting?.resolve(value);
    else waiting?.reject(new MtaKitError('E_EVENTS', error));
  }

  #spawn(): Promise<void> {
    const { url, data } = workerEntry({ dir: this.#options.dir, definitions: this.#options.definitions, ...(this.#options.sync ? { sync: this.#options.sync } : {}) });
    const worker = new Worker(url, { workerData: data, stdout: false, stderr: false });
    this.#worker = worker;
    return new Promise((resolve, reject) => {
      worker.on('message', (m: ToMain) => {
        if (m.op === 'ready') resolve();
        else if (m.op === 'fatal') reject(new MtaKitError('E_EVENTS', `events worker: ${m.message}`));
        else if (m.op === 'done') this.#settle(m.id, m.error, m.value);
        else if (m.op === 'stats') this.#stats = m.stats;
        else this.#options.warn(m.message);
      });
      worker.on('error', (e) => this.#options.warn(`events worker failed: ${e.message}`));
      worker.on('exit', (code) => {
        reject(new MtaKitError('E_EVENTS', `events worker exited (${code}) before it was ready`));
        if (this.#worker === worker) this.#worker = undefined;
        for (const id of [...this.#waiting.keys()]) this.#settle(id, `the events worker exited (${code})`);
        if (this.#stopping) return;
        // The journal and the cursors are on disk: a new worker carries on from them.
        this.#options.warn(`events worker exited (${code}); starting it again in ${RESPAWN_MS} ms`);
        setTimeout(() => void this.#spawn().catch((e: Error) => this.#options.warn(e.message)), RESPAWN_MS).unref();
      });
    });
  }
}

/**
 * The worker's module: the built `sink-worker.js` beside this file, or with TypeScript sources
 * (tests, tsx) a small loader that registers tsx in the worker and imports `sink-worker.ts`.
 */
function workerEntry(setup: WorkerSetup): { url: URL; data: WorkerSetup & { entry?: string } } {
  const here = import.meta.url;
  if (!new URL(here).pathname.endsWith('.ts')) return { url: new URL('./sink-worker.js', here), data: setup };
  return { url: new URL('./worker-source.mjs', here), data: { ...setup, entry: new URL('./sink-worker.ts', here).href } };
}
