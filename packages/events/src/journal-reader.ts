import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { laneOf } from './event.js';
import { parseLine } from './journal-lines.js';
import { segmentName, type Journal, type JournalEntry } from './journal.js';

/**
 * One reader of the shared journal: an endpoint's lane. Its entries are those whose `to` names
 * the endpoint and whose message falls in its lane (`laneOf`), so the journal routes each entry
 * to its one reader per endpoint instead of every reader testing every entry.
 */
export interface ReaderSpec {
  /** Unique per reader, e.g. `hook/0`. */
  name: string;
  /** The endpoint whose cursor this reader advances (an endpoint's lanes share one cursor). */
  endpoint: string;
  /** This reader's lane, of `lanes` (default 0 of 1). */
  lane?: number;
  lanes?: number;
}

/** An entry kept in memory, with where its line ends on disk. */
export interface TailItem {
  entry: JournalEntry;
  /** First sequence number of the segment holding the line. */
  segment: number;
  end: number;
}

/** Entries kept in memory for a caught-up reader; beyond that it goes back to reading the files. */
const TAIL_MAX = 10_000;

/**
 * Follows the journal for one lane. While caught up it takes its entries from memory as they are
 * appended (`tail`); after a restart, or once it falls more than TAIL_MAX entries behind, it reads
 * the segment files from its position until it catches up again. It never reads past what is
 * synced, so nothing is sent that a crash could still take back.
 */
export class JournalReader {
  readonly name: string;
  readonly endpoint: string;
  readonly lane: number;
  readonly lanes: number;
  readonly #journal: Journal;
  /** Everything up to here is delivered or given up on (or not this reader's). */
  acked: number;
  /** Every entry up to here has been looked at. */
  #scanned: number;
  /** Where the line after `#scanned` starts. */
  #pos: { segment: number; offset: number };
  /** While not null: every entry of this reader after `#scanned` that is on disk, in order. */
  #tail: TailItem[] | null = null;
  #waiter: (() => void) | undefined;
  #buffer = Buffer.allocUnsafe(1024 * 1024);

  constructor(journal: Journal, spec: ReaderSpec, acked: number, pos: { segment: number; offset: number }) {
    this.#journal = journal;
    this.name = spec.name;
    this.endpoint = spec.endpoint;
    this.lane = spec.lane ?? 0;
    this.lanes = spec.lanes ?? 1;
    this.acked = acked;
    this.#scanned = acked;
    this.#pos = pos;
  }

  /**
   * Up to `max` of this reader's entries after the last ones read, and the position to
   * acknowledge once they are delivered. Waits for appends unless `signal` is aborted. A waiting
   * call must come only when everything read before is acknowledged: the reader then counts the
   * entries it skipped as done, so an endpoint that takes few events does not hold segments back.
   */
  async next(max: number, signal: AbortSignal): Promise<{ entries: JournalEntry[]; upTo: number }> {
    for (;;) {
      const entries = this.#tail ? this.#fromTail(max) : await this.#fromDisk(max);
      if (entries.length > 0 || signal.aborted) return { entries, upTo: this.#scanned };
      this.acked = Math.max(this.acked, this.#scanned);
      if (this.#tail && this.#tail.length > 0) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.#waiter = undefined;
          resolve();
        };
        this.#waiter = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Marks everything up to `upTo` done; `count` of those were this reader's entries. */
  ack(upTo: number, count: number): void {
    if (upTo > this.acked) this.acked = upTo;
    this.#journal.acknowledged(this.endpoint, count);
  }

  /** Whether `entry` is this reader's (see ReaderSpec). */
  owns(entry: JournalEntry): boolean {
    return entry.to.includes(this.endpoint) && (this.lanes <= 1 || laneOf(entry.event, this.lanes) === this.lane);
  }

  /** Called by the journal, after a write, for each of its entries this reader owns; the journal then wakes the reader. */
  offer(item: TailItem): void {
    if (!this.#tail) return;
    this.#tail.push(item);
    if (this.#tail.length > TAIL_MAX) this.#tail = null;
  }

  wake(): void {
    this.#waiter?.();
  }

  #fromTail(max: number): JournalEntry[] {
    const tail = this.#tail as TailItem[];
    const taken = tail.splice(0, max);
    if (tail.length === 0) {
      const { segment, end, lastSeq } = this.#journal.written;
      this.#pos = { segment, offset: end };
      this.#scanned = lastSeq;
    } else {
      const last = taken.at(-1) as TailItem;
      this.#pos = { segment: last.segment, offset: last.end };
      this.#scanned = last.entry.seq;
    }
    return taken.map((t) => t.entry);
  }

  async #fromDisk(max: number): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    const journal = this.#journal;
    while (out.length < max) {
      const written = journal.written;
      const segments = journal.segments;
      if (this.#pos.segment < (segments[0] ?? written.segment)) this.#pos = { segment: segments[0] ?? written.segment, offset: 0 };
      const onLast = this.#pos.segment === written.segment;
      if (onLast && this.#pos.offset >= written.end) {
        // Caught up: from now on, appends come through memory.
        this.#scanned = Math.max(this.#scanned, written.lastSeq);
        this.#tail = [];
        break;
      }
      const chunk = await this.#read(onLast ? written.end : Number.POSITIVE_INFINITY);
      if (chunk === undefined) {
        // The end of a finished segment: go on with the next one.
        const next = segments.find((s) => s > this.#pos.segment) ?? written.segment;
        this.#pos = { segment: next, offset: 0 };
        continue;
      }
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl >= 0 && out.length < max; nl = chunk.indexOf('\n', start)) {
        const line = chunk.slice(start, nl + 1);
        start = nl + 1;
        this.#pos.offset += Buffer.byteLength(line);
        const entry = parseLine(line.slice(0, -1));
        if (entry.seq <= this.#scanned) continue;
        this.#scanned = entry.seq;
        if (this.owns(entry)) out.push(entry);
      }
      // A line longer than the buffer: read again with room for it.
      if (start === 0) this.#buffer = Buffer.allocUnsafe(this.#buffer.length * 2);
    }
    return out;
  }

  /** Text from the position up to `limit` (whole lines only as far as the buffer holds); undefined at the end of the file. */
  async #read(limit: number): Promise<string | undefined> {
    const fd = await open(join(this.#journal.dir, segmentName(this.#pos.segment)), 'r');
    try {
      const want = Math.min(this.#buffer.length, limit - this.#pos.offset);
      const { bytesRead } = await fd.read(this.#buffer, 0, want, this.#pos.offset);
      if (bytesRead === 0) return undefined;
      const text = this.#buffer.subarray(0, bytesRead).toString('utf8');
      return text.slice(0, text.lastIndexOf('\n') + 1);
    } finally {
      await fd.close();
    }
  }
}
