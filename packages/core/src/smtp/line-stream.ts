import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import type { SMTPServerDataStream } from 'smtp-server';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const LF_DOT = Buffer.from('\n.');

/**
 * smtp-server's command parser ends a command line at LF with or without CR. RFC 5321 §2.3.8
 * allows only CRLF; a line ended by a bare LF is what SMTP smuggling and command injection ride
 * on. This parser notes, for each line end it will hand over, whether it was a bare LF, so the
 * connection can refuse that command (`takeBareLf`, one call per command, in order).
 *
 * In data mode it finds line-leading dots with `indexOf` instead of smtp-server's JavaScript loop
 * over every byte of the message (the hottest function of the listener in a CPU profile); what it
 * does with them is smtp-server's `_feedDataStream`, step for step (MIT, Andris Reinman).
 */
export class StrictLineStream extends SMTPStream {
  readonly #bareLf: boolean[] = [];
  #previous = 0;

  override _write(chunk: Buffer, encoding: BufferEncoding | 'buffer', next: (error?: Error | null) => void): void {
    if (!this._dataMode && !this.isClosed && chunk && chunk.length > 0) {
      for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
        this.#bareLf.push((i > 0 ? chunk[i - 1] : this.#previous) !== CR);
      }
      this.#previous = chunk[chunk.length - 1] as number;
    }
    super._write(chunk, encoding, next);
  }

  override startDataMode(maxBytes?: number | string | null): SMTPServerDataStream {
    // Whatever followed DATA in the same chunk is message content, not command lines.
    this.#bareLf.length = 0;
    this.#previous = 0;
    return super.startDataMode(maxBytes);
  }

  override _feedDataStream(input: Buffer, done: (error?: Error | null) => void): void {
    const dataStream = this._dataStream as SMTPServerDataStream;
    let chunk = input;
    if (this._lastBytes && this._lastBytes.length > 0) {
      chunk = Buffer.concat([this._lastBytes, chunk], this._lastBytes.length + chunk.length);
      this._lastBytes = false;
    }
    const len = chunk.length;
    // At the very start only: ".<CRLF>" is the end of an empty message, ".." an escaped dot.
    if (this._atDataStart && len >= 3 && chunk[0] === DOT && chunk[1] === CR && chunk[2] === LF) {
      return this._endDataMode(false, chunk.subarray(3), done);
    }
    if (this._atDataStart && len >= 2 && chunk[0] === DOT && chunk[1] === DOT) {
      chunk = chunk.subarray(1);
      this._atDataStart = false;
    }
    const end = chunk.length - 2;
    // A dot at i (2 <= i < end) that starts a line: the terminator, or an escape dot to drop.
    for (let lf = chunk.indexOf(LF_DOT, 1); lf !== -1 && lf + 1 < end; lf = chunk.indexOf(LF_DOT, lf + 1)) {
      const i = lf + 1;
      if (chunk[i - 2] === CR && chunk[i + 1] === CR && chunk[i + 2] === LF) {
        const content = chunk.subarray(0, i);
        this._countDataBytes(content.length);
        return this._endDataMode(content, chunk.subarray(i + 3), done);
      }
      if (chunk[i + 1] === DOT) {
        const content = chunk.subarray(0, i);
        this._lastBytes = false;
        this._countDataBytes(content.length);
        if (dataStream.writable) dataStream.write(content);
        const rest = chunk.subarray(i + 1);
        setImmediate(() => this._feedDataStream(rest, done));
        return;
      }
    }
    // The last 4 bytes wait for the next chunk: they may be the start of the terminator.
    this._lastBytes = chunk.length < 4 ? chunk : chunk.subarray(chunk.length - 4);
    if (this._lastBytes.length === chunk.length) return done();
    const content = chunk.subarray(0, chunk.length - this._lastBytes.length);
    this._countDataBytes(content.length);
    if (!dataStream.writable || dataStream.write(content) || dataStream.destroyed) return done();
    // A stream that the application destroys never drains, it only closes.
    const onDrain = (): void => {
      dataStream.removeListener('drain', onDrain);
      dataStream.removeListener('close', onDrain);
      done();
    };
    dataStream.once('drain', onDrain);
    dataStream.once('close', onDrain);
  }

  /** Whether the command being dispatched was ended by a bare LF. */
  takeBareLf(): boolean {
    return this.#bareLf.shift() ?? false;
  }
}
