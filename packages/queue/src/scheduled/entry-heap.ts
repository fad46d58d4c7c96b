import { formatId, parseId } from '../spool/id-table.js';
import type { ScheduledEntry } from './scheduled-queue.js';

const MIN_CAPACITY = 16;

/**
 * A scheduled queue's messages as a binary min-heap by due time, in typed arrays: 24 bytes a
 * message (due time and the id's 16 bytes) instead of an object and a 32-character string
 * (~120 bytes) — a suspended destination can hold a million. Entries are made as objects only
 * when they leave (`pop`) or are looked at (`peek`, `values`). Transaction ids (rare) sit beside
 * it in a map.
 */
export class EntryHeap {
  #due = new Float64Array(MIN_CAPACITY);
  #ids = new Uint32Array(MIN_CAPACITY * 4);
  #size = 0;
  readonly #batches = new Map<string, string>();

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
    if (entry.batch !== undefined) this.#batches.set(entry.id, entry.batch);
    this.#up(i);
  }

  pop(): ScheduledEntry | undefined {
    if (this.#size === 0) return undefined;
    const top = this.#entry(0);
    this.#batches.delete(top.id);
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
        this.#batches.delete(entry.id);
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
    const batch = this.#batches.size > 0 ? this.#batches.get(id) : undefined;
    return batch === undefined ? { id, due: this.#due[i] as number } : { id, due: this.#due[i] as number, batch };
  }

  #move(from: number, to: number): void {
    if (from === to) return;
    this.#due[to] = this.#due[from] as number;
    this.#ids.copyWithin(to * 4, from * 4, from * 4 + 4);
  }

  #swap(a: number, b: number): void {
    const due = this.#due[a] as number;
    this.#due[a] = this.#due[b] as number;
    this.#due[b] = due;
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
    this.#due = due;
    this.#ids = ids;
  }
}
