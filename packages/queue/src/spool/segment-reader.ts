import { open } from 'node:fs/promises';
import { decodeRecord, HEADER, type DecodedHeader } from './record-format.js';
import { segmentPath } from './segment-files.js';

export interface ScannedRecord {
  readonly header: DecodedHeader;
  readonly offset: number;
  /** The meta JSON bytes (a view into the read buffer, valid until the next record is yielded). */
  readonly meta: Buffer;
}

export interface ScanResult {
  /** Bytes of the segment that hold valid records. */
  validBytes: number;
  /** Bytes after the last valid record (a torn tail, or corruption). */
  trailingBytes: number;
}

const CHUNK = 8 * 1024 * 1024;

/**
 * Reads a segment front to back in large chunks, yielding each record's header and meta and
 * skipping the data bytes. Stops at the first torn or corrupt record and reports how much of the
 * file was valid, so recovery can tell a crash's torn tail from damage in the middle.
 */
export async function* scanSegment(dir: string, segment: number, result: ScanResult): AsyncGenerator<ScannedRecord> {
  const handle = await open(segmentPath(dir, segment), 'r');
  try {
    const fileSize = (await handle.stat()).size;
    let buffer = Buffer.allocUnsafe(CHUNK);
    let chunkStart = 0;
    let chunkLength = 0;
    let pos = 0;
    while (pos < fileSize) {
      let at = pos - chunkStart;
      let decoded = at >= 0 && at < chunkLength ? decodeRecord(buffer.subarray(0, chunkLength), at) : 'short';
      if (decoded === 'short') {
        chunkStart = pos;
        chunkLength = (await handle.read(buffer, 0, buffer.length, pos)).bytesRead;
        at = 0;
        decoded = decodeRecord(buffer.subarray(0, chunkLength), 0);
        if (decoded === 'short' && chunkLength === buffer.length) {
          // A record whose header and meta exceed the buffer: grow it and read again.
          const needed = HEADER + buffer.readUInt32LE(9);
          buffer = Buffer.allocUnsafe(Math.max(needed, buffer.length * 2));
          chunkLength = 0;
          continue;
        }
      }
      if (decoded === 'short' || decoded === 'invalid' || pos + decoded.length > fileSize) break;
      yield { header: decoded, offset: pos, meta: buffer.subarray(at + HEADER, at + HEADER + decoded.metaLength) };
      pos += decoded.length;
    }
    result.validBytes = pos;
    result.trailingBytes = fileSize - pos;
  } finally {
    await handle.close();
  }
}
