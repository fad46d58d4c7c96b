import { close, fdatasync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/**
 * When an append counts as stored. `write`: once it is written to the file — in the kernel's page
 * cache, which a SIGKILL of the MTA does not lose — while an fdatasync follows in the background
 * (at most one per `syncIntervalMs`) without anyone waiting for it: a power cut can take back the
 * last few tens of milliseconds of events, as it can the MTA's JSONL log, which is never synced.
 * `fsync`: once it is also fdatasynced (group commit: one sync covers every append before it
 * started); power-cut safe, but every delivery then waits for a second sync after the spool's.
 */
export type JournalSync = 'write' | 'fsync';

export interface SegmentWriterOptions {
  sync: JournalSync;
  /** With `write`: the least time between two background syncs (ms). */
  syncIntervalMs: number;
  /**
   * With `write`: whether this writer runs the background syncs (default true). The events
   * worker's journal writer leaves them to the follower (`noteWritten`), so that the MTA's
   * thread does not wake a thread-pool thread every 50 ms.
   */
  backgroundSync?: boolean;
  warn: (message: string) => void;
}

/**
 * The journal's open segment. Appends (one per event-loop turn, see Journal#append) are synchronous
 * `write(2)` calls: a write of a few kilobytes to the page cache costs less than a trip through the
 * thread pool and back, and once it returns the bytes are the kernel's, which a SIGKILL cannot take back.
 */
export class SegmentWriter {
  readonly #options: SegmentWriterOptions;
  #fd: number | undefined;
  /** Bytes in the open segment. */
  size = 0;
  #syncing = false;
  #unsynced = false;
  #lastSyncAt = 0;
  #timer: NodeJS.Timeout | undefined;
  /** `fsync` mode: appends written but not yet covered by a sync that has started. */
  #waiters: Array<(error: Error | null) => void> = [];
  /** Syncs and closes of retired segments still in flight. */
  #retiring = new Set<Promise<void>>();

  constructor(options: SegmentWriterOptions) {
    this.#options = options;
  }

  get isOpen(): boolean {
    return this.#fd !== undefined;
  }

  /**
   * For a follower of another writer's segment: counts `length` bytes that writer appended, to be
   * covered by this one's next background sync (fdatasync flushes the file, whoever wrote it).
   */
  noteWritten(length: number): void {
    this.size += length;
    this.#unsynced = true;
    this.#scheduleSync();
  }

  /** Opens `path` for appending; the previous segment is synced and closed in the background. */
  openSegment(path: string): void {
    const old = this.#fd;
    this.#fd = openSync(path, 'a');
    this.size = fstatSync(this.#fd).size;
    if (old !== undefined) this.#retire(old);
  }

  /** Appends `bytes` (whole lines); in `fsync` mode returns a promise settled by the sync that covers it. */
  write(bytes: Buffer): Promise<void> | undefined {
    const fd = this.#fd as number;
    const length = bytes.length;
    try {
      for (let done = 0; done < length; ) done += writeSync(fd, bytes, done);
    } catch (error) {
      // Cut a partial line off, so the next append starts on a line of its own.
      try {
        ftruncateSync(fd, this.size);
      } catch {
        // The next open cuts a torn last line off anyway.
      }
      throw error;
    }
    this.size += length;
    this.#unsynced = true;
    let synced: Promise<void> | undefined;
    if (this.#options.sync === 'fsync') synced = new Promise((resolve, reject) => this.#waiters.push((e) => (e ? reject(e) : resolve())));
    if (this.#options.sync === 'fsync' || this.#options.backgroundSync !== false) this.#scheduleSync();
    return synced;
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) this.#retire(fd);
    await Promise.all(this.#retiring);
  }

  #scheduleSync(): void {
    if (this.#syncing || this.#timer || !this.#unsynced || this.#fd === undefined) return;
    const wait = this.#options.sync === 'fsync' ? 0 : this.#lastSyncAt + this.#options.syncIntervalMs - Date.now();
    if (wait <= 0) return this.#sync(this.#fd);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#scheduleSync();
    }, wait);
  }

  #sync(fd: number): void {
    const waiters = this.#waiters.splice(0);
    this.#unsynced = false;
    this.#syncing = true;
    this.#lastSyncAt = Date.now();
    fdatasync(fd, (error) => {
      this.#syncing = false;
      if (error) this.#options.warn(`event journal: fdatasync failed: ${error.message}`);
      for (const settle of waiters) settle(error);
      this.#scheduleSync();
    });
  }

  /** Syncs what was written to `fd` (settling its waiters), then closes it. */
  #retire(fd: number): void {
    const waiters = this.#waiters.splice(0);
    this.#unsynced = false;
    const done = new Promise<void>((resolve) => {
      fdatasync(fd, (error) => {
        if (error) this.#options.warn(`event journal: fdatasync failed: ${error.message}`);
        for (const settle of waiters) settle(error);
        close(fd, () => resolve());
      });
    });
    this.#retiring.add(done);
    void done.then(() => this.#retiring.delete(done));
  }
}
