import { appendFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalEntry } from './journal.js';
import { eventJson, type MtaEvent } from './event.js';

export interface DeadLetter {
  event: MtaEvent;
  /** Why the event was given up on: the last error, or "retry window expired". */
  reason: string;
  /** When it was first queued, and when it was given up on (ms since epoch). */
  queued_at: number;
  dead_at: number;
}

/**
 * The events one endpoint gave up on, as JSONL in `<dir>/dead-letters.jsonl`. A replay moves the
 * file aside first, so a crash during the replay replays it again (at-least-once) rather than
 * losing it.
 */
export class DeadLetterStore {
  readonly #file: string;
  readonly #replaying: string;

  constructor(readonly dir: string) {
    this.#file = join(dir, 'dead-letters.jsonl');
    this.#replaying = join(dir, 'dead-letters.replaying.jsonl');
  }

  async add(entries: readonly JournalEntry[], reason: string, now: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // The event's own text, as the journal holds it (see DeadLetter for the shape).
    const lines = entries.map((e) => `{"event":${eventJson(e.event)},"reason":${JSON.stringify(reason)},"queued_at":${e.at},"dead_at":${now}}`);
    await appendFile(this.#file, lines.join('\n') + '\n');
  }

  async list(limit = Number.POSITIVE_INFINITY): Promise<DeadLetter[]> {
    const all = [...(await readLines(this.#replaying)), ...(await readLines(this.#file))];
    return all.slice(0, limit);
  }

  /** Hands every dead letter to `requeue` (which must make it durable), then forgets them. */
  async replay(requeue: (events: MtaEvent[]) => Promise<void>): Promise<number> {
    await this.#absorb();
    const letters = await readLines(this.#replaying);
    if (letters.length > 0) await requeue(letters.map((l) => l.event));
    await rm(this.#replaying, { force: true });
    return letters.length;
  }

  /**
   * Moves the live file's letters onto the replay file. The rename is atomic, so a letter added
   * meanwhile lands in a fresh live file; a crash after the append but before the cleanup only
   * replays some letters twice.
   */
  async #absorb(): Promise<void> {
    const moving = join(this.dir, 'dead-letters.moving.jsonl');
    const leftover = await readFile(moving, 'utf8').catch(() => null);
    if (leftover === null) await rename(this.#file, moving).catch(ignoreMissing);
    const text = leftover ?? (await readFile(moving, 'utf8').catch(() => ''));
    if (text !== '') await appendFile(this.#replaying, text);
    await rm(moving, { force: true });
  }
}

function ignoreMissing(e: NodeJS.ErrnoException): void {
  if (e.code !== 'ENOENT') throw e;
}

async function readLines(file: string): Promise<DeadLetter[]> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as DeadLetter);
}
