import { open, type FileHandle } from 'node:fs/promises';
import { MtaKitError } from '@mtakit/core';
import type { EncodedRecord } from './record-format.js';
import { segmentPath, syncDirectory } from './segment-files.js';

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

interface Pending {
  record: EncodedRecord;
  resolve: (location: RecordLocation) => void;
  reject: (error: unknown) => void;
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
  #pending: Pending[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;

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
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
      if (!this.#draining) this.#draining = this.#drain();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#draining;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  /**
   * Writes batches until nothing is pending. `#draining` is cleared in the same synchronous step
   * that finds the queue empty — not after an await — so an append made by a caller that the last
   * batch resumed always starts a new drain instead of waiting forever.
   */
  async #drain(): Promise<void> {
    for (;;) {
      if (this.#pending.length === 0) {
        this.#draining = undefined;
        return;
      }
      const batch = this.#pending;
      this.#pending = [];
      try {
        if (this.#size >= this.#options.segmentBytes) await this.#startSegment(this.#segment + 1);
        const locations = await this.#writeBatch(batch);
        batch.forEach((p, i) => p.resolve(locations[i] as RecordLocation));
      } catch (error) {
        const failure = new MtaKitError('E_SPOOL', `spool write failed: ${(error as Error).message}`, { cause: error });
        for (const p of batch) p.reject(failure);
      }
    }
  }

  async #writeBatch(batch: Pending[]): Promise<RecordLocation[]> {
    const handle = this.#handle;
    if (!handle) throw new MtaKitError('E_CLOSED', 'spool is not open');
    const start = this.#size;
    const locations: RecordLocation[] = [];
    const buffers: Buffer[] = [];
    let at = start;
    for (const { record } of batch) {
      locations.push({ segment: this.#segment, offset: at });
      buffers.push(...record.buffers);
      at += record.length;
    }
    const bytes = Buffer.concat(buffers, at - start);
    try {
      let written = 0;
      while (written < bytes.length) {
        const r = await handle.write(bytes, written, bytes.length - written, start + written);
        written += r.bytesWritten;
      }
      const t0 = performance.now();
      if (this.#options.fsync) await handle.datasync();
      this.#options.onBatch?.(batch.length, bytes.length, performance.now() - t0);
    } catch (error) {
      // Never leave a partial record in the middle of a segment: cut it off, or move on.
      await handle.truncate(start).catch(() => this.#startSegment(this.#segment + 1));
      throw error;
    }
    this.#size = at;
    return locations;
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
