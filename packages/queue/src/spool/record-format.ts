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

/**
 * A record ready to be written: its lengths and data checksum are known (the index needs them),
 * its bytes are made by `writeHead` when its write batch goes out (into the writer's reused
 * buffer: no buffer per record).
 */
export interface EncodedRecord {
  readonly type: RecordType;
  readonly id: string;
  /** The meta JSON. */
  readonly meta: string;
  /** The caller's own buffer: written as it is, never copied. */
  readonly data: Buffer | undefined;
  readonly length: number;
  readonly metaLength: number;
  readonly dataLength: number;
  readonly dataCrc: number;
}

export function encodeRecord(type: RecordType, id: string, meta: string, data?: Buffer): EncodedRecord {
  const metaLength = Buffer.byteLength(meta);
  const dataLength = data?.length ?? 0;
  return { type, id, meta, data, length: HEADER + metaLength + dataLength, metaLength, dataLength, dataCrc: data ? crc32(data) : 0 };
}

/** Writes `record`'s header and meta (HEADER + metaLength bytes) at `at` of `out`. */
export function writeHead(record: EncodedRecord, out: Buffer, at: number): void {
  out.writeUInt32LE(record.length, at);
  out.writeUInt8(record.type, at + 8);
  out.writeUInt32LE(record.metaLength, at + 9);
  out.writeUInt32LE(record.dataCrc, at + 13);
  out.write(record.id, at + ID_OFFSET, 32, 'latin1');
  out.write(record.meta, at + HEADER, record.metaLength, 'utf8');
  out.writeUInt32LE(crc32(out.subarray(at + 8, at + HEADER + record.metaLength)), at + 4);
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
