import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { COUNTER, HEAD, MAGIC, SNAPSHOT_ENTRY, snapshotPath, TRAILER } from './snapshot-format.js';
import type { SpoolIndex } from './spool-index.js';

/** Read size when loading (the whole file, checked); enumerate reads less at a time, see there. */
const CHUNK = 8 * 1024 * 1024;
/** Enumerate parses each chunk's metas at once: 1 MiB (~6,000 messages) keeps that garbage small. */
const ENUMERATE_CHUNK = 256 * 1024;

/** Called for each snapshot entry at `at` in `chunk`, with its meta length (0: none). */
export type EntryVisitor = (chunk: Buffer, at: number, metaLength: number) => void;

export type LoadResult = { cover: number; entries: number } | { ignored: string };

/**
 * Loads the snapshot into `index` (which must be empty) and checks it end to end. When the result
 * is `ignored`, `index` holds a partial load and must be thrown away; the reason is for the log.
 */
export async function loadSnapshot(dir: string, index: SpoolIndex): Promise<LoadResult> {
  let cover = 0;
  let entries = 0;
  try {
    const checked = await readSnapshot(dir, (chunk, at) => {
      index.restoreEntry(chunk, at);
      entries++;
    }, (c, counters, claimed) => {
      cover = c;
      index.reserve(claimed);
      for (const [seg, records] of counters) index.restoreCounter(seg, records);
    });
    if (typeof checked === 'string') return { ignored: checked };
    if (checked !== entries) return { ignored: `it says ${checked} entries but holds ${entries}` };
    return { cover, entries };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ignored: code === 'ENOENT' ? 'there is none' : `it cannot be read (${(error as Error).message})` };
  }
}

/**
 * Reads the snapshot front to back a chunk at a time, calling `visit` for each entry and yielding
 * after each chunk (like scanSegment). Used by enumerate to hand out the metas it holds.
 */
export async function* snapshotEntries(dir: string, visit: EntryVisitor): AsyncGenerator<void> {
  const handle = await open(snapshotPath(dir), 'r');
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.allocUnsafe(HEAD);
    await handle.read(head, 0, HEAD, 0);
    yield* chunks(handle, HEAD + head.readUInt32LE(20) * COUNTER, size - TRAILER, visit, ENUMERATE_CHUNK);
  } finally {
    await handle.close();
  }
}

/**
 * The whole file, checked: the header (magic and format, else the reason), the counters
 * (`start`), every entry (`visit`), and the trailer's checksum. Returns the trailer's entry count,
 * or why the file is not to be trusted.
 */
async function readSnapshot(dir: string, visit: EntryVisitor, start: (cover: number, counters: Array<[number, number]>, entries: number) => void): Promise<number | string> {
  const handle = await open(snapshotPath(dir), 'r');
  try {
    const size = (await handle.stat()).size;
    if (size < HEAD + TRAILER) return `it is too short (${size} bytes)`;
    const head = Buffer.allocUnsafe(HEAD);
    await handle.read(head, 0, HEAD, 0);
    if (!head.subarray(0, 8).equals(MAGIC) || head.readUInt32LE(8) !== SNAPSHOT_ENTRY) return 'it is not an index snapshot of this format';
    const countersLength = head.readUInt32LE(20) * COUNTER;
    if (HEAD + countersLength > size - TRAILER) return 'it is too short for its counters';
    const counterBytes = Buffer.allocUnsafe(countersLength);
    await handle.read(counterBytes, 0, countersLength, HEAD);
    const counters: Array<[number, number]> = [];
    for (let at = 0; at < countersLength; at += COUNTER) counters.push([counterBytes.readDoubleLE(at), counterBytes.readUInt32LE(at + 8)]);
    const trailer = Buffer.allocUnsafe(TRAILER);
    await handle.read(trailer, 0, TRAILER, size - TRAILER);
    if (!trailer.subarray(8).equals(MAGIC)) return 'its trailer is missing (a write cut short)';
    // The count (checked at the end) sizes the table; no more entries than the file has room for.
    start(head.readDoubleLE(12), counters, Math.min(trailer.readUInt32LE(0), Math.floor(size / (SNAPSHOT_ENTRY + 4))));
    const sum = { crc: crc32(counterBytes, crc32(head)) };
    for await (const _ of chunks(handle, HEAD + countersLength, size - TRAILER, visit, CHUNK, sum));
    if (crc32(trailer.subarray(0, 4), sum.crc) !== trailer.readUInt32LE(4)) return 'it fails its checksum';
    return trailer.readUInt32LE(0);
  } finally {
    await handle.close();
  }
}

/** The entries between `from` and `to`, read in large chunks; `sum` gets a running crc32. */
async function* chunks(handle: FileHandle, from: number, to: number, visit: EntryVisitor, size: number, sum?: { crc: number }): AsyncGenerator<void> {
  let buffer = Buffer.allocUnsafe(size);
  let pos = from;
  while (pos < to) {
    const length = (await handle.read(buffer, 0, Math.min(buffer.length, to - pos), pos)).bytesRead;
    let at = 0;
    while (at + SNAPSHOT_ENTRY + 4 <= length) {
      const metaLength = buffer.readUInt32LE(at + SNAPSHOT_ENTRY);
      const next = at + SNAPSHOT_ENTRY + 4 + metaLength;
      if (next > length) break;
      visit(buffer, at, metaLength);
      at = next;
    }
    if (at === 0) {
      // An entry larger than the buffer, or the file ends inside one.
      const needed = SNAPSHOT_ENTRY + 4 + (length >= SNAPSHOT_ENTRY + 4 ? buffer.readUInt32LE(SNAPSHOT_ENTRY) : 0);
      if (needed > to - pos || length === 0) throw new Error(`an entry at ${pos} runs past the end`);
      buffer = Buffer.allocUnsafe(Math.max(needed, buffer.length * 2));
      continue;
    }
    if (sum) sum.crc = crc32(buffer.subarray(0, at), sum.crc);
    pos += at;
    yield;
  }
}
