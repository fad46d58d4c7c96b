import { writeSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MtaKitError } from '../errors.js';
import { Batcher } from '../util/batcher.js';
import { recordJson, type LogRecord } from './records.js';

/** The buffer each batch's lines are encoded into, reused; a batch that does not fit goes out in parts. */
const ENCODE_BYTES = 256 * 1024;

/** The writer's health: `ok: false` from the first failed write until a write succeeds again. */
export interface LogWriterState {
  ok: boolean;
  /** Why writes fail (its `cause` is the system error: ENOSPC, EMFILE, …). */
  error?: MtaKitError;
  path?: string | undefined;
}

export interface JsonlLogWriterOptions {
  /** Directory for log segments; created if missing. */
  dir: string;
  /** Start a new segment after this many bytes. Default 256 MiB. */
  maxFileBytes?: number;
  /** Start a new segment after this long, in ms. Default: no time limit. */
  maxSegmentMs?: number;
  /** Clock for segment names (UTC `YYYYMMDD-HHMMSS`). */
  now?: () => number;
  /**
   * Called when writes start failing and when they work again. Default: one line on stderr each
   * time (stderr, because the disk of the log may be the full one).
   */
  onStateChange?: (state: LogWriterState) => void;
}

/**
 * Writes log records as JSON lines into size/time-rolled segment files named by their start time
 * (`20260101-120000.jsonl`). Records written in the same tick go out in one write; `write`
 * resolves once its record is in the file, so a caller can remove a message from the spool only
 * after its terminal record is written.
 *
 * A failed write (disk full, out of file descriptors) rejects the records of its batch with
 * `E_LOG_WRITE` and never throws anywhere else: the segment is cut back to its last whole line
 * and closed, and the next batch opens a new segment, so writing resumes by itself when space or
 * descriptors return.
 */
export class JsonlLogWriter {
  readonly #options: Required<Omit<JsonlLogWriterOptions, 'maxSegmentMs'>> & { maxSegmentMs: number | undefined };
  #failing: MtaKitError | undefined;
  #handle: FileHandle | undefined;
  #size = 0;
  #openedAt = 0;
  readonly #batcher = new Batcher<string[], void>((turns) => this.#writeTurns(turns));
  #encoded: Buffer | undefined;
  #closed = false;
  #segments = 0;
  /** Lines written in this turn of the event loop; they go to the batcher together at its end. */
  #turn: { lines: string[]; written: Promise<void> } | undefined;

  constructor(options: JsonlLogWriterOptions) {
    this.#options = { maxFileBytes: 256 * 1024 * 1024, now: Date.now, onStateChange: reportToStderr, ...options, maxSegmentMs: options.maxSegmentMs };
  }

  /** Path of the current segment (undefined before the first record). */
  current: string | undefined;

  /**
   * Records written in one turn of the event loop (a delivery's outcome, a transaction's
   * Receptions) go out in one write: each file write costs a syscall and a thread-pool hop.
   */
  write(record: LogRecord): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#turn) {
      const turn = { lines: [] as string[], written: Promise.resolve() };
      turn.written = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.#turn = undefined;
        return this.#batcher.submit(turn.lines);
      });
      this.#turn = turn;
    }
    this.#turn.lines.push(recordJson(record));
    return this.#turn.written;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#turn?.written.catch(() => undefined);
    await this.#batcher.drained();
    await this.#handle?.close();
    this.#handle = undefined;
  }

  /** Whether the last write succeeded (see `onStateChange`). */
  get healthy(): boolean {
    return this.#failing === undefined;
  }

  /**
   * Appends one batch: the lines of the turns that came while the previous batch was written. The
   * write itself is synchronous: it only copies into the page cache (the log is never fsynced), and
   * a thread-pool round trip per batch cost more CPU than the copy. A failed batch is cut off
   * whole (`#size` counts only finished batches), so none of its records is in the file twice
   * when they are written again.
   */
  async #writeTurns(turns: string[][]): Promise<void[]> {
    try {
      if (!this.#handle) await mkdir(this.#options.dir, { recursive: true });
      await this.#rollIfNeeded();
      this.#size += this.#encodeAndWrite((this.#handle as FileHandle).fd, turns);
    } catch (error) {
      throw await this.#failed(error);
    }
    if (this.#failing) {
      this.#failing = undefined;
      this.#options.onStateChange({ ok: true, path: this.current });
    }
    return [];
  }

  /**
   * Encodes the lines straight into one reused buffer, writing it whenever the next line might not
   * fit: no joined string and no Buffer per batch (a message's records are ~3 KB of JSON).
   * Returns the bytes written.
   */
  #encodeAndWrite(fd: number, turns: string[][]): number {
    const buffer = (this.#encoded ??= Buffer.allocUnsafeSlow(ENCODE_BYTES));
    let used = 0;
    let total = 0;
    for (const lines of turns) {
      for (const line of lines) {
        // UTF-8 takes at most 3 bytes per UTF-16 unit, plus the newline.
        const most = line.length * 3 + 1;
        if (used + most > buffer.length && used > 0) {
          total += writeFully(fd, buffer, used);
          used = 0;
        }
        if (most > buffer.length) {
          total += writeFully(fd, Buffer.from(`${line}\n`, 'utf8'));
          continue;
        }
        used += buffer.write(line, used, 'utf8');
        buffer[used++] = 0x0a;
      }
    }
    if (used > 0) total += writeFully(fd, buffer, used);
    return total;
  }

  /** Drops a partly written batch and the segment it was going to, so the next batch starts clean. */
  async #failed(error: unknown): Promise<MtaKitError> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) {
      await handle.truncate(this.#size).catch(() => undefined);
      await handle.close().catch(() => undefined);
    }
    const code = (error as { code?: unknown }).code;
    const failure = new MtaKitError('E_LOG_WRITE', `log write to ${this.current ?? this.#options.dir} failed${typeof code === 'string' ? ` (${code})` : ''}: ${(error as Error).message}`, { cause: error });
    if (!this.#failing) this.#options.onStateChange({ ok: false, error: failure, path: this.current });
    this.#failing = failure;
    return failure;
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

/** Writes `length` bytes of `bytes` (default: all), however many calls that takes; returns `length`. */
function writeFully(fd: number, bytes: Buffer, length = bytes.length): number {
  let written = 0;
  while (written < length) written += writeSync(fd, bytes, written, length - written);
  return length;
}

function reportToStderr(state: LogWriterState): void {
  const line = state.ok ? `mtakit: log writer recovered, writing to ${state.path ?? '?'}` : `mtakit: ${state.error?.message ?? 'log write failed'}; records fail until it recovers`;
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}
