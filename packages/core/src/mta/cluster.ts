import cluster, { type Worker } from 'node:cluster';
import { consoleLogger, type Logger } from '../contracts/logger.js';
import { PeerRelay, WorkerPeers, type NodePeers, type ServedTopic } from './cluster-bus.js';

/** Which worker this process is: shard `index` of `count`. */
export interface ClusterWorker {
  index: number;
  count: number;
}

export interface ClusterOptions {
  /** How many worker processes (≥ 1); each owns shard 0…workers-1. */
  workers: number;
  /**
   * Runs in each worker: start what the worker serves for its shard (e.g. `createMta` on the
   * shard's spool). Listeners opened here share one socket per address across the workers
   * (node:cluster). `peers` reaches the other workers (pass it to `createMta`'s `peers` so the
   * admin API and metrics answer for the whole node). Resolves with how to stop it gracefully.
   */
  start(worker: ClusterWorker, peers: NodePeers): Promise<{ stop(): Promise<void> }>;
  /**
   * Runs once in the primary before any worker starts: create what the workers only read (the
   * node id, a generated certificate), so they never race to create it.
   */
  prepare?(): Promise<void>;
  /** What the primary keeps for the whole node, by topic (workers reach it with `peers.askPrimary`), e.g. a shaping store. */
  serve?: Readonly<Record<string, ServedTopic>>;
  /**
   * Runs in the primary when a worker process has exited (`pid` as `serve` saw it): release what
   * `serve` held on its behalf, e.g. its connection leases, which would otherwise block its
   * successor until they expire.
   */
  workerGone?(pid: number): void;
  /** Runs in the primary once every worker has stopped, before it exits (e.g. to save what `serve` keeps). */
  onStop?(): Promise<void>;
  /** Runs in the primary before each worker is forked (again), e.g. to bring its shard's copy of node-wide state up to date. */
  beforeFork?(index: number): Promise<void>;
  /** Incoming connections handed out by the primary in turn (`primary`, even spread) or taken by whichever worker accepts first (`kernel`, no hop). Default `kernel`. */
  balance?: 'primary' | 'kernel';
  logger?: Logger;
  /** Restart delay after a worker dies within `crashLoopMs` of starting; doubles each time up to 30 s. Default 1000 ms. */
  restartDelayMs?: number;
}

/** The environment variable that tells a forked process which shard it is (`index/count`). */
export const CLUSTER_WORKER_VARIABLE = 'MTAKIT_CLUSTER_WORKER';
const STABLE_MS = 10_000;

/** In a worker forked by `runCluster`: its shard; in any other process: undefined. */
export function clusterWorker(env: NodeJS.ProcessEnv = process.env): ClusterWorker | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(env[CLUSTER_WORKER_VARIABLE] ?? '');
  return cluster.isWorker && m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
}

/**
 * Runs `start` in `workers` processes that share the listening sockets (node:cluster), one shard
 * each, and supervises them: a worker that dies is started again on the same shard (so it recovers
 * that shard's spool); SIGTERM or SIGINT to the primary stops every worker gracefully and then the
 * primary. Call it from the program's entry point: the primary re-runs that same program for each
 * worker, where this call starts the worker's part. An embedder that runs one process per shard
 * by other means (systemd units, containers) calls its own `start` instead.
 */
export async function runCluster(options: ClusterOptions): Promise<void> {
  const logger = options.logger ?? consoleLogger;
  const me = clusterWorker();
  if (me) return runWorker(me, options, logger);
  cluster.schedulingPolicy = options.balance === 'primary' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  await options.prepare?.();
  const supervisor = new Supervisor(options, logger);
  process.once('SIGTERM', () => void supervisor.stop('SIGTERM'));
  process.once('SIGINT', () => void supervisor.stop('SIGINT'));
  await supervisor.startAll();
}

async function runWorker(me: ClusterWorker, options: ClusterOptions, logger: Logger): Promise<void> {
  const running = await options.start(me, new WorkerPeers((message) => logger('warn', message)));
  const stop = (why: string) => {
    logger('info', `worker ${me.index}: ${why}`);
    running.stop().then(() => process.exit(0), (error: Error) => {
      logger('error', `worker ${me.index}: shutdown failed: ${error.message}`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM received'));
  process.once('SIGINT', () => stop('SIGINT received'));
  process.send?.({ mtakit: 'worker-ready', index: me.index });
}

/** The primary's side: forks one worker per shard, restarts the ones that die, stops them all. */
class Supervisor {
  readonly #workers = new Map<number, { worker: Worker; startedAt: number; delay: number }>();
  readonly #relay: PeerRelay;
  #stopping = false;
  #ready = new Set<number>();

  constructor(private readonly options: ClusterOptions, private readonly logger: Logger) {
    this.#relay = new PeerRelay(() => [...this.#workers].map(([index, e]) => [index, e.worker]), options.serve, options.workerGone);
  }

  async startAll(): Promise<void> {
    this.logger('info', `cluster: starting ${this.options.workers} workers (${this.options.balance ?? 'kernel'} connection balancing)`);
    for (let i = 0; i < this.options.workers; i++) await this.#fork(i, this.options.restartDelayMs ?? 1000);
  }

  async #fork(index: number, delay: number): Promise<void> {
    await this.options.beforeFork?.(index);
    if (this.#stopping) return;
    const worker = cluster.fork({ [CLUSTER_WORKER_VARIABLE]: `${index}/${this.options.workers}` });
    this.#workers.set(index, { worker, startedAt: Date.now(), delay });
    this.logger('info', `cluster: worker ${index} started, pid ${worker.process.pid} (shard ${index})`);
    worker.on('message', (message: { mtakit?: string }) => {
      if (message?.mtakit !== 'worker-ready') return this.#relay.onMessage(worker, message as Parameters<PeerRelay['onMessage']>[1]);
      this.#ready.add(index);
      if (this.#ready.size === this.options.workers) this.logger('info', `cluster: all ${this.options.workers} workers ready`);
    });
    worker.once('exit', (code, signal) => {
      this.#relay.onExit(worker);
      this.#exited(index, worker, code, signal);
    });
  }

  #exited(index: number, worker: Worker, code: number | null, signal: string | null): void {
    const entry = this.#workers.get(index);
    if (entry?.worker !== worker) return;
    this.#workers.delete(index);
    this.#ready.delete(index);
    if (this.#stopping) {
      if (this.#workers.size === 0) void this.#exit();
      return;
    }
    // A worker that dies right after starting (bad config, disk full) would otherwise be restarted
    // in a tight loop: back off, doubling, until one stays up.
    const quick = Date.now() - entry.startedAt < STABLE_MS;
    const wait = quick ? entry.delay : 0;
    this.logger('warn', `cluster: worker ${index} (pid ${worker.process.pid}) died (${signal ?? `exit ${code}`}); restarting it on shard ${index}${wait ? ` in ${wait} ms` : ''}`);
    setTimeout(() => {
      if (this.#stopping) return;
      this.#fork(index, quick ? Math.min(entry.delay * 2, 30_000) : (this.options.restartDelayMs ?? 1000)).catch((error: Error) => {
        this.logger('error', `cluster: worker ${index} could not be restarted: ${error.message}`);
      });
    }, wait);
  }

  async stop(signal: string): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.logger('info', `cluster: ${signal} received; stopping ${this.#workers.size} workers`);
    if (this.#workers.size === 0) return this.#exit();
    for (const { worker } of this.#workers.values()) worker.process.kill('SIGTERM');
  }

  async #exit(): Promise<void> {
    await this.options.onStop?.().catch((error: Error) => this.logger('error', `cluster: stopping: ${error.message}`));
    process.exit(0);
  }
}
