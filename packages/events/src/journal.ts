import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MtaKitError } from '@mtakit/core';
import { bytesEventOf, eventJson, laneOf, type MtaEvent } from './event.js';
import { CursorFile } from './cursors.js';
import { JournalReader, type ReaderSpec, type TailItem } from './journal-reader.js';
import { HEAD, tailOf } from './journal-lines.js';
import { SegmentWriter, type JournalSync } from './segment-writer.js';

export type { JournalSync } from './segment-writer.js';

export interface JournalEntry {
  seq: number;
  /** When the event was appended (ms since epoch): the start of its retry window. */
  at: number;
  /** The endpoints that take this event (decided once, when it was appended). */
  to: readonly string[];
  event: MtaEvent;
}

export interface JournalOptions {
  segmentBytes?: number;
  now?: () => number;
  /** How often acknowledged positions are written to disk (ms, default 1000): a crash repeats at most that much. */
  cursorFlushMs?: number;
  /** See `JournalSync` (default `write`). */
  sync?: JournalSync;
  /** With `write`: the least time between two background fdatasyncs (ms, default 50). */
  syncIntervalMs?: number;
  /** Where a failed fdatasync is reported. */
  warn?: (message: string) => void;
  /** Default `both`; see `JournalRole`. */
  role?: JournalRole;
  /** With role `writer`: handed what each write put on disk, for a follower in another thread. */
  onWritten?: (chunk: JournalChunk) => void;
}

/**
 * `both`: one journal appends and feeds its readers. With the events worker the two halves are
 * in different threads: the `writer` (the MTA's thread) only appends and hands each write's bytes
 * on (`onWritten`); the `follower` (the worker) never writes a segment: it takes those bytes
 * (`follow`), feeds its readers, saves the cursors and deletes what every cursor has passed.
 */
export type JournalRole = 'both' | 'writer' | 'follower';

/** What one write appended: whole lines, from byte `base` of segment `segment`, up to sequence number `lastSeq`. */
export interface JournalChunk {
  segment: number;
  base: number;
  bytes: Buffer;
  lastSeq: number;
}

/** How far the journal is written, and its segments: a follower starts from this and then follows the writer's chunks. */
export interface JournalPosition {
  segments: readonly number[];
  written: { segment: number; end: number; lastSeq: number };
}


interface Turn {
  appends: { events: readonly MtaEvent[]; to: readonly string[] }[];
  written: Promise<void>;
}

const SEGMENT = /^(\d{16})\.jsonl$/;
export const segmentName = (firstSeq: number): string => `${String(firstSeq).padStart(16, '0')}.jsonl`;

/**
 * One durable, ordered queue of events on disk shared by every endpoint: append-only JSONL
 * segments, each line saying which endpoints take it, plus one cursor per endpoint. An event is
 * written once however many endpoints take it, and `append` returns only once it is written (see
 * `JournalSync`), so it survives a SIGKILL. Readers (one per endpoint lane) follow the journal from memory while they keep up and
 * from the files when they fall behind; segments wholly behind every cursor are deleted.
 */
export class Journal {
  readonly dir: string;
  readonly #segmentBytes: number;
  readonly #now: () => number;
  readonly #cursors: CursorFile;
  readonly #flushMs: number;
  readonly #file: SegmentWriter;
  /** First sequence number of each segment file, oldest first. */
  segments: number[] = [];
  /** How far the journal is written: the last segment, its length and last sequence number. */
  written = { segment: 0, end: 0, lastSeq: 0 };
  #nextSeq = 1;
  readonly #readers = new Map<string, JournalReader>();
  /** Each endpoint's readers by lane: where an appended entry goes (see #route). */
  readonly #lanes = new Map<string, JournalReader[]>();
  /** Events not yet acknowledged per endpoint, counted at open and kept up to date by readers. */
  readonly #backlog = new Map<string, number>();
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  /** The appends of this event-loop turn, written together at its end. */
  #turn: Turn | undefined;
  #lastTo: readonly string[] | undefined;
  #lastToJson = '';
  readonly #role: JournalRole;
  readonly #onWritten: ((chunk: JournalChunk) => void) | undefined;

  constructor(dir: string, options: JournalOptions = {}) {
    this.dir = dir;
    this.#segmentBytes = options.segmentBytes ?? 16 * 1024 * 1024;
    this.#now = options.now ?? Date.now;
    this.#cursors = new CursorFile(join(dir, 'cursors.json'));
    this.#flushMs = options.cursorFlushMs ?? 1000;
    this.#role = options.role ?? 'both';
    this.#file = new SegmentWriter({
      sync: options.sync ?? 'write', syncIntervalMs: options.syncIntervalMs ?? 50, warn: options.warn ?? (() => undefined), backgroundSync: this.#role !== 'writer',
    });
    this.#onWritten = options.onWritten;
  }

  /**
   * Opens the files and creates one reader per spec; each starts after its endpoint's cursor. A
   * follower reads the segments only as far as `upTo` (where the writer stood when it handed
   * over: what it wrote since comes through `follow`).
   */
  async open(specs: readonly ReaderSpec[], upTo?: JournalPosition): Promise<void> {
    await this.#cursors.load();
    this.segments = (await readdir(this.dir).catch(() => [] as string[])).flatMap((n) => {
      const m = SEGMENT.exec(n);
      return m && (!upTo || Number(m[1]) <= upTo.written.segment) ? [Number(m[1])] : [];
    }).sort((a, b) => a - b);
    const cursorOf = (key: string) => this.#cursors.get(key);
    for (const spec of specs) this.#backlog.set(spec.endpoint, 0);
    await this.#scan(new Set(specs.map((s) => s.endpoint)), cursorOf, upTo);
    if (this.#role === 'writer') return; // no readers, and the cursors are the follower's
    for (const spec of specs) {
      const acked = cursorOf(spec.endpoint);
      const start = [...this.segments].reverse().find((s) => s <= acked + 1) ?? this.segments[0] ?? this.#nextSeq;
      const reader = new JournalReader(this, spec, acked, { segment: start, offset: 0 });
      this.#readers.set(spec.name, reader);
      const lanes = this.#lanes.get(spec.endpoint) ?? [];
      lanes[reader.lane] = reader;
      this.#lanes.set(spec.endpoint, lanes);
    }
    this.#flushTimer = setInterval(() => void this.#flush().catch(() => undefined), this.#flushMs);
    this.#flushTimer.unref();
  }

  reader(name: string): JournalReader {
    const reader = this.#readers.get(name);
    if (!reader) throw new MtaKitError('E_EVENTS', `no journal reader ${name}`);
    return reader;
  }

  /** Events queued for `endpoint` and not yet acknowledged. */
  backlog(endpoint: string): number {
    return this.#backlog.get(endpoint) ?? 0;
  }

  /** Called by a reader when it acknowledges `count` of its endpoint's events. */
  acknowledged(endpoint: string, count: number): void {
    this.#backlog.set(endpoint, Math.max(0, this.backlog(endpoint) - count));
  }

  /**
   * Appends events for the endpoints in `to`. Every append of one event-loop turn goes out in one
   * `write(2)` at the turn's end (setImmediate: in the same turn as the JSONL log's own batch, and
   * before it reaches the file); the promise resolves once they are written (with `sync: fsync`,
   * once they are synced too) and rejects with `E_EVENTS` when the write fails. Sequence numbers
   * follow the order of the calls.
   */
  append(events: readonly MtaEvent[], to: readonly string[]): Promise<void> | undefined {
    if (events.length === 0) return undefined;
    if (!this.#turn) {
      const turn: Turn = { appends: [], written: undefined as unknown as Promise<void> };
      turn.written = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.#turn = undefined;
        return this.#write(turn.appends);
      });
      this.#turn = turn;
    }
    this.#turn.appends.push({ events, to });
    return this.#turn.written;
  }

  /**
   * Writes one turn's appends as one piece of text, then hands the entries to the readers. The
   * text is encoded once; each waiting event then holds its span of those bytes (see TextEvent).
   * A line's head is ASCII (endpoint names are), so its length in bytes is its length in
   * characters; its end is its newline (JSON escapes its own).
   */
  #write(appends: readonly { events: readonly MtaEvent[]; to: readonly string[] }[]): Promise<void> | undefined {
    if (!this.#file.isOpen || this.#file.size >= this.#segmentBytes) this.#rotate();
    const at = this.#now();
    const first = this.#nextSeq;
    let seq = first;
    let text = '';
    const heads: number[] = [];
    for (const { events, to } of appends) {
      const head = `,"at":${at},"to":${this.#toJson(to)},"event":`;
      for (const event of events) {
        const lineHead = `{"seq":${seq}${head}`;
        heads.push(lineHead.length);
        text += `${lineHead}${eventJson(event)}}\n`;
        seq += 1;
      }
    }
    const bytes = Buffer.from(text);
    let synced: Promise<void> | undefined;
    try {
      synced = this.#file.write(bytes);
    } catch (error) {
      throw new MtaKitError('E_EVENTS', `event journal ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
    const { segment, end: base } = this.written;
    if (this.#role === 'writer') {
      this.#nextSeq = seq;
      this.written = { segment, end: base + bytes.length, lastSeq: seq - 1 };
      this.#onWritten?.({ segment, base, bytes, lastSeq: seq - 1 });
      return synced;
    }
    let start = 0;
    let i = 0;
    const tail: TailItem[] = [];
    for (const { events, to } of appends) {
      for (const event of events) {
        const end = bytes.indexOf(10, start) + 1;
        // The line is `${head}${json}}\n`.
        const stored = bytesEventOf(event, bytes, start + (heads[i] as number), end - 2);
        tail.push({ entry: { seq: first + i, at, to, event: stored }, segment, end: base + end });
        start = end;
        i += 1;
      }
      // Counted for every endpoint written to, configured or not (a replay names one of them).
      for (const endpoint of to) if (!this.#lanes.has(endpoint)) this.#backlog.set(endpoint, this.backlog(endpoint) + events.length);
    }
    this.#nextSeq = seq;
    this.written = { segment, end: base + bytes.length, lastSeq: seq - 1 };
    this.#route(tail);
    return synced;
  }

  /** A follower's counterpart of a write: the writer's chunk, handed to the readers (see JournalRole). */
  follow(chunk: JournalChunk): void {
    if (!this.segments.includes(chunk.segment)) this.segments.push(chunk.segment);
    // The writer's background fdatasync (sync `write`) runs here, off its thread.
    if (!this.#file.isOpen || this.written.segment !== chunk.segment) this.#file.openSegment(join(this.dir, segmentName(chunk.segment)));
    this.#file.noteWritten(chunk.bytes.length);
    this.written = { segment: chunk.segment, end: chunk.base + chunk.bytes.length, lastSeq: chunk.lastSeq };
    this.#route(tailOf(chunk));
  }

  /**
   * Hands each new entry to its reader of each endpoint it names (one lane per endpoint: the
   * message's lane is worked out once per event and endpoint, not by every reader), counts the
   * endpoints' backlogs, then wakes the readers.
   */
  #route(tail: readonly TailItem[]): void {
    const counts = new Map<readonly JournalReader[], number>();
    for (const item of tail) {
      const { to, event } = item.entry;
      for (const endpoint of to) {
        const lanes = this.#lanes.get(endpoint);
        if (!lanes) continue;
        (lanes.length === 1 ? lanes[0] : lanes[laneOf(event, lanes.length)])?.offer(item);
        counts.set(lanes, (counts.get(lanes) ?? 0) + 1);
      }
    }
    for (const [lanes, n] of counts) {
      const endpoint = (lanes[0] as JournalReader).endpoint;
      this.#backlog.set(endpoint, this.backlog(endpoint) + n);
    }
    for (const reader of this.#readers.values()) reader.wake();
  }

  /** Where the journal stands (for a follower starting now). */
  position(): JournalPosition {
    return { segments: [...this.segments], written: { ...this.written } };
  }

  /** The JSON of an endpoint list; the hub passes the same array for every unfiltered event. */
  #toJson(to: readonly string[]): string {
    if (to !== this.#lastTo) {
      this.#lastTo = to;
      this.#lastToJson = JSON.stringify(to);
    }
    return this.#lastToJson;
  }

  async close(): Promise<void> {
    await this.#turn?.written.catch(() => undefined);
    clearInterval(this.#flushTimer);
    await this.#flushing;
    if (this.#role !== 'writer') await this.#flush();
    await this.#file.close();
    for (const reader of this.#readers.values()) reader.wake();
  }

  #rotate(): void {
    const first = this.#nextSeq;
    if (this.segments.at(-1) !== first) this.segments.push(first);
    this.#file.openSegment(join(this.dir, segmentName(first)));
    this.written = { segment: first, end: this.#file.size, lastSeq: this.#nextSeq - 1 };
  }

  /**
   * Reads every segment's line heads once at open: finds the next sequence number, counts each
   * endpoint's backlog, and cuts a torn last line (a crash mid-write, never acknowledged) so later
   * appends start clean.
   */
  async #scan(endpoints: ReadonlySet<string>, cursorOf: (key: string) => number, upTo: JournalPosition | undefined): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // After any cursor, even one of an endpoint no longer configured: a number at or below a
    // cursor would be taken for acknowledged.
    this.#nextSeq = Math.max(1, this.#cursors.highest() + 1);
    for (const [i, segment] of this.segments.entries()) {
      const path = join(this.dir, segmentName(segment));
      // A follower reads the writer's last segment only as far as the writer had written.
      const text = upTo?.written.segment === segment ? (await readFile(path)).subarray(0, upTo.written.end).toString('utf8') : await readFile(path, 'utf8');
      const last = i === this.segments.length - 1;
      let whole = 0;
      for (let start = 0, nl = text.indexOf('\n'); nl >= 0; start = nl + 1, nl = text.indexOf('\n', start)) {
        const head = HEAD.exec(text.slice(start, Math.min(nl, start + 512)));
        // Only the last segment can end in a torn write; older ones were complete when closed.
        if (!head || (last && !isJson(text, start, nl))) break;
        whole = nl + 1;
        const seq = Number(head[1]);
        this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
        for (const endpoint of JSON.parse(head[3] as string) as string[]) {
          if (endpoints.has(endpoint) && seq > cursorOf(endpoint)) this.#backlog.set(endpoint, this.backlog(endpoint) + 1);
        }
      }
      if (last && !upTo) {
        if (whole !== Buffer.byteLength(text)) {
          const fd = await open(path, 'r+');
          await fd.truncate(Buffer.byteLength(text.slice(0, whole)));
          await fd.close();
        }
        this.written = { segment, end: Buffer.byteLength(text.slice(0, whole)), lastSeq: this.#nextSeq - 1 };
      }
    }
    if (upTo) this.written = { ...upTo.written };
    else if (this.segments.length === 0) this.written = { segment: this.#nextSeq, end: 0, lastSeq: this.#nextSeq - 1 };
  }

  /** Writes the cursors that moved (one file for every endpoint) and deletes segments behind all of them. */
  #flush(): Promise<void> {
    this.#flushing ??= this.#flushNow().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushNow(): Promise<void> {
    const readers = [...this.#readers.values()];
    for (const endpoint of new Set(readers.map((r) => r.endpoint))) {
      this.#cursors.set(endpoint, Math.min(...readers.filter((r) => r.endpoint === endpoint).map((r) => r.acked)));
    }
    if (!(await this.#cursors.save())) return;
    const behind = Math.min(...readers.map((r) => r.acked), this.written.lastSeq);
    while (this.segments.length > 1 && (this.segments[1] as number) <= behind + 1) {
      const gone = this.segments.shift() as number;
      await rm(join(this.dir, segmentName(gone)), { force: true });
    }
  }
}

/** Whether the line between `start` and `nl` parses (a torn write leaves a prefix that does not). */
function isJson(text: string, start: number, nl: number): boolean {
  try {
    JSON.parse(text.slice(start, nl));
    return true;
  } catch {
    return false;
  }
}
