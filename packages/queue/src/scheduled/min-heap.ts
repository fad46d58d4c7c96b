/** A binary min-heap ordered by a numeric key. */
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #key: (item: T) => number;

  constructor(key: (item: T) => number) {
    this.#key = key;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    const k = this.#key(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#key(items[parent] as T) <= k) break;
      items[i] = items[parent] as T;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    const k = this.#key(last);
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.#key(items[right] as T) < this.#key(items[left] as T) ? right : left;
      if (this.#key(items[child] as T) >= k) break;
      items[i] = items[child] as T;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** Removes and returns every item for which `match` holds (O(n)). */
  removeWhere(match: (item: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    for (const item of this.#items) (match(item) ? removed : kept).push(item);
    if (removed.length === 0) return removed;
    this.#items.length = 0;
    for (const item of kept) this.push(item);
    return removed;
  }

  /** Items in no particular order. */
  values(): readonly T[] {
    return this.#items;
  }
}
