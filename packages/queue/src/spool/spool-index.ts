import { IdTable, type IdHandles } from './id-table.js';

export type { IdHandles };
import { HEADER, RecordType } from './record-format.js';

/** Where a live message's data and latest meta are (offsets of the bytes, not of the records). */
export interface Location {
  seg: number;
  dataOff: number;
  dataLen: number;
  dataCrc: number;
  metaSeg: number;
  metaOff: number;
  metaLen: number;
}

const SEG = 0, DATA_OFF = 1, DATA_LEN = 2, DATA_CRC = 3, META_SEG = 4, META_OFF = 5, META_LEN = 6;
const FIELDS = 7;
/** An entry as an index snapshot holds it: the id's 16 bytes, then the seven fields (u32 LE). */
export const SNAPSHOT_ENTRY = 16 + FIELDS * 4;

/**
 * The spool's in-memory index: per live message, where its data and latest meta are (in an
 * IdTable, about 50 bytes a message), and per segment how many index entries point into it, so a
 * segment can be deleted once nothing live is in it. The same calls serve records being written
 * and records replayed at start, in log order.
 */
export class SpoolIndex {
  readonly #table = new IdTable(FIELDS);
  /** Per segment: how many index entries point into it (data or meta). */
  readonly #live = new Map<number, number>();
  /** Per segment: the most pins its records ever held (a store pins twice, a meta update once). */
  readonly #records = new Map<number, number>();

  get size(): number {
    return this.#table.size;
  }

  /** Ids as this index's entry numbers, pinned while held (the scheduled queues' heaps). */
  get ids(): IdHandles {
    return this.#table;
  }

  has(id: string): boolean {
    return this.#table.find(id) >= 0;
  }

  get(id: string): Location | undefined {
    const e = this.#table.find(id);
    if (e < 0) return undefined;
    const t = this.#table;
    return {
      seg: t.get(e, SEG), dataOff: t.get(e, DATA_OFF), dataLen: t.get(e, DATA_LEN), dataCrc: t.get(e, DATA_CRC),
      metaSeg: t.get(e, META_SEG), metaOff: t.get(e, META_OFF), metaLen: t.get(e, META_LEN),
    };
  }

  /**
   * If the meta at `metaOff` of `seg` is the latest of the message whose id is at `idAt` in
   * `bytes`, the size of that message's data; else -1.
   */
  sizeIfLatestMeta(bytes: Uint8Array, idAt: number, seg: number, metaOff: number): number {
    const e = this.entryIfLatestMeta(bytes, idAt, seg, metaOff);
    return e >= 0 ? this.#table.get(e, DATA_LEN) : -1;
  }


  /**
   * A record at `offset` of `seg`: a Store (meta then data), a Meta update or a Remove. The id is
   * a string (a record being written) or ASCII at `idAt` in `bytes` (a record replayed at start).
   */
  apply(type: RecordType, id: string | { bytes: Uint8Array; at: number }, seg: number, offset: number, metaLen: number, dataLen: number, dataCrc: number): void {
    this.#records.set(seg, (this.#records.get(seg) ?? 0) + pinsOf(type));
    const t = this.#table;
    if (type === RecordType.Store) {
      const existing = this.#find(id);
      if (existing >= 0) this.#unpinEntry(existing);
      const e = typeof id === 'string' ? t.add(id) : t.addAscii(id.bytes, id.at);
      t.set(e, SEG, seg);
      t.set(e, DATA_OFF, offset + HEADER + metaLen);
      t.set(e, DATA_LEN, dataLen);
      t.set(e, DATA_CRC, dataCrc);
      t.set(e, META_SEG, seg);
      t.set(e, META_OFF, offset + HEADER);
      t.set(e, META_LEN, metaLen);
      this.#pin(seg, 2);
      return;
    }
    const e = this.#find(id);
    if (e < 0) return; // a meta update or removal of a message removed before (or while) it was written
    if (type === RecordType.Meta) {
      this.#unpin(t.get(e, META_SEG));
      t.set(e, META_SEG, seg);
      t.set(e, META_OFF, offset + HEADER);
      t.set(e, META_LEN, metaLen);
      this.#pin(seg, 1);
    } else {
      this.#unpinEntry(e);
      t.remove(e);
    }
  }

  /** Removes a message now (its Remove record is written afterwards); false if it was not here. */
  remove(id: string): boolean {
    const e = this.#table.find(id);
    if (e < 0) return false;
    this.#unpinEntry(e);
    this.#table.remove(e);
    return true;
  }

  /** Index entries pointing into `seg`. */
  live(seg: number): number {
    return this.#live.get(seg) ?? 0;
  }

  /** The most index entries that ever pointed into `seg`. */
  records(seg: number): number {
    return this.#records.get(seg) ?? 0;
  }

  /** Ids of the messages whose data or latest meta is in `seg`. */
  idsIn(seg: number): string[] {
    const ids: string[] = [];
    for (const e of this.#table.entries()) {
      if (this.#table.get(e, SEG) === seg || this.#table.get(e, META_SEG) === seg) ids.push(this.#table.idOf(e));
    }
    return ids;
  }

  /** How many latest metas each segment before `cover` holds (the segments a snapshot reads metas from). */
  metaCountsBelow(cover: number): Map<number, number> {
    const t = this.#table;
    const counts = new Map<number, number>();
    for (const e of t.entries()) {
      const seg = t.get(e, META_SEG);
      if (seg < cover) counts.set(seg, (counts.get(seg) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Where the latest meta of every message whose meta is in segments `from` to `to` (inclusive)
   * is, as `seg * 2^32 + offset`, sorted: the order in which a snapshot reads them. Written into
   * `out`, which has room for `metaCountsBelow`'s counts of those segments: metas before the
   * snapshot's cover are only ever removed or superseded meanwhile, never added.
   */
  metaLocationsIn(from: number, to: number, out: Float64Array): Float64Array {
    const t = this.#table;
    let n = 0;
    for (const e of t.entries()) {
      const seg = t.get(e, META_SEG);
      if (seg < from || seg > to) continue;
      if (n === out.length) throw new Error(`more metas in segments ${from}-${to} than counted`);
      out[n++] = seg * 2 ** 32 + t.get(e, META_OFF);
    }
    return out.subarray(0, n).sort();
  }

  /**
   * The entry of the message whose id is ASCII at `idAt` in `bytes` if its latest meta is at
   * `metaOff` of `seg`; else -1 (updated since, or gone).
   */
  entryIfLatestMeta(bytes: Uint8Array, idAt: number, seg: number, metaOff: number): number {
    const e = this.#table.findAscii(bytes, idAt);
    return e >= 0 && this.#table.get(e, META_SEG) === seg && this.#table.get(e, META_OFF) === metaOff ? e : -1;
  }

  /** Writes entry `e` as a snapshot holds it (SNAPSHOT_ENTRY bytes) at `at` in `out`. */
  writeEntry(e: number, out: Buffer, at: number): void {
    this.#table.writeKey(e, out, at);
    for (let f = 0; f < FIELDS; f++) out.writeUInt32LE(this.#table.get(e, f), at + 16 + f * 4);
  }

  /** The entries whose latest meta is in `cover` or later. */
  *entriesWithMetaFrom(cover: number): Generator<number> {
    for (const e of this.#table.entries()) if (this.#table.get(e, META_SEG) >= cover) yield e;
  }

  /** Counters of the segments before `cover`, as [segment, records] pairs. */
  countersBelow(cover: number): Array<[number, number]> {
    return [...this.#records].filter(([seg]) => seg < cover);
  }

  /** Makes room for the entries a snapshot says it holds. */
  reserve(entries: number): void {
    this.#table.reserve(entries);
  }

  /** Puts back a snapshot entry (pins are counted once all are back: `restored`). */
  restoreEntry(bytes: Buffer, at: number): void {
    const t = this.#table;
    const e = t.addKey(bytes, at);
    for (let f = 0; f < FIELDS; f++) t.set(e, f, bytes.readUInt32LE(at + 16 + f * 4));
  }

  restoreCounter(seg: number, records: number): void {
    this.#records.set(seg, records);
  }

  /**
   * Ends a restore: drops entries pointing into segments that are gone (a segment is deleted only
   * once nothing live is in it, so their removal was in a later, also deleted segment), then
   * counts the pins. Returns how many entries were dropped.
   */
  restored(present: ReadonlySet<number>): number {
    const t = this.#table;
    let dropped = 0;
    for (const e of t.entries()) {
      if (!present.has(t.get(e, SEG)) || !present.has(t.get(e, META_SEG))) {
        t.remove(e);
        dropped++;
      }
    }
    this.#live.clear();
    for (const e of t.entries()) {
      this.#pin(t.get(e, SEG), 1);
      this.#pin(t.get(e, META_SEG), 1);
    }
    return dropped;
  }

  /**
   * For a snapshot entry at `at` in `bytes`: if the message is still here with the meta the entry
   * points at, its id and data size; else undefined (updated or removed since).
   */
  latestFromSnapshot(bytes: Buffer, at: number): { id: string; size: number } | undefined {
    const t = this.#table;
    const e = t.findKey(bytes, at);
    if (e < 0 || t.get(e, META_SEG) !== bytes.readUInt32LE(at + 16 + META_SEG * 4) || t.get(e, META_OFF) !== bytes.readUInt32LE(at + 16 + META_OFF * 4)) return undefined;
    return { id: bytes.toString('hex', at, at + 16), size: t.get(e, DATA_LEN) };
  }

  /** Forgets a deleted segment's counters. */
  dropSegment(seg: number): void {
    this.#live.delete(seg);
    this.#records.delete(seg);
  }

  #find(id: string | { bytes: Uint8Array; at: number }): number {
    return typeof id === 'string' ? this.#table.find(id) : this.#table.findAscii(id.bytes, id.at);
  }

  #unpinEntry(e: number): void {
    this.#unpin(this.#table.get(e, SEG));
    this.#unpin(this.#table.get(e, META_SEG));
  }

  #pin(seg: number, n: number): void {
    this.#live.set(seg, (this.#live.get(seg) ?? 0) + n);
  }

  #unpin(seg: number): void {
    this.#live.set(seg, (this.#live.get(seg) ?? 1) - 1);
  }
}

export function pinsOf(type: RecordType): number {
  return type === RecordType.Store ? 2 : type === RecordType.Meta ? 1 : 0;
}
