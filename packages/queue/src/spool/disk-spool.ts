import { mkdir, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Message, MtaKitError, type Logger, type SpoolRecord } from '@mtakit/core';
import { deliveryCache, type DeliveryCache } from './delivery-cache.js';
import { metaJson, toMessage, toRecord, type StoredMeta } from './stored-meta.js';
import { dataIsIntact, encodeRecord, HEADER, ID_OFFSET, RecordType, type EncodedRecord } from './record-format.js';
import { SNAPSHOT_ENTRY, snapshotPath } from './snapshot-format.js';
import { listSegments, segmentPath } from './segment-files.js';
import { takeSpoolLock } from './spool-lock.js';
import { scanSegment, type RecordVisitor } from './segment-reader.js';
import { SpoolIndex, type IdHandles, type Location } from './spool-index.js';
import { loadSnapshot, snapshotEntries, type EntryVisitor } from './snapshot-reader.js';
import { writeSnapshot } from './snapshot-writer.js';
import { SegmentReaders } from './segment-readers.js';
import { SegmentWriter, type RecordLocation } from './segment-writer.js';
import type { RecordSpool, StoredRecord } from './spool-reads.js';

export interface DiskSpoolOptions {
  /** Directory for the spool's segment files; created if missing. */
  dir: string;
  /** fdatasync each write batch before acknowledging it. Default true; false is for benchmarks. */
  fsync?: boolean;
  /** Segment size before rolling to a new file. Default 64 MiB. */
  segmentBytes?: number;
  /** How often old segments are checked for deletion or compaction. Default 10 s. */
  compactIntervalMs?: number;
  /**
   * Relocate the live messages of the oldest segment when fewer than this share of its records
   * are still live, so one long-lived message cannot pin a whole segment. Default 0.5.
   */
  relocateBelow?: number;
  /**
   * Write an index snapshot (`index.snap`) at close and, while running, once this many segments
   * (and at least half as many as the spool spans) were written since the last one, so a restart
   * replays only the segments written after it. Default 4; 0 writes none (a restart then scans
   * every segment, and a snapshot left from before is deleted).
   */
  checkpointSegments?: number;
  /** Memory for messages just stored and due now, read by their delivery instead of the disk (`DeliveryCache`). Default 32 MiB; 0 = off. */
  deliveryCacheBytes?: number;
  /** Progress and problems (recovery, torn tails, corrupt records). Default: silent. */
  log?: Logger;
  /** Observes each durable write batch (for fsync latency metrics). */
  onBatch?: (records: number, bytes: number, syncMs: number) => void;
}

/**
 * The default `Spool`: an append-only log of checksummed records in segment files, written with
 * group commit (one fdatasync per batch of concurrent writes). Storing a message appends its meta
 * and data; a meta update appends the new meta; a removal appends a tombstone. Old segments are
 * deleted, oldest first, once nothing live points into them (deleting in order keeps tombstones
 * meaningful); the live messages of a mostly-dead old segment are copied forward first.
 *
 * Open with `DiskSpool.open`, which rebuilds the index from the segments; then iterate
 * `enumerate()` once to get every stored message back.
 */
export class DiskSpool implements RecordSpool {
  readonly #dir: string;
  readonly #options: Required<Pick<DiskSpoolOptions, 'fsync' | 'segmentBytes' | 'compactIntervalMs' | 'relocateBelow' | 'checkpointSegments'>> & DiskSpoolOptions;
  readonly #writer: SegmentWriter;
  /** Messages about to be delivered, in memory; the queue drops those it holds instead. Undefined = off. */
  readonly deliveryCache: DeliveryCache | undefined;
  #index = new SpoolIndex();
  #segments: number[] = [];
  #recovered: number[] = [];
  /** The cover of the snapshot loaded at open: enumerate hands out its metas first. */
  #snapshotCover: number | undefined;
  /** The cover of the latest snapshot written or loaded. */
  #checkpointed = 0;
  #compaction: Promise<void> | undefined;
  #checkpointing: Promise<void> = Promise.resolve();
  readonly #readers: SegmentReaders;
  #timer: NodeJS.Timeout | undefined;
  #enumerated = false;
  #compacting = false;
  #closed = false;
  #lockHandle: FileHandle | undefined;

  private constructor(options: DiskSpoolOptions) {
    this.#dir = options.dir;
    this.#options = { fsync: true, segmentBytes: 64 * 1024 * 1024, compactIntervalMs: 10_000, relocateBelow: 0.5, checkpointSegments: 4, ...options };
    this.deliveryCache = deliveryCache(options.deliveryCacheBytes);
    this.#readers = new SegmentReaders(this.#dir);
    this.#writer = new SegmentWriter(this.#dir, {
      segmentBytes: this.#options.segmentBytes,
      fsync: this.#options.fsync,
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    });
  }

  static async open(options: DiskSpoolOptions): Promise<DiskSpool> {
    const spool = new DiskSpool(options);
    await spool.#open();
    return spool;
  }

  get size(): number {
    return this.#index.size;
  }

  /** The spool's directory (the queue keeps its admin state beside the segments). */
  get dir(): string {
    return this.#dir;
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  /** Ids as 4-byte handles for the scheduled queues: the index's entry numbers, pinned while held. */
  get ids(): IdHandles {
    return this.#index.ids;
  }

  store(message: Message): Promise<void> {
    return this.storeAll([message]);
  }

  /** Stores messages in one write batch with one promise for all (an enqueue's: no promise per message). */
  async storeAll(messages: readonly Message[]): Promise<void> {
    const metas = messages.map((m) => metaJson(m));
    const records = messages.map((m, i) => encodeRecord(RecordType.Store, m.id, metas[i] as string, m.getData()));
    const at = await this.#writer.appendAll(records);
    records.forEach((record, i) => {
      const m = messages[i] as Message;
      this.#place(RecordType.Store, m.id, at[i] as RecordLocation, record);
      this.deliveryCache?.keep(m, metas[i] as string);
    });
  }

  async updateMeta(message: Message): Promise<void> {
    if (!this.#index.has(message.id)) throw notFound(message.id);
    const meta = metaJson(message);
    const record = encodeRecord(RecordType.Meta, message.id, meta);
    const at = await this.#writer.append(record);
    this.#place(RecordType.Meta, message.id, at, record);
    this.deliveryCache?.updateMeta(message.id, meta);
  }

  async load(id: string): Promise<Message> {
    const entry = this.#index.get(id);
    if (!entry) throw notFound(id);
    const cached = this.deliveryCache?.take(id);
    if (cached) return toMessage(id, JSON.parse(cached.meta) as StoredMeta, cached.data);
    let meta: Buffer;
    let data: Buffer;
    if (entry.metaSeg === entry.seg && entry.metaOff + entry.metaLen === entry.dataOff) {
      // Meta and data as stored together: one read.
      const both = await this.#readers.read(entry.seg, entry.metaOff, entry.metaLen + entry.dataLen);
      meta = both.subarray(0, entry.metaLen);
      data = both.subarray(entry.metaLen);
    } else {
      [meta, data] = await Promise.all([this.#readers.read(entry.metaSeg, entry.metaOff, entry.metaLen), this.#readers.read(entry.seg, entry.dataOff, entry.dataLen)]);
    }
    if (!dataIsIntact(data, entry.dataCrc)) {
      throw new MtaKitError('E_SPOOL_CORRUPT', `message ${id}: data in segment ${entry.seg} fails its checksum`);
    }
    return toMessage(id, JSON.parse(meta.toString('utf8')) as StoredMeta, data);
  }

  /** The message's latest record and data size, reading only its meta. */
  async loadRecord(id: string): Promise<StoredRecord> {
    const entry = this.#index.get(id);
    if (!entry) throw notFound(id);
    const meta = await this.#readers.read(entry.metaSeg, entry.metaOff, entry.metaLen);
    return { record: toRecord(id, JSON.parse(meta.toString('utf8')) as StoredMeta), size: entry.dataLen };
  }

  async remove(id: string): Promise<void> {
    this.deliveryCache?.forget(id);
    if (!this.#index.remove(id)) return;
    const at = await this.#writer.append(encodeRecord(RecordType.Remove, id, ''));
    this.#track(at.segment);
  }

  /**
   * Every message stored before this process opened the spool, with its latest meta: those the
   * index snapshot holds, then those of the replayed segments in the order they were written. Runs
   * concurrently with new stores; call it (or `enumerateBatches`) once, at start.
   */
  async *enumerate(): AsyncGenerator<SpoolRecord> {
    for await (const batch of this.enumerateBatches()) yield* batch;
  }

  /**
   * `enumerate` a chunk of records at a time: a million records handed out one by one through an
   * async generator cost a few promises each.
   */
  async *enumerateBatches(): AsyncGenerator<SpoolRecord[]> {
    try {
      let records: SpoolRecord[] = [];
      if (this.#snapshotCover !== undefined) {
        const visit: EntryVisitor = (chunk, at, metaLength) => {
          if (metaLength === 0) return;
          const latest = this.#index.latestFromSnapshot(chunk, at);
          if (!latest) return;
          const metaAt = at + SNAPSHOT_ENTRY + 4;
          records.push(toRecord(latest.id, JSON.parse(chunk.toString('utf8', metaAt, metaAt + metaLength)) as StoredMeta, latest.size));
        };
        for await (const _ of snapshotEntries(this.#dir, visit)) {
          if (records.length > 0) yield records;
          records = [];
        }
      }
      for (const seg of this.#recovered) {
        const visit: RecordVisitor = (header, offset, chunk, at) => {
          if (header.type === RecordType.Remove) return;
          const size = this.#index.sizeIfLatestMeta(chunk, at + ID_OFFSET, seg, offset + HEADER);
          if (size < 0) return;
          const stored = JSON.parse(chunk.toString('utf8', at + HEADER, at + HEADER + header.metaLength)) as StoredMeta;
          records.push(toRecord(chunk.toString('latin1', at + ID_OFFSET, at + HEADER), stored, size));
        };
        for await (const _ of scanSegment(this.#dir, seg, visit)) {
          if (records.length > 0) yield records;
          records = [];
        }
      }
    } finally {
      this.#enumerated = true;
    }
  }

  /**
   * Writes an index snapshot covering every record written so far (the writer is idle or closed)
   * or, while writing goes on, the segments before the current one.
   */
  checkpoint(cover = this.#writer.segment): Promise<void> {
    if (this.#options.checkpointSegments === 0) return Promise.resolve();
    // One at a time: two writers of index.snap.tmp would interleave.
    const run = this.#checkpointing.then(async () => {
      const stats = await writeSnapshot(this.#dir, this.#index, cover);
      this.#checkpointed = cover;
      this.#options.log?.('info', `spool: index snapshot of ${stats.entries} messages covering segments before ${cover} written in ${stats.ms} ms (${stats.bytes} bytes)`);
    });
    this.#checkpointing = run.catch(() => undefined);
    return run;
  }

  /** Counts for metrics and the admin API. */
  stats(): { messages: number; segments: number; currentSegment: number } {
    return { messages: this.#index.size, segments: this.#segments.length, currentSegment: this.#writer.segment };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#compaction?.catch(() => undefined); // a failed pass was logged by its caller
    await this.#writer.close();
    // Everything is written and indexed: the snapshot covers it all, and the next start replays nothing.
    await this.checkpoint(this.#writer.segment + 1).catch((e: Error) => this.#options.log?.('error', `spool: index snapshot at close failed: ${e.message}`));
    await this.#readers.closeAll();
    await rm(join(this.#dir, 'spool.lock'), { force: true });
    await this.#lockHandle?.close();
  }

  /** Runs one deletion/compaction pass now (normally on a timer). */
  async compact(): Promise<void> {
    if (this.#compacting || !this.#enumerated || this.#closed) return;
    this.#compacting = true;
    this.#compaction = this.#compactAndCheckpoint();
    try {
      await this.#compaction;
    } finally {
      this.#compacting = false;
    }
  }

  async #compactAndCheckpoint(): Promise<void> {
    await this.#dropOldSegments();
    const every = this.#options.checkpointSegments;
    // A checkpoint reads every live meta back: waiting for half as many new segments as the spool
    // spans keeps the cost of all checkpoints proportional to what is written.
    const due = Math.max(every, Math.ceil((this.#writer.segment - (this.#segments[0] ?? 0)) / 2));
    if (every > 0 && this.#writer.segment - this.#checkpointed >= due) await this.checkpoint();
  }

  async #dropOldSegments(): Promise<void> {
    for (;;) {
      const oldest = this.#segments[0];
      if (oldest === undefined || oldest === this.#writer.segment) return;
      const live = this.#index.live(oldest);
      if (live === 0) {
        if (this.#readers.busy(oldest)) return;
        await this.#deleteSegment(oldest);
        continue;
      }
      if (live < this.#index.records(oldest) * this.#options.relocateBelow) await this.#relocate(oldest);
      return;
    }
  }

  async #open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    this.#lockHandle = await takeSpoolLock(this.#dir);
    const segments = await listSegments(this.#dir);
    const started = Date.now();
    const replay = segments.length > 0 && this.#options.checkpointSegments > 0 ? await this.#loadSnapshot(segments) : segments;
    // Snapshots off: one left from before must not be loaded later, when it may be far behind.
    if (this.#options.checkpointSegments === 0) await rm(snapshotPath(this.#dir), { force: true });
    for (const seg of replay) {
      const scan = { validBytes: 0, trailingBytes: 0 };
      const visit: RecordVisitor = (header, offset, chunk, at) => {
        this.#index.apply(header.type, { bytes: chunk, at: at + ID_OFFSET }, seg, offset, header.metaLength, header.length - HEADER - header.metaLength, header.dataCrc);
      };
      for await (const _ of scanSegment(this.#dir, seg, visit, scan));
      if (scan.trailingBytes > 0) {
        const torn = seg === segments.at(-1);
        this.#options.log?.(torn ? 'info' : 'error', `spool segment ${seg}: ignored ${scan.trailingBytes} bytes after the last valid record${torn ? ' (a write torn by a crash, never acknowledged)' : ' (corruption: records after this point are lost)'}`);
      }
    }
    this.#segments = segments;
    this.#recovered = replay;
    if (segments.length > 0) {
      this.#options.log?.('info', `spool: indexed ${this.#index.size} messages from ${segments.length} segments in ${Date.now() - started} ms`);
    } else {
      this.#enumerated = true;
    }
    const next = (segments.at(-1) ?? 0) + 1;
    await this.#writer.open(next);
    this.#segments.push(next);
    this.#timer = setInterval(() => void this.compact().catch((e: Error) => this.#options.log?.('error', `spool compaction failed: ${e.message}`)), this.#options.compactIntervalMs);
    this.#timer.unref();
  }

  /**
   * Loads the index snapshot if there is a good one; returns the segments still to replay (those
   * from its cover on, or all of them: a snapshot that is missing or fails a check is not used).
   */
  async #loadSnapshot(segments: number[]): Promise<number[]> {
    const t0 = Date.now();
    const loaded = await loadSnapshot(this.#dir, this.#index);
    if ('ignored' in loaded) {
      this.#index = new SpoolIndex();
      this.#options.log?.(loaded.ignored === 'there is none' ? 'info' : 'warn', `spool: index snapshot not used: ${loaded.ignored}; scanning all ${segments.length} segments`);
      return segments;
    }
    const dropped = this.#index.restored(new Set(segments));
    this.#snapshotCover = this.#checkpointed = loaded.cover;
    const replay = segments.filter((s) => s >= loaded.cover);
    this.#options.log?.('info', `spool: index snapshot loaded in ${Date.now() - t0} ms: ${loaded.entries - dropped} messages (${dropped} in deleted segments dropped), ${replay.length} of ${segments.length} segments to replay`);
    return replay;
  }

  /** Indexes a record just written at `at`. */
  #place(type: RecordType, id: string, at: RecordLocation, record: EncodedRecord): void {
    this.#track(at.segment);
    this.#index.apply(type, id, at.segment, at.offset, record.metaLength, record.dataLength, record.dataCrc);
  }

  /** Notes a segment written to (segments are created by the writer as it rolls). */
  #track(seg: number): void {
    if (this.#segments.at(-1) !== seg) this.#segments.push(seg);
  }

  /** Copies every message that still points into `seg` to the head of the log. */
  async #relocate(seg: number): Promise<void> {
    for (const id of this.#index.idsIn(seg)) {
      const before = this.#index.get(id);
      if (!before) continue;
      const message = await this.load(id).catch(() => undefined);
      // Skip if it was removed or its meta changed while we read it: the newer record stands.
      if (!message || !sameMeta(this.#index.get(id), before)) continue;
      const record = encodeRecord(RecordType.Store, id, metaJson(message), message.getData());
      const at = await this.#writer.append(record);
      if (sameMeta(this.#index.get(id), before)) this.#place(RecordType.Store, id, at, record);
    }
  }

  async #deleteSegment(seg: number): Promise<void> {
    await this.#readers.forget(seg);
    await unlink(segmentPath(this.#dir, seg));
    this.#segments.shift();
    this.#index.dropSegment(seg);
  }

}

const sameMeta = (now: Location | undefined, before: Location): boolean => now !== undefined && now.metaSeg === before.metaSeg && now.metaOff === before.metaOff;

function notFound(id: string): MtaKitError {
  return new MtaKitError('E_NOT_FOUND', `message ${id} is not in the spool`);
}

