import { crc32 } from 'node:zlib';

/**
 * The spool's on-disk record: a length-prefixed, checksummed entry of an append-only segment.
 *
 *   0  u32  total record length (header + meta + data)
 *   4  u32  crc32 of bytes [8, HEADER + metaLen): type, lengths, data crc, id and meta
 *   8  u8   type (STORE, META, REMOVE)
 *   9  u32  meta length
 *  13  u32  crc32 of the data (STORE only)
 *  17  32B  message id (ascii hex)
 *  49  meta JSON, then data bytes
 *
 * A record is valid only if it is complete and its checksum matches, so a write torn by a crash is
 * recognised and ignored (it was never acknowledged: acknowledgements wait for the fsync).
 */
export const HEADER = 49;
/** Where the id's 32 ASCII hex digits start within a record. */
export const ID_OFFSET = 17;

export const enum RecordType {
  Store = 1,
  Meta = 2,
  Remove = 3,
}

export interface EncodedRecord {
  readonly buffers: Buffer[];
  readonly length: number;
  /** Offset of the meta JSON within the record. */
  readonly metaOffset: number;
  readonly metaLength: number;
  /** Offset of the data within the record. */
  readonly dataOffset: number;
  readonly dataLength: number;
  readonly dataCrc: number;
}

export function encodeRecord(type: RecordType, id: string, meta: Buffer, data?: Buffer): EncodedRecord {
  const header = Buffer.allocUnsafe(HEADER);
  const dataLength = data?.length ?? 0;
  const length = HEADER + meta.length + dataLength;
  const dataCrc = data ? crc32(data) : 0;
  header.writeUInt32LE(length, 0);
  header.writeUInt8(type, 8);
  header.writeUInt32LE(meta.length, 9);
  header.writeUInt32LE(dataCrc, 13);
  header.write(id, 17, 32, 'latin1');
  header.writeUInt32LE(crc32(meta, crc32(header.subarray(8))), 4);
  return {
    buffers: data ? [header, meta, data] : [header, meta],
    length,
    metaOffset: HEADER,
    metaLength: meta.length,
    dataOffset: HEADER + meta.length,
    dataLength,
    dataCrc,
  };
}

export interface DecodedHeader {
  readonly length: number;
  readonly type: RecordType;
  readonly metaLength: number;
  readonly dataCrc: number;
}

/**
 * Decodes the record starting at `at` in `chunk`. Returns `'short'` when the chunk ends before the
 * record does (read more), `'invalid'` when the bytes are not a valid record (torn or corrupt).
 */
export function decodeRecord(chunk: Buffer, at: number): DecodedHeader | 'short' | 'invalid' {
  if (chunk.length - at < HEADER) return 'short';
  const length = chunk.readUInt32LE(at);
  const type = chunk.readUInt8(at + 8);
  const metaLength = chunk.readUInt32LE(at + 9);
  if (length < HEADER || type < RecordType.Store || type > RecordType.Remove || HEADER + metaLength > length) return 'invalid';
  if (chunk.length - at < HEADER + metaLength) return 'short';
  const expected = chunk.readUInt32LE(at + 4);
  const actual = crc32(chunk.subarray(at + HEADER, at + HEADER + metaLength), crc32(chunk.subarray(at + 8, at + HEADER)));
  if (expected !== actual) return 'invalid';
  // The id stays in the chunk (ID_OFFSET): recovery looks it up from there without making a string.
  return { length, type, metaLength, dataCrc: chunk.readUInt32LE(at + 13) };
}

export function dataIsIntact(data: Buffer, expectedCrc: number): boolean {
  return crc32(data) === expectedCrc;
}
