import { open } from 'node:fs/promises';
import { decodeRecord, HEADER, type DecodedHeader } from './record-format.js';
import { segmentPath } from './segment-files.js';

/**
 * Called for each valid record: its header, its offset in the segment, and the chunk that holds
 * it from `at` (header, id and meta; the data may be cut off). The chunk is reused after return.
 */
export type RecordVisitor = (header: DecodedHeader, offset: number, chunk: Buffer, at: number) => void;

export interface ScanResult {
  /** Bytes of the segment that hold valid records. */
  validBytes: number;
  /** Bytes after the last valid record (a torn tail, or corruption). */
  trailingBytes: number;
}

const CHUNK = 8 * 1024 * 1024;
/** The chunk buffer of the last scan, reused by the next (a restart scans every segment twice). */
let spare: Buffer | undefined;

/**
 * Reads a segment front to back in large chunks, showing `visit` each record's header and meta
 * (synchronously, a chunk at a time: no promise per record) and yielding after each chunk, so a
 * caller can hand on what it collected from one chunk before the next is read. Stops at the first
 * torn or corrupt record and reports in `result` how much of the file was valid, so recovery can
 * tell a crash's torn tail from damage in the middle.
 */
export async function* scanSegment(dir: string, segment: number, visit: RecordVisitor, result: ScanResult = { validBytes: 0, trailingBytes: 0 }): AsyncGenerator<void> {
  const handle = await open(segmentPath(dir, segment), 'r');
  try {
    const fileSize = (await handle.stat()).size;
    let buffer = spare ?? Buffer.allocUnsafe(CHUNK);
    spare = undefined;
    let pos = 0;
    while (pos < fileSize) {
      const chunkLength = (await handle.read(buffer, 0, buffer.length, pos)).bytesRead;
      const chunk = buffer.subarray(0, chunkLength);
      let at = 0;
      let stop = false;
      for (;;) {
        const decoded = decodeRecord(chunk, at);
        if (decoded === 'short') break;
        if (decoded === 'invalid' || pos + at + decoded.length > fileSize) {
          stop = true;
          break;
        }
        visit(decoded, pos + at, chunk, at);
        at += decoded.length;
        if (at >= chunkLength) break;
      }
      if (at > 0) yield;
      pos += at;
      if (stop) break;
      if (at === 0) {
        if (chunkLength < buffer.length) break; // a record cut off by the end of the file
        // A record whose header and meta exceed the buffer: grow it and read again (unless the
        // claimed size runs past the file: then it is a torn or corrupt record).
        const needed = HEADER + buffer.readUInt32LE(9);
        if (needed > fileSize - pos) break;
        buffer = Buffer.allocUnsafe(Math.max(needed, buffer.length * 2));
      }
    }
    result.validBytes = pos;
    result.trailingBytes = fileSize - pos;
    if (buffer.length === CHUNK) spare = buffer;
  } finally {
    await handle.close();
  }
}
