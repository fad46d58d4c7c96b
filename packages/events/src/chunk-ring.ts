import type { JournalChunk } from './journal.js';

/** Per chunk: its length (u32), then segment, base and last sequence number (f64 each). */
const HEAD_BYTES = 28;

/**
 * A single-producer, single-consumer ring of journal chunks in a SharedArrayBuffer: the MTA's
 * thread pushes what its journal wrote, the events worker drains it on a timer of its own.
 * Handing chunks over costs the producer a copy and an atomic store — no message, no syscall,
 * nothing that wakes the worker (and lets it preempt the event loop) on a busy machine.
 * Positions are byte counts that wrap at 2^32; the capacity is a power of two.
 */
export class ChunkRing {
  readonly buffer: SharedArrayBuffer;
  /** [0]: where the producer writes next; [1]: where the consumer reads next. */
  readonly #index: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #mask: number;
  readonly #head = Buffer.alloc(HEAD_BYTES);

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#index = new Int32Array(buffer, 0, 2);
    this.#bytes = new Uint8Array(buffer, 8);
    this.#mask = this.#bytes.length - 1;
  }

  static create(capacity: number): ChunkRing {
    if (capacity < 1024 || (capacity & (capacity - 1)) !== 0) throw new RangeError(`ring capacity ${capacity}: a power of two of at least 1024`);
    return new ChunkRing(new SharedArrayBuffer(8 + capacity));
  }

  /** Appends `chunk`; false (nothing written) when it does not fit beside what is not drained yet. */
  push(chunk: JournalChunk): boolean {
    const w = Atomics.load(this.#index, 0);
    const used = (w - Atomics.load(this.#index, 1)) >>> 0;
    const need = HEAD_BYTES + chunk.bytes.length;
    if (this.#bytes.length - used < need) return false;
    const head = this.#head;
    head.writeUInt32LE(chunk.bytes.length, 0);
    head.writeDoubleLE(chunk.segment, 4);
    head.writeDoubleLE(chunk.base, 12);
    head.writeDoubleLE(chunk.lastSeq, 20);
    this.#copyIn(w, head);
    this.#copyIn(w + HEAD_BYTES, chunk.bytes);
    // The store publishes the bytes above to a consumer that loads this position.
    Atomics.store(this.#index, 0, (w + need) | 0);
    return true;
  }

  /** Every chunk pushed since the last drain, in order. */
  drain(): JournalChunk[] {
    const w = Atomics.load(this.#index, 0);
    let r = Atomics.load(this.#index, 1);
    const out: JournalChunk[] = [];
    while (r !== w) {
      const head = this.#copyOut(r, HEAD_BYTES);
      const length = head.readUInt32LE(0);
      out.push({ segment: head.readDoubleLE(4), base: head.readDoubleLE(12), lastSeq: head.readDoubleLE(20), bytes: this.#copyOut(r + HEAD_BYTES, length) });
      r = (r + HEAD_BYTES + length) | 0;
    }
    Atomics.store(this.#index, 1, r);
    return out;
  }

  #copyIn(position: number, source: Uint8Array): void {
    const start = position & this.#mask;
    const first = Math.min(source.length, this.#bytes.length - start);
    this.#bytes.set(source.subarray(0, first), start);
    if (first < source.length) this.#bytes.set(source.subarray(first), 0);
  }

  #copyOut(position: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    const start = position & this.#mask;
    const first = Math.min(length, this.#bytes.length - start);
    out.set(this.#bytes.subarray(start, start + first), 0);
    if (first < length) out.set(this.#bytes.subarray(0, length - first), first);
    return out;
  }
}
