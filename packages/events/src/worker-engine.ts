import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MtaKitError } from '@mtakit/core';
import type { DeadLetter, DeadLetterStore } from './dead-letters.js';
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

/**
 * How long written chunks wait before they go to the worker (ms). Nobody waits on the handover
 * (a record is durable once written), and each message wakes the worker, which on a busy machine
 * preempts this thread then and there (profiles of the MTA put up to 0.2 ms of its event loop on
 * each postMessage at a load of 14 on 2 cores): gathering 25 ms of writes bounds that to 40 a
 * second, against the lanes' own 50 ms batch wait.
 */
const HANDOVER_MS = 25;
/** How soon a worker that died is started again (ms). */
const RESPAWN_MS = 1_000;

/**
 * The journal's writing half on this thread, everything else in a worker thread (sink-worker.ts):
 * an event is written here exactly as on one thread (one `write(2)` per event-loop turn, before
 * `publish` resolves, so durability is unchanged and no publish waits for the worker), and the
 * bytes of those writes go to the worker, which follows them with its readers and lanes: the
 * HTTP and broker clients, signatures, retries, cursors and dead-lettering never touch this
 * thread's event loop. Dead letters are listed and replayed from here (they are files).
 */
export class WorkerEngine implements EventEngine {
  readonly #options: WorkerEngineOptions;
  readonly #journal: Journal;
  readonly #deadLetters: Map<string, DeadLetterStore>;
  #worker: Worker | undefined;
  #chunks: JournalChunk[] = [];
  #timer: NodeJS.Timeout | undefined;
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
    this.#handOver();
    const worker = this.#worker;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ op: 'stop' } satisfies ToWorker);
      await exited;
    }
    this.#started = false;
  }

  #written(chunk: JournalChunk): void {
    this.#chunks.push(chunk);
    this.#timer ??= setTimeout(() => this.#handOver(), HANDOVER_MS);
  }

  /** Posts the chunks written since the last handover, those of one segment merged into one transferred buffer. */
  #handOver(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const chunks = mergeChunks(this.#chunks.splice(0));
    if (chunks.length === 0 || !this.#worker) return;
    this.#worker.postMessage({ op: 'written', chunks } satisfies ToWorker, chunks.map((c) => c.bytes.buffer as ArrayBuffer));
  }

  #spawn(): Promise<void> {
    // The new worker reads the journal from disk up to here; what was waiting for a handover is in that.
    this.#chunks = [];
    const setup: WorkerSetup = { dir: this.#options.dir, definitions: this.#options.definitions, from: this.#journal.position() };
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

/** Consecutive chunks of one segment as one, each in a buffer of its own (a pooled Buffer's memory cannot be transferred). */
function mergeChunks(chunks: readonly JournalChunk[]): JournalChunk[] {
  const out: JournalChunk[] = [];
  for (let i = 0; i < chunks.length; ) {
    let j = i + 1;
    while (j < chunks.length && (chunks[j] as JournalChunk).segment === (chunks[i] as JournalChunk).segment) j += 1;
    const run = chunks.slice(i, j);
    const bytes = Buffer.allocUnsafeSlow(run.reduce((n, c) => n + c.bytes.length, 0));
    let at = 0;
    for (const c of run) at += c.bytes.copy(bytes, at);
    out.push({ segment: (run[0] as JournalChunk).segment, base: (run[0] as JournalChunk).base, bytes, lastSeq: (run.at(-1) as JournalChunk).lastSeq });
    i = j;
  }
  return out;
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
