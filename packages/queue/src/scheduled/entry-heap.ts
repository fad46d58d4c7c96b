import { formatId, parseId } from '../spool/id-table.js';
import type { ScheduledEntry } from './scheduled-queue.js';

const MIN_CAPACITY = 16;

/**
 * A scheduled queue's messages as a binary min-heap by due time, in typed arrays: 28 bytes a
 * message (due time, the id's 16 bytes, its transaction's number) instead of objects and
 * 32-character strings (~200 bytes) — a suspended destination can hold a million. Entries are
 * made as objects only when they leave (`pop`) or are looked at (`peek`, `values`). The copies of
 * one transaction (BATCH_META) share one entry in a small table of transaction ids.
 */
export class EntryHeap {
  #due = new Float64Array(MIN_CAPACITY);
  #ids = new Uint32Array(MIN_CAPACITY * 4);
  /** Per entry: 1 + the transaction's number in `#batches`, or 0. */
  #batchOf = new Uint32Array(MIN_CAPACITY);
  #size = 0;
  readonly #batches = new BatchTable();

  get size(): number {
    return this.#size;
  }

  /** The earliest due time, or undefined when empty. */
  peekDue(): number | undefined {
    return this.#size > 0 ? this.#due[0] : undefined;
  }

  peek(): ScheduledEntry | undefined {
    return this.#size > 0 ? this.#entry(0) : undefined;
  }

  push(entry: ScheduledEntry): void {
    if (this.#size === this.#due.length) this.#resize(this.#due.length * 2);
    const i = this.#size;
    if (!parseId(entry.id, this.#ids, i * 4)) throw new RangeError(`not a message id: ${JSON.stringify(entry.id)}`);
    this.#size++;
    this.#due[i] = entry.due;
    this.#batchOf[i] = entry.batch === undefined ? 0 : this.#batches.take(entry.batch) + 1;
    this.#up(i);
  }

  pop(): ScheduledEntry | undefined {
    if (this.#size === 0) return undefined;
    const top = this.#entry(0);
    this.#release(0);
    const last = --this.#size;
    if (last > 0) {
      this.#move(last, 0);
      this.#down(0);
    }
    if (this.#size < this.#due.length / 4 && this.#due.length > MIN_CAPACITY) this.#resize(this.#due.length / 2);
    return top;
  }

  /** Removes and returns every entry for which `match` holds (O(n)). */
  removeWhere(match: (entry: ScheduledEntry) => boolean): ScheduledEntry[] {
    const removed: ScheduledEntry[] = [];
    let kept = 0;
    for (let i = 0; i < this.#size; i++) {
      const entry = this.#entry(i);
      if (match(entry)) {
        removed.push(entry);
        this.#release(i);
      } else {
        this.#move(i, kept++);
      }
    }
    if (removed.length === 0) return removed;
    this.#size = kept;
    // Bottom-up heapify of what is left.
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.#down(i);
    return removed;
  }

  /** Every entry, in no particular order. */
  values(): ScheduledEntry[] {
    return Array.from({ length: this.#size }, (_, i) => this.#entry(i));
  }

  #entry(i: number): ScheduledEntry {
    const id = formatId(this.#ids, i * 4);
    const batch = this.#batchOf[i] as number;
    return batch === 0 ? { id, due: this.#due[i] as number } : { id, due: this.#due[i] as number, batch: this.#batches.name(batch - 1) };
  }

  #release(i: number): void {
    const batch = this.#batchOf[i] as number;
    if (batch !== 0) this.#batches.release(batch - 1);
  }

  #move(from: number, to: number): void {
    if (from === to) return;
    this.#due[to] = this.#due[from] as number;
    this.#batchOf[to] = this.#batchOf[from] as number;
    this.#ids.copyWithin(to * 4, from * 4, from * 4 + 4);
  }

  #swap(a: number, b: number): void {
    const due = this.#due[a] as number;
    this.#due[a] = this.#due[b] as number;
    this.#due[b] = due;
    const batch = this.#batchOf[a] as number;
    this.#batchOf[a] = this.#batchOf[b] as number;
    this.#batchOf[b] = batch;
    const ids = this.#ids;
    for (let w = 0; w < 4; w++) {
      const x = ids[a * 4 + w] as number;
      ids[a * 4 + w] = ids[b * 4 + w] as number;
      ids[b * 4 + w] = x;
    }
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.#due[parent] as number) <= (this.#due[i] as number)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.#size) return;
      const right = left + 1;
      const child = right < this.#size && (this.#due[right] as number) < (this.#due[left] as number) ? right : left;
      if ((this.#due[child] as number) >= (this.#due[i] as number)) return;
      this.#swap(i, child);
      i = child;
    }
  }

  #resize(capacity: number): void {
    const due = new Float64Array(capacity);
    due.set(this.#due.subarray(0, this.#size));
    const ids = new Uint32Array(capacity * 4);
    ids.set(this.#ids.subarray(0, this.#size * 4));
    const batchOf = new Uint32Array(capacity);
    batchOf.set(this.#batchOf.subarray(0, this.#size));
    this.#due = due;
    this.#ids = ids;
    this.#batchOf = batchOf;
  }
}

/** Transaction ids by number, counted by the entries using them; a number is reused once free. */
class BatchTable {
  readonly #names: string[] = [];
  readonly #uses: number[] = [];
  readonly #numbers = new Map<string, number>();
  readonly #free: number[] = [];

  take(name: string): number {
    let n = this.#numbers.get(name);
    if (n === undefined) {
      n = this.#free.pop() ?? this.#names.length;
      this.#names[n] = name;
      this.#uses[n] = 0;
      this.#numbers.set(name, n);
    }
    this.#uses[n] = (this.#uses[n] as number) + 1;
    return n;
  }

  name(n: number): string {
    return this.#names[n] as string;
  }

  release(n: number): void {
    const uses = (this.#uses[n] as number) - 1;
    this.#uses[n] = uses;
    if (uses > 0) return;
    this.#numbers.delete(this.#names[n] as string);
    this.#free.push(n);
  }
}
