import { open, type FileHandle } from 'node:fs/promises';
import { Batcher, exhaustedResource, MtaKitError } from '@mtakit/core';
import { HEADER, writeHead, type EncodedRecord } from './record-format.js';
import { segmentPath, syncDirectory } from './segment-files.js';

/** The largest head buffer kept between batches (a 2,000-message batch of 1 KB messages needs ~0.5 MB). */
const HEADS_KEPT = 4 * 1024 * 1024;

export interface RecordLocation {
  readonly segment: number;
  /** Offset of the record's first byte within the segment. */
  readonly offset: number;
}

export interface SegmentWriterOptions {
  /** Roll to a new segment once the current one reaches this size. */
  segmentBytes: number;
  /** fdatasync after each batch. Turning it off gives up durability (benchmarks only). */
  fsync: boolean;
  /** Called after a write batch is durable, with its size and how long the sync took. */
  onBatch?: (records: number, bytes: number, syncMs: number) => void;
}

/**
 * Appends records to the current segment with group commit: while one batch is being written and
 * synced, new records queue up and go out together in the next batch, so one fdatasync covers
 * every message that arrived meanwhile. `append` resolves once the record is durable.
 */
export class SegmentWriter {
  readonly #dir: string;
  readonly #options: SegmentWriterOptions;
  #segment = 0;
  #handle: FileHandle | undefined;
  #size = 0;
  readonly #batcher = new Batcher<EncodedRecord, RecordLocation>((records) => this.#writeBatch(records));
  #closed = false;
  /** The headers and metas of the batch being written (see #headBuffer). */
  #heads = Buffer.allocUnsafeSlow(0);

  constructor(dir: string, options: SegmentWriterOptions) {
    this.#dir = dir;
    this.#options = options;
  }

  get segment(): number {
    return this.#segment;
  }

  /** Starts writing at a fresh segment numbered `segment`. */
  async open(segment: number): Promise<void> {
    await this.#startSegment(segment);
  }

  append(record: EncodedRecord): Promise<RecordLocation> {
    if (this.#closed) return Promise.reject(new MtaKitError('E_CLOSED', 'spool is closed'));
    return this.#batcher.submit(record);
  }

  /** Several records in one batch, with one promise for all (an enqueue's messages). */
  appendAll(records: readonly EncodedRecord[]): Promise<RecordLocation[]> {
    if (this.#closed) return Promise.reject(new MtaKitError('E_CLOSED', 'spool is closed'));
    return this.#batcher.submitAll(records);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#batcher.drained();
    await this.#handle?.close();
    this.#handle = undefined;
  }

  /** Writes one batch with a single write and fdatasync; one location per record. */
  async #writeBatch(batch: EncodedRecord[]): Promise<RecordLocation[]> {
    try {
      if (this.#size >= this.#options.segmentBytes) await this.#startSegment(this.#segment + 1);
      return await this.#writeToSegment(batch);
    } catch (error) {
      if (error instanceof MtaKitError) throw error;
      // A full disk is typed so ingress answers 452 4.3.1, not a fault (EMFILE stays in the cause).
      throw new MtaKitError(exhaustedResource(error) === 'storage' ? 'E_SPOOL_FULL' : 'E_SPOOL', `spool write failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async #writeToSegment(batch: EncodedRecord[]): Promise<RecordLocation[]> {
    const handle = this.#handle;
    if (!handle) throw new MtaKitError('E_CLOSED', 'spool is not open');
    const start = this.#size;
    const locations: RecordLocation[] = [];
    const buffers: Buffer[] = [];
    let headBytes = 0;
    for (const record of batch) headBytes += HEADER + record.metaLength;
    const heads = this.#headBuffer(headBytes);
    let at = start;
    let h = 0;
    for (const record of batch) {
      locations.push({ segment: this.#segment, offset: at });
      writeHead(record, heads, h);
      buffers.push(heads.subarray(h, (h += HEADER + record.metaLength)));
      if (record.data) buffers.push(record.data);
      at += record.length;
    }
    try {
      // One writev of the headers and metas (one reused buffer) and the messages' own data: no
      // copy of the batch into one buffer (2.4 MB for 2,000 1 KB messages, garbage as soon as it
      // is written), no buffer per record waiting for a collection. libuv writes all of it, in
      // IOV_MAX pieces and past partial writes, or stops short when a write fails after some
      // bytes went out: then the rest is written again to get the error (ENOSPC: E_SPOOL_FULL).
      const { bytesWritten } = await handle.writev(buffers, start);
      if (bytesWritten < at - start) {
        const rest = Buffer.concat(buffers, at - start).subarray(bytesWritten);
        for (let done = 0; done < rest.length; ) done += (await handle.write(rest, done, rest.length - done, start + bytesWritten + done)).bytesWritten;
      }
      const t0 = performance.now();
      if (this.#options.fsync) await handle.datasync();
      this.#options.onBatch?.(batch.length, at - start, performance.now() - t0);
    } catch (error) {
      // Never leave a partial record in the middle of a segment: cut it off, or move on.
      await handle.truncate(start).catch(() => this.#startSegment(this.#segment + 1));
      throw error;
    }
    this.#size = at;
    return locations;
  }

  /**
   * A buffer of at least `bytes` for a batch's headers and metas. One batch is written at a time,
   * so the same one serves every batch (up to HEADS_KEPT; a larger batch gets its own).
   */
  #headBuffer(bytes: number): Buffer {
    if (this.#heads.length >= bytes) return this.#heads;
    const heads = Buffer.allocUnsafeSlow(Math.max(bytes, Math.min(this.#heads.length * 2, HEADS_KEPT)));
    if (heads.length <= HEADS_KEPT) this.#heads = heads;
    return heads;
  }

  async #startSegment(segment: number): Promise<void> {
    await this.#handle?.close();
    this.#handle = await open(segmentPath(this.#dir, segment), 'wx');
    this.#segment = segment;
    this.#size = 0;
    // The new file's directory entry must be durable too, or a crash could lose the whole segment.
    if (this.#options.fsync) await syncDirectory(this.#dir);
  }
}
