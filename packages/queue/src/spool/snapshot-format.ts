import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { SNAPSHOT_ENTRY } from './spool-index.js';

/**
 * The spool's index snapshot, `index.snap` beside the segments: the in-memory index as it was
 * once every record in the segments before `cover` had been applied, plus the latest meta of each
 * message whose meta is in one of those segments. A restart loads it and replays only the
 * segments from `cover` on. Written to `index.snap.tmp`, fsynced, then renamed over the old one.
 *
 *    0  8B   magic "mtkidx\0\x02" (the last byte is the format version)
 *    8  u32  entry size (SNAPSHOT_ENTRY: the 16-byte id and seven u32 fields)
 *   12  f64  cover: the first segment not reflected (replayed at start)
 *   20  u32  number of segment counters, then per counter: f64 segment, u32 records
 *   ...      entries: SNAPSHOT_ENTRY bytes, u32 meta length (0: meta in `cover` or later), meta
 *  end-16    u32 entries, u32 crc32 of every byte before this crc, 8B magic again
 *
 * Integers little-endian, the id as its 16 bytes (hex digit order). A file with another magic or entry size, a bad checksum or a wrong
 * length is ignored with a log line, and the segments are scanned in full instead.
 */
export const MAGIC = Buffer.from('6d746b6964780002', 'hex');
export const SNAPSHOT_FILE = 'index.snap';
export const HEAD = 24;
export const COUNTER = 12;
export const TRAILER = 16;
export { SNAPSHOT_ENTRY };

export function snapshotPath(dir: string): string {
  return join(dir, SNAPSHOT_FILE);
}

/** Snapshot output through a few large buffers, with a running checksum. */
export class SnapshotOutput {
  readonly #handle: FileHandle;
  readonly #full: Buffer[] = [];
  /** Buffers written out, for later takes: a million metas are ~180 MB, written 1 MiB at a time. */
  readonly #spare: Buffer[] = [];
  #buffer: Buffer = Buffer.allocUnsafeSlow(OUT_CHUNK);
  #at = 0;
  #written = 0;
  crc = 0;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async create(path: string): Promise<SnapshotOutput> {
    return new SnapshotOutput(await open(path, 'w'));
  }

  get bytes(): number {
    return this.#written + this.#full.reduce((n, b) => n + b.length, 0) + this.#at;
  }

  /** Room for `n` bytes: the buffer and the offset to write them at (valid until the next take). */
  take(n: number): { buffer: Buffer; at: number } {
    if (this.#at + n > this.#buffer.length) {
      this.#full.push(this.#buffer.subarray(0, this.#at));
      this.#buffer = (n <= OUT_CHUNK ? this.#spare.pop() : undefined) ?? Buffer.allocUnsafeSlow(Math.max(OUT_CHUNK, n));
      this.#at = 0;
    }
    const at = this.#at;
    this.#at += n;
    return { buffer: this.#buffer, at };
  }

  /** Writes out the buffers that are full. */
  async drain(): Promise<void> {
    for (const b of this.#full.splice(0)) {
      await this.#write(b);
      if (b.buffer.byteLength === OUT_CHUNK) this.#spare.push(Buffer.from(b.buffer, 0, OUT_CHUNK));
    }
  }

  /** Writes everything, the trailer (`entries`, checksum, magic), and syncs the file. */
  async finish(entries: number): Promise<void> {
    const { buffer, at } = this.take(8);
    buffer.writeUInt32LE(entries, at);
    await this.drain();
    await this.#write(this.#buffer.subarray(0, at + 4));
    const tail = Buffer.allocUnsafe(12);
    tail.writeUInt32LE(this.crc, 0);
    MAGIC.copy(tail, 4);
    await this.#handle.write(tail, 0, 12, this.#written);
    await this.#handle.sync();
    await this.#handle.close();
  }

  async abandon(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
  }

  async #write(b: Buffer): Promise<void> {
    this.crc = crc32(b, this.crc);
    for (let done = 0; done < b.length; ) done += (await this.#handle.write(b, done, b.length - done, this.#written + done)).bytesWritten;
    this.#written += b.length;
  }
}

const OUT_CHUNK = 1024 * 1024;
