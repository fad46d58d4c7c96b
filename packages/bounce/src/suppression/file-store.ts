import { createReadStream } from 'node:fs';
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { systemClock, Batcher, MtaKitError, type Clock } from '@mtakit/core';
import type { SuppressionEntry, SuppressionKey } from './entry.js';
import { SuppressionIndex } from './index-map.js';
import type { SuppressionFilter, SuppressionStore } from './store.js';

export interface FileSuppressionStoreOptions {
  /** The journal file (created with its directory if missing), e.g. `data/suppression.jsonl`. */
  path: string;
  /** fdatasync each write batch before resolving. Default true. */
  fsync?: boolean;
  /** Decides what has expired. Default: the system clock. */
  clock?: Clock;
  /** Soft bounces older than this are dropped at compaction. Default 90 days (longer than any sane window). */
  softRetentionMs?: number;
}

/** What `open` found in the journal. */
export interface JournalLoadStats {
  /** Lines read. */
  lines: number;
  /** Lines that did not parse (a write torn by a crash, most likely; never acknowledged). */
  corrupt: number;
  /** Live entries after replay. */
  entries: number;
  /** Whether the journal was rewritten without dead lines. */
  compacted: boolean;
}

type JournalOp =
  | { op: 'put'; e: SuppressionEntry }
  | { op: 'del'; r: string; t: string | null }
  | { op: 'soft'; r: string; t: string | null; id: string; at: number };

/**
 * The embedded, durable suppression store: an append-only JSON-lines journal (one line per put,
 * removal or soft bounce) replayed into an in-memory index at start, then compacted (rewritten with
 * only live entries, atomically) when it holds dead lines. Checks are map lookups; writes made in
 * the same tick share one write and one fdatasync (group commit). One process per journal.
 */
export class FileSuppressionStore implements SuppressionStore {
  readonly #index: SuppressionIndex;
  readonly #options: FileSuppressionStoreOptions;
  readonly #clock: Clock;
  #handle: FileHandle;
  readonly #journal = new Batcher<string, void>((texts) => this.#write(texts));
  #closed = false;
  /** What the last `open` found. */
  readonly loaded: JournalLoadStats;

  private constructor(options: FileSuppressionStoreOptions, index: SuppressionIndex, handle: FileHandle, loaded: JournalLoadStats) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#index = index;
    this.#handle = handle;
    this.loaded = loaded;
  }

  /** Opens (or creates) the journal, replays it, compacts it if it holds dead lines. */
  static async open(options: FileSuppressionStoreOptions): Promise<FileSuppressionStore> {
    const clock = options.clock ?? systemClock;
    await mkdir(dirname(options.path), { recursive: true });
    const index = new SuppressionIndex();
    const { lines, corrupt } = await replay(options.path, index);
    const now = clock.now();
    index.sweepExpired(now);
    index.sweepSoft(now - (options.softRetentionMs ?? 90 * 86_400_000));
    let softEvents = 0;
    for (const _ of index.softEvents()) softEvents++;
    const compacted = lines > index.size + softEvents;
    if (compacted) await rewrite(options.path, index, options.fsync ?? true);
    const handle = await open(options.path, 'a');
    return new FileSuppressionStore(options, index, handle, { lines, corrupt, entries: index.size, compacted });
  }

  /** Live and not-yet-dropped expired entries in memory. */
  get size(): number {
    return this.#index.size;
  }

  async check(recipient: string, tenant?: string | null): Promise<SuppressionEntry | undefined> {
    return this.#index.check(recipient, tenant, this.#clock.now());
  }

  /** The same lookup without a promise, for callers on a hot path that know the store is local. */
  checkNow(recipient: string, tenant?: string | null): SuppressionEntry | undefined {
    return this.#index.check(recipient, tenant, this.#clock.now());
  }

  async get(key: SuppressionKey): Promise<SuppressionEntry | undefined> {
    return this.#index.get(key, this.#clock.now());
  }

  put(entries: readonly SuppressionEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    for (const e of entries) this.#index.put(e);
    return this.#append(entries.map((e) => line({ op: 'put', e })).join(''));
  }

  async remove(keys: readonly SuppressionKey[]): Promise<number> {
    const removed = keys.filter((k) => this.#index.remove(k));
    if (removed.length > 0) await this.#append(removed.map((k) => line({ op: 'del', r: k.recipient, t: k.tenant })).join(''));
    return removed.length;
  }

  async *entries(filter?: SuppressionFilter): AsyncIterable<SuppressionEntry> {
    yield* this.#index.entries(filter, this.#clock.now());
  }

  async countSoftBounce(key: SuppressionKey, messageId: string, at: number, windowMs: number): Promise<number> {
    const count = this.#index.countSoftBounce(key, messageId, at, windowMs);
    await this.#append(line({ op: 'soft', r: key.recipient, t: key.tenant, id: messageId, at }));
    return count;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#journal.drained();
    await this.#handle.close();
  }

  #append(text: string): Promise<void> {
    if (this.#closed) return Promise.reject(new MtaKitError('E_CLOSED', 'suppression store is closed'));
    return this.#journal.submit(text);
  }

  /** Writes a batch of journal lines with one write and one fdatasync (group commit). */
  async #write(texts: string[]): Promise<void[]> {
    try {
      await this.#handle.write(texts.join(''));
      if (this.#options.fsync ?? true) await this.#handle.datasync();
      return [];
    } catch (error) {
      throw new MtaKitError('E_SPOOL', `suppression journal ${this.#options.path}: write failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

function line(op: JournalOp): string {
  return `${JSON.stringify(op)}\n`;
}

async function replay(path: string, index: SuppressionIndex): Promise<{ lines: number; corrupt: number }> {
  let lines = 0;
  let corrupt = 0;
  const input = createReadStream(path, { encoding: 'utf8' });
  try {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      if (text === '') continue;
      lines++;
      let op: JournalOp;
      try {
        op = JSON.parse(text) as JournalOp;
      } catch {
        corrupt++;
        continue;
      }
      if (op.op === 'put') index.put(op.e);
      else if (op.op === 'del') index.remove({ recipient: op.r, tenant: op.t });
      else if (op.op === 'soft') index.restoreSoftBounce({ recipient: op.r, tenant: op.t, messageId: op.id, at: op.at });
      else corrupt++;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: 0, corrupt: 0 };
    throw new MtaKitError('E_SPOOL', `suppression journal ${path}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  return { lines, corrupt };
}

/** Writes the live state to a temporary file and renames it over the journal (atomic on POSIX). */
async function rewrite(path: string, index: SuppressionIndex, fsync: boolean): Promise<void> {
  const tmp = `${path}.compact`;
  const out = await open(tmp, 'w');
  try {
    let chunk: string[] = [];
    const drain = async () => {
      await out.write(chunk.join(''));
      chunk = [];
    };
    for (const e of index.entries(undefined, Number.NEGATIVE_INFINITY)) {
      chunk.push(line({ op: 'put', e }));
      if (chunk.length >= 10_000) await drain();
    }
    for (const s of index.softEvents()) {
      chunk.push(line({ op: 'soft', r: s.recipient, t: s.tenant, id: s.messageId, at: s.at }));
      if (chunk.length >= 10_000) await drain();
    }
    await drain();
    if (fsync) await out.sync();
  } finally {
    await out.close();
  }
  await rename(tmp, path);
  if (fsync) {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
