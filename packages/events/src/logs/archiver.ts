import { rm } from 'node:fs/promises';
import { compressSegment } from './compress-segment.js';
import { listSegments } from './query.js';

export interface LogArchiverOptions {
  dir: string;
  /** Delete segments whose newest record is older than this (ms); unset keeps everything. */
  retentionMs?: number;
  /** How often to look for rolled segments (ms, default 30 s). */
  intervalMs?: number;
  level?: number;
  now?: () => number;
  warn?: (message: string) => void;
}

/**
 * Compresses rolled log segments and applies retention. The newest plain segment is the one the
 * writer appends to, so it is left alone; every older plain segment is complete and is compressed.
 * Works from what is on disk, so segments left plain by a crash are picked up on the next pass.
 */
export class LogArchiver {
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  compressedBytes = 0;
  rawBytes = 0;

  constructor(private readonly options: LogArchiverOptions) {}

  start(): void {
    this.#timer = setInterval(() => void this.runOnce(), this.options.intervalMs ?? 30_000);
    this.#timer.unref();
    void this.runOnce();
  }

  /** One pass; concurrent calls share it. */
  runOnce(): Promise<void> {
    this.#pass ??= this.#run().catch((e: Error) => this.options.warn?.(`log archiver: ${e.message}`)).finally(() => {
      this.#pass = undefined;
    });
    return this.#pass;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pass;
  }

  async #run(): Promise<void> {
    const segments = await listSegments(this.options.dir);
    const plain = segments.filter((s) => !s.compressed);
    for (const segment of plain.slice(0, -1)) {
      const r = await compressSegment(segment.path, this.options.level ?? 3);
      this.rawBytes += r.rawBytes;
      this.compressedBytes += r.compressedBytes;
    }
    if (this.options.retentionMs === undefined) return;
    const cutoff = (this.options.now ?? Date.now)() - this.options.retentionMs;
    const all = await listSegments(this.options.dir);
    // A segment's records end where the next segment starts; the newest is never expired.
    for (const [i, segment] of all.slice(0, -1).entries()) {
      const end = (all[i + 1]?.startTs ?? Number.POSITIVE_INFINITY) * 1000;
      if (end >= cutoff) break;
      await rm(segment.path, { force: true });
      if (segment.compressed) await rm(`${segment.path}.idx`, { force: true });
    }
  }
}
