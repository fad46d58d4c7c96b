import { mkdir, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Batcher, MtaKitError } from '@mtakit/core';
import { eventJson, rememberJson, type MtaEvent } from './event.js';

export interface JournalEntry {
  seq: number;
  /** When the event was appended (ms since epoch): the start of its retry window. */
  at: number;
  event: MtaEvent;
}

const SEGMENT = /^(\d{16})\.jsonl$/;
/** Entries kept in memory for a caught-up reader (beyond that, it reads them back from disk). */
const TAIL_MAX = 10_000;
const segmentName = (firstSeq: number) => `${String(firstSeq).padStart(16, '0')}.jsonl`;

/**
 * A durable, ordered queue of events on disk: append-only JSONL segments plus a cursor file that
 * records the last sequence number a consumer has acknowledged. Appends are group-committed (one
 * fdatasync per batch of concurrent callers) and resolve only once on disk, so an event handed to
 * `append` survives a SIGKILL. Segments wholly behind the cursor are deleted.
 */
export class Journal {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #now: () => number;
  #segments: number[] = [];
  #fd: FileHandle | undefined;
  #fdBytes = 0;
  #nextSeq = 1;
  #acked = 0;
  #read = { segment: 0, offset: 0, lastSeq: 0 };
  /**
   * Entries appended by this process, kept so a reader that is caught up takes them from memory
   * instead of reading back what it just wrote. Each knows where it ends on disk, so the disk
   * position stays right for when the reader must go back to the files (after a restart, or when
   * it fell more than TAIL_MAX behind and the tail stopped growing).
   */
  #tail: Array<{ entry: JournalEntry; /** first seq of its segment */ segment: number; end: number }> = [];
  #waiters: Array<() => void> = [];
  readonly #readBuffer = Buffer.allocUnsafe(1024 * 1024);
  readonly #batcher = new Batcher<{ at: number; event: MtaEvent; json: string }, number>((items) => this.#write(items));

  constructor(dir: string, options: { segmentBytes?: number; now?: () => number } = {}) {
    this.#dir = dir;
    this.#segmentBytes = options.segmentBytes ?? 16 * 1024 * 1024;
    this.#now = options.now ?? Date.now;
  }

  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const cursor = await readFile(join(this.#dir, 'cursor'), 'utf8').catch(() => '0');
    this.#acked = Number.parseInt(cursor, 10) || 0;
    this.#segments = (await readdir(this.#dir)).flatMap((n) => {
      const m = SEGMENT.exec(n);
      return m ? [Number(m[1])] : [];
    }).sort((a, b) => a - b);
    this.#nextSeq = this.#acked + 1;
    const last = this.#segments.at(-1);
    if (last !== undefined) {
      const text = await readFile(join(this.#dir, segmentName(last)), 'utf8');
      const lines = completeLines(text);
      this.#nextSeq = Math.max(this.#nextSeq, last + lines.length);
      // A torn last line (crash mid-write, never acknowledged) is cut off so later appends start clean.
      const whole = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
      if (whole !== Buffer.byteLength(text)) {
        const fd = await open(join(this.#dir, segmentName(last)), 'r+');
        await fd.truncate(whole);
        await fd.close();
      }
    }
    this.#read = { segment: 0, offset: 0, lastSeq: this.#acked };
  }

  /**
   * Appends one event; resolves with its sequence number once it is on disk. `json` is the event
   * already serialised (the hub serialises once for every endpoint that takes it).
   */
  append(event: MtaEvent, json: string = eventJson(event)): Promise<number> {
    return this.#batcher.submit({ at: this.#now(), event, json });
  }

  /** Events not yet acknowledged. */
  get pending(): number {
    return this.#nextSeq - 1 - this.#acked;
  }

  /**
   * Up to `max` entries after the last one read (the first call after `open` starts after the
   * cursor). Resolves with an empty list only when `signal` aborts; otherwise waits for appends.
   */
  async next(max: number, signal: AbortSignal): Promise<JournalEntry[]> {
    for (;;) {
      const entries = this.#fromTail(max) ?? (await this.#readAhead(max));
      if (entries.length > 0 || signal.aborted) return entries;
      await new Promise<void>((resolve) => {
        const done = () => { signal.removeEventListener('abort', done); resolve(); };
        this.#waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Marks everything up to `seq` as delivered, and drops segments wholly behind it. */
  async ack(seq: number): Promise<void> {
    if (seq <= this.#acked) return;
    this.#acked = seq;
    const tmp = join(this.#dir, 'cursor.tmp');
    await writeFile(tmp, String(seq));
    await rename(tmp, join(this.#dir, 'cursor'));
    while (this.#segments.length > 1 && (this.#segments[1] as number) <= seq + 1) {
      const gone = this.#segments.shift() as number;
      this.#read.segment = Math.max(0, this.#read.segment - 1);
      await rm(join(this.#dir, segmentName(gone)), { force: true });
    }
  }

  async close(): Promise<void> {
    await this.#batcher.drained();
    await this.#fd?.close();
    this.#fd = undefined;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async #write(items: Array<{ at: number; event: MtaEvent; json: string }>): Promise<number[]> {
    if (!this.#fd || this.#fdBytes >= this.#segmentBytes) await this.#rotate();
    const seqs = items.map(() => this.#nextSeq++);
    const lines = items.map((item, i) => `{"seq":${seqs[i]},"at":${item.at},"event":${item.json}}\n`);
    const text = lines.join('');
    const fd = this.#fd as FileHandle;
    try {
      await fd.write(text);
      await fd.datasync();
    } catch (error) {
      this.#nextSeq -= items.length;
      throw new MtaKitError('E_EVENTS', `event journal ${this.#dir}: ${(error as Error).message}`, { cause: error });
    }
    const segment = this.#segments.at(-1) as number;
    let end = this.#fdBytes;
    items.forEach((item, i) => {
      end += Buffer.byteLength(lines[i] as string);
      if (this.#tail.length < TAIL_MAX) this.#tail.push({ entry: { seq: seqs[i] as number, at: item.at, event: item.event }, segment, end });
    });
    this.#fdBytes = end;
    for (const wake of this.#waiters.splice(0)) wake();
    return seqs;
  }

  async #rotate(): Promise<void> {
    await this.#fd?.close();
    const first = this.#nextSeq;
    if (this.#segments.at(-1) !== first) this.#segments.push(first);
    this.#fd = await open(join(this.#dir, segmentName(first)), 'a');
    this.#fdBytes = (await this.#fd.stat()).size;
  }

  /** The next entries from memory when the tail continues exactly where the reader is; else undefined. */
  #fromTail(max: number): JournalEntry[] | undefined {
    while (this.#tail.length > 0 && (this.#tail[0] as { entry: JournalEntry }).entry.seq <= this.#read.lastSeq) this.#tail.shift();
    if (this.#tail[0]?.entry.seq !== this.#read.lastSeq + 1) return undefined;
    const taken = this.#tail.splice(0, max);
    const last = taken.at(-1) as { entry: JournalEntry; segment: number; end: number };
    // Segments are named by their first sequence number, which ack()'s deletions do not shift.
    this.#read = { segment: this.#segments.indexOf(last.segment), offset: last.end, lastSeq: last.entry.seq };
    return taken.map((t) => t.entry);
  }

  async #readAhead(max: number): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    while (out.length < max && this.#read.segment < this.#segments.length) {
      const name = segmentName(this.#segments[this.#read.segment] as number);
      const fd = await open(join(this.#dir, name), 'r');
      try {
        const buf = this.#readBuffer;
        const { bytesRead } = await fd.read(buf, 0, buf.length, this.#read.offset);
        const chunk = buf.subarray(0, bytesRead).toString('utf8');
        let start = 0;
        for (let nl = chunk.indexOf('\n'); nl >= 0 && out.length < max; nl = chunk.indexOf('\n', start)) {
          const line = chunk.slice(start, nl);
          const entry = JSON.parse(line) as JournalEntry;
          // The line is `{"seq":…,"at":…,"event":<event JSON>}`: keep that text for the sinks.
          rememberJson(entry.event, line.slice(line.indexOf('"event":') + 8, -1));
          this.#read.offset += Buffer.byteLength(chunk.slice(start, nl + 1));
          start = nl + 1;
          if (entry.seq > this.#read.lastSeq) {
            out.push(entry);
            this.#read.lastSeq = entry.seq;
          }
        }
        const more = out.length < max && start === chunk.length;
        if (!more) break;
        if (this.#read.segment < this.#segments.length - 1 && bytesRead < buf.length) {
          this.#read = { segment: this.#read.segment + 1, offset: 0, lastSeq: this.#read.lastSeq };
        } else if (bytesRead < buf.length) break;
      } finally {
        await fd.close();
      }
    }
    return out;
  }
}

function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines.filter((l) => {
    try { JSON.parse(l); return true; } catch { return false; }
  });
}
