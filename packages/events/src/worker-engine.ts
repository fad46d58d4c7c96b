import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MtaKitError } from '@mtakit/core';
import type { DeadLetter, DeadLetterStore } from './dead-letters.js';
import { ChunkRing } from './chunk-ring.js';
import { deadLetterStore, deadLetterStores, replayInto, type EventEngine } from './engine.js';
import type { MtaEvent } from './event.js';
import type { EndpointConfig, EndpointDefinition } from './hub.js';
import { Journal, type JournalChunk, type JournalSync } from './journal.js';
import type { EndpointStatus } from './stats.js';
import type { ToMain, ToWorker, WorkerSetup } from './worker-protocol.js';

export interface WorkerEngineOptions {
  dir: string;
  definitions: readonly EndpointDefinition[];
  /** The same endpoints, built on this thread: their names, dead-letter stores, and targets for the stats until the worker reports. */
  endpoints: readonly EndpointConfig[];
  sync?: JournalSync;
  warn: (message: string) => void;
}

/** Bytes of written journal the worker may be behind in draining (see ChunkRing); more, and it is started again from the files. */
const RING_BYTES = 16 * 1024 * 1024;
/** How long a stopping worker may take to close its lanes and sinks before it is terminated (ms). */
const STOP_MS = 15_000;
/** How soon a worker that died is started again (ms). */
const RESPAWN_MS = 1_000;

/**
 * The journal's writing half on this thread, everything else in a worker thread (sink-worker.ts):
 * an event is written here exactly as on one thread (one `write(2)` per event-loop turn, before
 * `publish` resolves, so durability is unchanged and no publish waits for the worker), and the
 * bytes of those writes go to the worker through a shared-memory ring (ChunkRing) that it drains
 * on its own timer; it follows them with its readers and lanes: the HTTP and broker clients,
 * signatures, retries, cursors, the journal's background fdatasync and dead-lettering never touch
 * this thread's event loop. Dead letters are listed and replayed from here (they are files).
 */
export class WorkerEngine implements EventEngine {
  readonly #options: WorkerEngineOptions;
  readonly #journal: Journal;
  readonly #deadLetters: Map<string, DeadLetterStore>;
  #worker: Worker | undefined;
  #ring: ChunkRing | undefined;
  #stats: EndpointStatus[];
  #started = false;
  #stopping = false;

  constructor(options: WorkerEngineOptions) {
    this.#options = options;
    this.#journal = new Journal(join(options.dir, 'journal'), {
      role: 'writer', onWritten: (chunk) => this.#written(chunk), warn: options.warn, ...(options.sync ? { sync: options.sync } : {}),
    });
    this.#deadLetters = deadLetterStores(options.dir, options.endpoints);
    this.#stats = options.endpoints.map((e) => ({ name: e.name, target: e.sink.target, sent: 0, failed: 0, dead_lettered: 0, queued: 0, oldest_age_ms: 0, mean_latency_ms: 0, breaker: 'closed' }));
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    await this.#journal.open([]);
    await this.#spawn();
  }

  enqueue(events: readonly MtaEvent[], to: readonly string[]): Promise<void> | undefined {
    return this.#journal.append(events, to);
  }

  /** As the worker last reported them (every 250 ms). */
  stats(): EndpointStatus[] {
    return this.#stats;
  }

  async deadLetters(endpoint: string, limit?: number): Promise<DeadLetter[]> {
    return deadLetterStore(this.#deadLetters, endpoint).list(limit);
  }

  replayDeadLetters(endpoint: string): Promise<number> {
    return replayInto(this.#journal, this.#deadLetters, endpoint);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#journal.close();
    const worker = this.#worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ op: 'stop' } satisfies ToWorker);
      // A worker stuck in a sink that ignores its abort signal does not hold the MTA's shutdown.
      const stuck = setTimeout(() => void worker.terminate(), STOP_MS);
      await exited;
      clearTimeout(stuck);
    }
    this.#started = false;
  }

  #written(chunk: JournalChunk): void {
    const worker = this.#worker;
    if (!worker || this.#ring?.push(chunk) !== false) return; // no worker: the next one starts from the files
    // The worker is that far behind (starved of CPU, say): it starts again from the files, which hold all of it.
    this.#ring = undefined;
    this.#options.warn(`events worker more than ${RING_BYTES} bytes of journal behind; starting it again`);
    void worker.terminate();
  }

  #spawn(): Promise<void> {
    // The new worker reads the journal from the files up to here, and what is written next from a new ring.
    this.#ring = ChunkRing.create(RING_BYTES);
    const setup: WorkerSetup = { dir: this.#options.dir, definitions: this.#options.definitions, from: this.#journal.position(), ring: this.#ring.buffer };
    const { url, data } = workerEntry(setup);
    const worker = new Worker(url, { workerData: data, stdout: false, stderr: false });
    this.#worker = worker;
    return new Promise((resolve, reject) => {
      worker.on('message', (m: ToMain) => {
        if (m.op === 'ready') resolve();
        else if (m.op === 'fatal') reject(new MtaKitError('E_EVENTS', `events worker: ${m.message}`));
        else if (m.op === 'stats') this.#stats = m.stats;
        else this.#options.warn(m.message);
      });
      worker.on('error', (e) => this.#options.warn(`events worker failed: ${e.message}`));
      worker.on('exit', (code) => {
        reject(new MtaKitError('E_EVENTS', `events worker exited (${code}) before it was ready`));
        if (this.#worker === worker) this.#worker = undefined;
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
