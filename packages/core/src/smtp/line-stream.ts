import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import type { SMTPServerDataStream } from 'smtp-server';

const LF = 0x0a;
const CR = 0x0d;

/**
 * smtp-server's command parser ends a command line at LF with or without CR. RFC 5321 §2.3.8
 * allows only CRLF; a line ended by a bare LF is what SMTP smuggling and command injection ride
 * on. This parser notes, for each line end it will hand over, whether it was a bare LF, so the
 * connection can refuse that command (`takeBareLf`, one call per command, in order).
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

  /** Whether the command being dispatched was ended by a bare LF. */
  takeBareLf(): boolean {
    return this.#bareLf.shift() ?? false;
  }
}
