import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { MtaKitError } from '@mtakit/core';
import { segmentPath } from './segment-files.js';

/** Reads up to this size are done synchronously (see read). */
const SYNC_READ_LIMIT = 256 * 1024;

/** Open read handles of a spool's segments, one per segment, with how many reads are using each. */
export class SegmentReaders {
  readonly #dir: string;
  readonly #readers = new Map<number, { handle: Promise<FileHandle>; users: number }>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Whether a read of `seg` is under way (its file must not be deleted yet). */
  busy(seg: number): boolean {
    return (this.#readers.get(seg)?.users ?? 0) > 0;
  }

  async read(seg: number, offset: number, length: number): Promise<Buffer> {
    let reader = this.#readers.get(seg);
    if (!reader) {
      reader = { handle: open(segmentPath(this.#dir, seg), 'r'), users: 0 };
      this.#readers.set(seg, reader);
    }
    reader.users++;
    try {
      const handle = await reader.handle;
      const buffer = Buffer.allocUnsafe(length);
      // Messages are read back soon after they were written, from the page cache: a synchronous
      // pread costs a few µs, while a thread-pool round trip costs ~40-250 µs on the event loop.
      const bytesRead = length <= SYNC_READ_LIMIT ? readSync(handle.fd, buffer, 0, length, offset) : (await handle.read(buffer, 0, length, offset)).bytesRead;
      if (bytesRead !== length) throw new MtaKitError('E_SPOOL_CORRUPT', `segment ${seg} is shorter than its index says`);
      return buffer;
    } finally {
      reader.users--;
    }
  }

  /** Closes `seg`'s handle (the segment is being deleted). */
  async forget(seg: number): Promise<void> {
    const reader = this.#readers.get(seg);
    this.#readers.delete(seg);
    if (reader) await (await reader.handle).close();
  }

  async closeAll(): Promise<void> {
    for (const seg of [...this.#readers.keys()]) await this.forget(seg);
  }
}
