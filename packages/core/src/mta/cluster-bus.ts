import type { Worker } from 'node:cluster';

/**
 * The other processes of one node (the workers of `runCluster`), as one of them sees them: asked
 * for their part of a node-wide answer (metrics, queue lists) or to apply an admin action too.
 */
export interface NodePeers {
  /** Runs `topic` in every other worker; resolves with their answers (a worker that fails or does not answer in time is left out and reported). */
  ask(topic: string, payload?: unknown): Promise<unknown[]>;
  /** How this worker answers `topic` when another asks. */
  answer(topic: string, handler: (payload: unknown) => unknown): void;
  /** Runs `topic` in the primary (`runCluster`'s `serve`): state the node keeps in one place. */
  askPrimary(topic: string, payload?: unknown): Promise<unknown>;
  /** What this worker does when the primary tells every worker `topic` (a `serve` handler's `tell`), e.g. a change to keep a copy current. */
  heard(topic: string, handler: (payload: unknown) => void): void;
}

type Ask = { mtakit: 'ask'; id: number; topic: string; payload: unknown };
type Question = { mtakit: 'question'; id: number; topic: string; payload: unknown };
type Answer = { mtakit: 'answer'; id: number; ok: boolean; payload: unknown };
type Answers = { mtakit: 'answers'; id: number; answers: unknown[]; missing: string[] };
type AskPrimary = { mtakit: 'ask-primary'; id: number; topic: string; payload: unknown };
type PrimaryAnswer = { mtakit: 'primary-answer'; id: number; ok: boolean; payload: unknown };
type Tell = { mtakit: 'tell'; topic: string; payload: unknown };

/** How long the primary waits for the other workers' answers. */
const ANSWER_MS = 10_000;

/**
 * The worker's side: questions go to the primary, which passes them to every other worker and
 * returns their answers together. One IPC round trip per node-wide request, none per message.
 */
export class WorkerPeers implements NodePeers {
  readonly #handlers = new Map<string, (payload: unknown) => unknown>();
  readonly #heard = new Map<string, (payload: unknown) => void>();
  readonly #pending = new Map<number, (answers: Answers) => void>();
  readonly #primary = new Map<number, (answer: PrimaryAnswer) => void>();
  #next = 0;

  constructor(private readonly report: (message: string) => void = () => undefined) {
    process.on('message', (message: Question | Answers | PrimaryAnswer | Tell) => {
      if (message?.mtakit === 'question') void this.#reply(message);
      else if (message?.mtakit === 'tell') this.#heard.get(message.topic)?.(message.payload);
      else if (message?.mtakit === 'answers') this.#pending.get(message.id)?.(message);
      else if (message?.mtakit === 'primary-answer') this.#primary.get(message.id)?.(message);
    });
  }

  askPrimary(topic: string, payload?: unknown): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      // Bounded: a lost answer must fail the caller (who retries), not hold it (and its mail) for good.
      const timer = setTimeout(() => {
        this.#primary.delete(id);
        reject(new Error(`primary: no answer to ${topic} within ${ANSWER_MS} ms`));
      }, ANSWER_MS);
      timer.unref();
      this.#primary.set(id, (answer) => {
        clearTimeout(timer);
        this.#primary.delete(id);
        if (answer.ok) resolve(answer.payload);
        else reject(new Error(`primary: ${String(answer.payload)}`));
      });
      process.send?.({ mtakit: 'ask-primary', id, topic, payload } satisfies AskPrimary);
    });
  }

  ask(topic: string, payload?: unknown): Promise<unknown[]> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, (message) => {
        this.#pending.delete(id);
        if (message.missing.length > 0) this.report(`node-wide ${topic}: no answer from ${message.missing.join(', ')}`);
        resolve(message.answers);
      });
      process.send?.({ mtakit: 'ask', id, topic, payload } satisfies Ask);
    });
  }

  answer(topic: string, handler: (payload: unknown) => unknown): void {
    this.#handlers.set(topic, handler);
  }

  heard(topic: string, handler: (payload: unknown) => void): void {
    this.#heard.set(topic, handler);
  }

  async #reply(q: Question): Promise<void> {
    const handler = this.#handlers.get(q.topic);
    let answer: Answer;
    try {
      if (!handler) throw new Error(`nothing answers ${q.topic}`);
      answer = { mtakit: 'answer', id: q.id, ok: true, payload: await handler(q.payload) };
    } catch (error) {
      answer = { mtakit: 'answer', id: q.id, ok: false, payload: (error as Error).message };
    }
    process.send?.(answer);
  }
}

/**
 * A topic the primary serves: `from` is the asking worker's pid (what it holds ends with that
 * worker); `tell` sends every live worker `topic` (their `heard` handlers), in order, before the
 * answer leaves, so the asker has heard what it caused by the time its call resolves.
 */
export type ServedTopic = (payload: unknown, from: number, tell: (topic: string, payload: unknown) => void) => unknown;

/**
 * The primary's side: relays a worker's question to the other live workers and their answers
 * back, in one message, once all have answered, one has died, or ANSWER_MS has passed.
 */
export class PeerRelay {
  readonly #open = new Map<number, { asker: Worker; askerId: number; waiting: Map<Worker, string>; answers: unknown[]; missing: string[]; timer: NodeJS.Timeout }>();
  #next = 0;

  constructor(
    private readonly workers: () => Iterable<[index: number, worker: Worker]>,
    private readonly served: Readonly<Record<string, ServedTopic>> = {},
    private readonly gone: (pid: number) => void = () => undefined,
  ) {}

  /** A message from `worker`: a question to pass on or answer here, or an answer to collect. */
  onMessage(worker: Worker, message: Ask | Answer | AskPrimary): void {
    if (message?.mtakit === 'ask') this.#ask(worker, message);
    else if (message?.mtakit === 'answer') this.#answer(worker, message);
    else if (message?.mtakit === 'ask-primary') void this.#serve(worker, message);
  }

  async #serve(worker: Worker, message: AskPrimary): Promise<void> {
    let answer: PrimaryAnswer;
    try {
      const handler = this.served[message.topic];
      if (!handler) throw new Error(`the primary serves no ${message.topic}`);
      answer = { mtakit: 'primary-answer', id: message.id, ok: true, payload: await handler(message.payload, worker.process.pid ?? -1, this.#tell) };
    } catch (error) {
      answer = { mtakit: 'primary-answer', id: message.id, ok: false, payload: (error as Error).message };
    }
    if (worker.isConnected()) worker.send(answer);
  }

  readonly #tell = (topic: string, payload: unknown): void => {
    for (const [, w] of this.workers()) if (w.isConnected()) w.send({ mtakit: 'tell', topic, payload } satisfies Tell);
  };

  /** A worker died: the questions it was asked are answered without it. */
  onExit(worker: Worker): void {
    if (worker.process.pid !== undefined) this.gone(worker.process.pid);
    for (const [id, q] of this.#open) {
      const name = q.waiting.get(worker);
      if (name === undefined) continue;
      q.waiting.delete(worker);
      q.missing.push(`${name} (exited)`);
      this.#settle(id);
    }
  }

  #ask(asker: Worker, message: Ask): void {
    const id = this.#next++;
    const waiting = new Map<Worker, string>();
    for (const [index, w] of this.workers()) if (w !== asker && w.isConnected()) waiting.set(w, `worker ${index}`);
    const timer = setTimeout(() => {
      const q = this.#open.get(id);
      if (!q) return;
      q.missing.push(...q.waiting.values());
      q.waiting.clear();
      this.#settle(id);
    }, ANSWER_MS);
    this.#open.set(id, { asker, askerId: message.id, waiting, answers: [], missing: [], timer });
    for (const w of waiting.keys()) w.send({ mtakit: 'question', id, topic: message.topic, payload: message.payload } satisfies Question);
    this.#settle(id);
  }

  #answer(worker: Worker, message: Answer): void {
    const q = this.#open.get(message.id);
    const name = q?.waiting.get(worker);
    if (!q || name === undefined) return;
    q.waiting.delete(worker);
    if (message.ok) q.answers.push(message.payload);
    else q.missing.push(`${name} (${String(message.payload)})`);
    this.#settle(message.id);
  }

  #settle(id: number): void {
    const q = this.#open.get(id);
    if (!q || q.waiting.size > 0) return;
    this.#open.delete(id);
    clearTimeout(q.timer);
    if (q.asker.isConnected()) q.asker.send({ mtakit: 'answers', id: q.askerId, answers: q.answers, missing: q.missing } satisfies Answers);
  }
}
