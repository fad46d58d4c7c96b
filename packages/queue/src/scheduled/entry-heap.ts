import type { IdHandles } from '../spool/id-table.js';
import type { ScheduledEntry } from './scheduled-queue.js';

const MIN_CAPACITY = 16;
/** Entries per page: past the first page a heap grows a page at a time, without copying. */
const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;

/** Storage for up to `capacity` entries: due time, the id's handle, the transaction's number. */
class Page {
  readonly due: Float64Array;
  readonly ids: Uint32Array;
  /** Per entry: 1 + the transaction's number in the heap's BatchTable, or 0. */
  readonly batchOf: Uint32Array;

  constructor(capacity: number, from?: Page, count = 0) {
    this.due = new Float64Array(capacity);
    this.ids = new Uint32Array(capacity);
    this.batchOf = new Uint32Array(capacity);
    if (!from) return;
    this.due.set(from.due.subarray(0, count));
    this.ids.set(from.ids.subarray(0, count));
    this.batchOf.set(from.batchOf.subarray(0, count));
  }
}

/**
 * A scheduled queue's messages as a binary min-heap by due time, in typed arrays: 16 bytes a
 * message (due time, a 4-byte handle of its id, its transaction's number) instead of objects and
 * 32-character strings (~200 bytes) — a suspended destination can hold a million. The handles
 * come from `ids` (with a DiskSpool, its index's entry numbers, pinned while held here, so an id
 * costs nothing more than the spool's own entry and a number is never another message's). The arrays
 * are pages of 4,096 entries (a small queue's one page doubles up to that size), so a growing
 * heap never copies what it holds nor keeps more than a page unused. Entries are made as objects
 * only when they leave (`pop`) or are looked at (`peek`, `values`). The copies of one transaction
 * (BATCH_META) share one entry in a small table of transaction ids.
 */
export class EntryHeap {
  readonly #ids: IdHandles;
  readonly #pages: Page[] = [new Page(MIN_CAPACITY)];
  #size = 0;
  readonly #batches = new BatchTable();

  constructor(ids: IdHandles) {
    this.#ids = ids;
  }

  get size(): number {
    return this.#size;
  }

  /** The earliest due time, or undefined when empty. */
  peekDue(): number | undefined {
    return this.#size > 0 ? this.#due(0) : undefined;
  }

  peek(): ScheduledEntry | undefined {
    return this.#size > 0 ? this.#entry(0) : undefined;
  }

  push(entry: ScheduledEntry): void {
    const handle = this.#ids.pin(entry.id);
    if (this.#size === this.#capacity()) this.#grow();
    const i = this.#size;
    const page = this.#page(i);
    const at = i & PAGE_MASK;
    page.ids[at] = handle;
    this.#size++;
    page.due[at] = entry.due;
    page.batchOf[at] = entry.batch === undefined ? 0 : this.#batches.take(entry.batch) + 1;
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
    this.#shrink();
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
    this.#shrink();
    return removed;
  }

  /** Every entry, in no particular order. */
  values(): ScheduledEntry[] {
    return Array.from({ length: this.#size }, (_, i) => this.#entry(i));
  }

  #page(i: number): Page {
    return this.#pages[i >>> PAGE_BITS] as Page;
  }

  #due(i: number): number {
    return this.#page(i).due[i & PAGE_MASK] as number;
  }

  #entry(i: number): ScheduledEntry {
    const page = this.#page(i);
    const at = i & PAGE_MASK;
    const id = this.#ids.idOf(page.ids[at] as number);
    const batch = page.batchOf[at] as number;
    const due = page.due[at] as number;
    return batch === 0 ? { id, due } : { id, due, batch: this.#batches.name(batch - 1) };
  }

  /** Entry `i` leaves (after it was read): its id's handle and transaction are let go. */
  #release(i: number): void {
    const page = this.#page(i);
    const at = i & PAGE_MASK;
    this.#ids.unpin(page.ids[at] as number);
    const batch = page.batchOf[at] as number;
    if (batch !== 0) this.#batches.release(batch - 1);
  }

  #move(from: number, to: number): void {
    if (from === to) return;
    const a = this.#page(from), b = this.#page(to);
    const x = from & PAGE_MASK, y = to & PAGE_MASK;
    b.due[y] = a.due[x] as number;
    b.batchOf[y] = a.batchOf[x] as number;
    b.ids[y] = a.ids[x] as number;
  }

  #swap(i: number, j: number): void {
    const a = this.#page(i), b = this.#page(j);
    const x = i & PAGE_MASK, y = j & PAGE_MASK;
    const due = a.due[x] as number;
    a.due[x] = b.due[y] as number;
    b.due[y] = due;
    const batch = a.batchOf[x] as number;
    a.batchOf[x] = b.batchOf[y] as number;
    b.batchOf[y] = batch;
    const id = a.ids[x] as number;
    a.ids[x] = b.ids[y] as number;
    b.ids[y] = id;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#due(parent) <= this.#due(i)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.#size) return;
      const right = left + 1;
      const child = right < this.#size && this.#due(right) < this.#due(left) ? right : left;
      if (this.#due(child) >= this.#due(i)) return;
      this.#swap(i, child);
      i = child;
    }
  }

  #capacity(): number {
    return this.#pages.length === 1 ? (this.#pages[0] as Page).due.length : this.#pages.length * PAGE;
  }

  #grow(): void {
    const first = this.#pages[0] as Page;
    if (this.#pages.length === 1 && first.due.length < PAGE) this.#pages[0] = new Page(first.due.length * 2, first, this.#size);
    else this.#pages.push(new Page(PAGE));
  }

  /** Drops a page once half a page more than it is free (so a size going up and down does not thrash), or halves a lone small one. */
  #shrink(): void {
    while (this.#pages.length > 1 && this.#size <= (this.#pages.length - 1) * PAGE - PAGE / 2) this.#pages.pop();
    const first = this.#pages[0] as Page;
    if (this.#pages.length === 1 && this.#size < first.due.length / 4 && first.due.length > MIN_CAPACITY) this.#pages[0] = new Page(first.due.length / 2, first, this.#size);
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
