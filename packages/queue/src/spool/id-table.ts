/** Entries per page (16,384: at most ~0.7 MB unused): storage grows a page at a time, so growing never copies what is there. */
const PAGE_BITS = 14;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;
/** The slot array is doubled before it is more than half full (linear probing stays short). */
const MAX_LOAD = 0.5;

/**
 * A hash table from message id (32 hex digits, kept as 16 bytes) to a fixed number of u32 fields,
 * in typed arrays: open addressing with linear probing over an Int32Array of entry numbers, and
 * the entries' keys and fields in pages. A million ids with 7 fields cost about 50 MB, where a
 * Map of 32-character strings to objects costs about 180 MB and a long pause in every full GC.
 *
 * Entry numbers stay valid until the entry is removed; a removed entry's number is reused, but
 * not while it is pinned (`pin`): a pinned entry keeps its id (`idOf`) until its last `unpin`, so
 * a scheduled queue can hold a message by its 4-byte entry number instead of its 16-byte id and
 * never see that number become another message's.
 */
export class IdTable implements IdHandles {
  readonly #fields: number;
  #slots: Int32Array;
  #mask: number;
  readonly #keys: Uint32Array[] = [];
  readonly #values: Uint32Array[] = [];
  /** One bit per entry: in use. */
  readonly #used: Uint8Array[] = [];
  /** Per entry: how many holders pinned it (PINNED_FOREVER: too many to count, never freed). */
  readonly #pins: Uint8Array[] = [];
  #high = 0;
  readonly #free: number[] = [];
  #size = 0;
  /** The id being looked up, as four 32-bit words. */
  readonly #key = new Uint32Array(4);

  constructor(fields: number, initialSlots = 1024) {
    this.#fields = fields;
    this.#slots = new Int32Array(initialSlots);
    this.#mask = initialSlots - 1;
    if ((initialSlots & this.#mask) !== 0) throw new RangeError('initialSlots must be a power of two');
  }

  get size(): number {
    return this.#size;
  }

  /** The entry of `id`, or -1. */
  find(id: string): number {
    return parseId(id, this.#key) ? this.#find() : -1;
  }

  /** The entry of the id written as 32 ASCII hex digits at `at` in `bytes` (a record header), or -1. */
  findAscii(bytes: Uint8Array, at: number): number {
    return parseAscii(bytes, at, this.#key) ? this.#find() : -1;
  }

  /** The entry of `id`, added (fields zero) if absent. Throws for a string that is not an id. */
  add(id: string): number {
    if (!parseId(id, this.#key)) throw new RangeError(`not a message id: ${JSON.stringify(id)}`);
    return this.#add();
  }

  addAscii(bytes: Uint8Array, at: number): number {
    if (!parseAscii(bytes, at, this.#key)) throw new RangeError('not a message id');
    return this.#add();
  }

  /** The entry of the id kept as its 16 bytes at `at` in `bytes` (an index snapshot), or -1. */
  findKey(bytes: Buffer, at: number): number {
    this.#readKey(bytes, at);
    return this.#find();
  }

  /** The entry of the binary id at `at` in `bytes`, added (fields zero) if absent. */
  addKey(bytes: Buffer, at: number): number {
    this.#readKey(bytes, at);
    return this.#add();
  }

  /** Writes the entry's id as its 16 bytes at `at` in `out` (`out.toString('hex', at, at + 16)` is the id). */
  writeKey(entry: number, out: Buffer, at: number): void {
    const keys = this.#keys[entry >>> PAGE_BITS] as Uint32Array;
    const from = (entry & PAGE_MASK) * 4;
    for (let w = 0; w < 4; w++) out.writeUInt32BE(keys[from + w] as number, at + w * 4);
  }

  get(entry: number, field: number): number {
    return (this.#values[entry >>> PAGE_BITS] as Uint32Array)[(entry & PAGE_MASK) * this.#fields + field] as number;
  }

  set(entry: number, field: number, value: number): void {
    (this.#values[entry >>> PAGE_BITS] as Uint32Array)[(entry & PAGE_MASK) * this.#fields + field] = value;
  }

  /** The id of an entry, as 32 lowercase hex digits. */
  idOf(entry: number): string {
    return formatId(this.#keys[entry >>> PAGE_BITS] as Uint32Array, (entry & PAGE_MASK) * 4);
  }

  remove(entry: number): void {
    if (!this.#isUsed(entry)) return;
    const keys = this.#keys[entry >>> PAGE_BITS] as Uint32Array;
    const at = (entry & PAGE_MASK) * 4;
    let i = this.#home(keys[at] as number, keys[at + 1] as number, keys[at + 2] as number, keys[at + 3] as number);
    while (this.#slots[i] !== entry + 1) i = (i + 1) & this.#mask;
    this.#unslot(i);
    this.#mark(entry, false);
    // A pinned entry keeps its number and key: its last unpin frees it.
    if (this.#pinsOf(entry) === 0) this.#free.push(entry);
    this.#size--;
  }

  /**
   * The entry of `id`, pinned: its number is not reused, and `idOf` gives `id`, until as many
   * `unpin`s. An id that is not in the table (removed, or never added) gets an entry of its own
   * that lookups do not find. Throws for a string that is not an id.
   */
  pin(id: string): number {
    if (!parseId(id, this.#key)) throw new RangeError(`not a message id: ${JSON.stringify(id)}`);
    let entry = this.#find();
    if (entry < 0) {
      entry = this.#free.pop() ?? this.#newEntry();
      (this.#keys[entry >>> PAGE_BITS] as Uint32Array).set(this.#key, (entry & PAGE_MASK) * 4);
    }
    const pins = this.#pins[entry >>> PAGE_BITS] as Uint8Array;
    const at = entry & PAGE_MASK;
    if (pins[at] !== PINNED_FOREVER) pins[at] = (pins[at] as number) + 1;
    return entry;
  }

  /** Drops a pin of `entry`; the entry's number is free again once it is unpinned and removed. */
  unpin(entry: number): void {
    const pins = this.#pins[entry >>> PAGE_BITS] as Uint8Array;
    const at = entry & PAGE_MASK;
    const n = pins[at] as number;
    if (n === 0) throw new RangeError(`entry ${entry} is not pinned`);
    if (n === PINNED_FOREVER) return;
    pins[at] = n - 1;
    if (n === 1 && !this.#isUsed(entry)) this.#free.push(entry);
  }

  /** Every entry, in no particular order. Removing entries meanwhile is safe; entries added meanwhile may be skipped. */
  *entries(): Generator<number> {
    for (let entry = 0; entry < this.#high; entry++) {
      if (this.#isUsed(entry)) yield entry;
    }
  }

  #pinsOf(entry: number): number {
    return (this.#pins[entry >>> PAGE_BITS] as Uint8Array)[entry & PAGE_MASK] as number;
  }

  #isUsed(entry: number): boolean {
    const page = this.#used[entry >>> PAGE_BITS];
    return page !== undefined && ((page[(entry & PAGE_MASK) >>> 3] as number) & (1 << (entry & 7))) !== 0;
  }

  #mark(entry: number, used: boolean): void {
    const page = this.#used[entry >>> PAGE_BITS] as Uint8Array;
    const i = (entry & PAGE_MASK) >>> 3;
    page[i] = used ? (page[i] as number) | (1 << (entry & 7)) : (page[i] as number) & ~(1 << (entry & 7));
  }

  #readKey(bytes: Buffer, at: number): void {
    for (let w = 0; w < 4; w++) this.#key[w] = bytes.readUInt32BE(at + w * 4);
  }

  #find(): number {
    const key = this.#key;
    const k0 = key[0] as number, k1 = key[1] as number, k2 = key[2] as number, k3 = key[3] as number;
    for (let i = this.#home(k0, k1, k2, k3); ; i = (i + 1) & this.#mask) {
      const slot = this.#slots[i] as number;
      if (slot === 0) return -1;
      const entry = slot - 1;
      const keys = this.#keys[entry >>> PAGE_BITS] as Uint32Array;
      const at = (entry & PAGE_MASK) * 4;
      if (keys[at] === k0 && keys[at + 1] === k1 && keys[at + 2] === k2 && keys[at + 3] === k3) return entry;
    }
  }

  #add(): number {
    const existing = this.#find();
    if (existing >= 0) return existing;
    if (this.#size + 1 > this.#slots.length * MAX_LOAD) this.#grow();
    const entry = this.#free.pop() ?? this.#newEntry();
    const page = entry >>> PAGE_BITS;
    const at = (entry & PAGE_MASK) * 4;
    (this.#keys[page] as Uint32Array).set(this.#key, at);
    (this.#values[page] as Uint32Array).fill(0, (entry & PAGE_MASK) * this.#fields, ((entry & PAGE_MASK) + 1) * this.#fields);
    this.#mark(entry, true);
    this.#slot(entry);
    this.#size++;
    return entry;
  }

  #newEntry(): number {
    const entry = this.#high++;
    if ((entry & PAGE_MASK) === 0) {
      this.#keys.push(new Uint32Array(PAGE * 4));
      this.#values.push(new Uint32Array(PAGE * this.#fields));
      this.#used.push(new Uint8Array(PAGE / 8));
      this.#pins.push(new Uint8Array(PAGE));
    }
    return entry;
  }

  /** Ids are a timestamp, a sequence number and random bits: mixing the last two spreads them. */
  #home(k0: number, k1: number, k2: number, k3: number): number {
    return (Math.imul(k3 ^ Math.imul(k1, 0x9e3779b1), 0x85ebca6b) ^ k2 ^ k0) & this.#mask;
  }

  #slot(entry: number): void {
    const keys = this.#keys[entry >>> PAGE_BITS] as Uint32Array;
    const at = (entry & PAGE_MASK) * 4;
    let i = this.#home(keys[at] as number, keys[at + 1] as number, keys[at + 2] as number, keys[at + 3] as number);
    while (this.#slots[i] !== 0) i = (i + 1) & this.#mask;
    this.#slots[i] = entry + 1;
  }

  /** Empties slot `hole` and moves later entries of its probe run back (no tombstones needed). */
  #unslot(hole: number): void {
    const mask = this.#mask;
    this.#slots[hole] = 0;
    for (let j = (hole + 1) & mask; this.#slots[j] !== 0; j = (j + 1) & mask) {
      const entry = (this.#slots[j] as number) - 1;
      const keys = this.#keys[entry >>> PAGE_BITS] as Uint32Array;
      const at = (entry & PAGE_MASK) * 4;
      const home = this.#home(keys[at] as number, keys[at + 1] as number, keys[at + 2] as number, keys[at + 3] as number);
      // The entry at j may move to the hole if its home is not in the (cyclic) range (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      this.#slots[hole] = this.#slots[j] as number;
      this.#slots[j] = 0;
      hole = j;
    }
  }

  /** Makes room for `count` entries in all at once (loading a snapshot): no doubling on the way. */
  reserve(count: number): void {
    let slots = this.#slots.length;
    while (count > slots * MAX_LOAD) slots *= 2;
    if (slots > this.#slots.length) this.#grow(slots);
  }

  #grow(slots = this.#slots.length * 2): void {
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
    for (const entry of this.entries()) this.#slot(entry);
  }
}

/**
 * Message ids as u32 handles (4 bytes where the id takes 16): `pin` gives a handle that stands
 * for the id until it is `unpin`ned, however the message fares meanwhile (an IdTable's entry).
 */
export interface IdHandles {
  pin(id: string): number;
  idOf(handle: number): string;
  unpin(handle: number): void;
}

/** A pin count that stopped counting: such an entry is never freed (one entry leaked, never reused wrongly). */
const PINNED_FOREVER = 255;

/** Writes the 32 hex digits of `id` into `out` at `to` as four words; false if it is not an id. */
export function parseId(id: string, out: Uint32Array, to = 0): boolean {
  if (id.length !== 32) return false;
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let i = w * 8; i < w * 8 + 8; i++) {
      const digit = hexValue(id.charCodeAt(i));
      if (digit < 0) return false;
      word = (word << 4) | digit;
    }
    out[to + w] = word;
  }
  return true;
}

/** The id kept as four words at `at` of `words`, as 32 lowercase hex digits. */
export function formatId(words: Uint32Array, at: number): string {
  for (let w = 0; w < 4; w++) ID_BYTES.writeUInt32BE(words[at + w] as number, w * 4);
  // One flat string (concatenating pieces makes a rope that every later regex or hash flattens).
  return ID_BYTES.toString('hex');
}

const ID_BYTES = Buffer.alloc(16);

function parseAscii(bytes: Uint8Array, at: number, out: Uint32Array): boolean {
  if (at + 32 > bytes.length) return false;
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let i = at + w * 8; i < at + w * 8 + 8; i++) {
      const digit = hexValue(bytes[i] as number);
      if (digit < 0) return false;
      word = (word << 4) | digit;
    }
    out[w] = word;
  }
  return true;
}

/** Lowercase hex only, as message ids are written. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}
