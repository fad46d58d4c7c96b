import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Batcher } from '../util/batcher.js';
import type { LogRecord } from './records.js';

export interface JsonlLogWriterOptions {
  /** Directory for log segments; created if missing. */
  dir: string;
  /** Start a new segment after this many bytes. Default 256 MiB. */
  maxFileBytes?: number;
  /** Start a new segment after this long, in ms. Default: no time limit. */
  maxSegmentMs?: number;
  /** Clock for segment names (UTC `YYYYMMDD-HHMMSS`). */
  now?: () => number;
}

/**
 * Writes log records as JSON lines into size/time-rolled segment files named by their start time
 * (`20260101-120000.jsonl`). Records written in the same tick go out in one write; `write`
 * resolves once its record is in the file, so a caller can remove a message from the spool only
 * after its terminal record is written.
 */
export class JsonlLogWriter {
  readonly #options: Required<Omit<JsonlLogWriterOptions, 'maxSegmentMs'>> & { maxSegmentMs: number | undefined };
  #handle: FileHandle | undefined;
  #size = 0;
  #openedAt = 0;
  readonly #batcher = new Batcher<string, void>((lines) => this.#writeLines(lines));
  #closed = false;
  #segments = 0;

  constructor(options: JsonlLogWriterOptions) {
    this.#options = { maxFileBytes: 256 * 1024 * 1024, now: Date.now, ...options, maxSegmentMs: options.maxSegmentMs };
  }

  /** Path of the current segment (undefined before the first record). */
  current: string | undefined;

  write(record: LogRecord): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#batcher.submit(`${JSON.stringify(record)}\n`);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#batcher.drained();
    await this.#handle?.close();
    this.#handle = undefined;
  }

  /** Appends one batch of lines (records written in the same tick go out in one write). */
  async #writeLines(lines: string[]): Promise<void[]> {
    if (!this.#handle) await mkdir(this.#options.dir, { recursive: true });
    await this.#rollIfNeeded();
    const bytes = Buffer.from(lines.join(''), 'utf8');
    let written = 0;
    while (written < bytes.length) written += (await (this.#handle as FileHandle).write(bytes, written)).bytesWritten;
    this.#size += bytes.length;
    return [];
  }

  async #rollIfNeeded(): Promise<void> {
    const now = this.#options.now();
    const tooBig = this.#size >= this.#options.maxFileBytes;
    const tooOld = this.#options.maxSegmentMs !== undefined && now - this.#openedAt >= this.#options.maxSegmentMs;
    if (this.#handle && !tooBig && !tooOld) return;
    await this.#handle?.close();
    const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    this.current = join(this.#options.dir, `${stamp}-${String(this.#segments++).padStart(4, '0')}.jsonl`);
    this.#handle = await open(this.current, 'a');
    this.#size = 0;
    this.#openedAt = now;
  }
}
