import type { Socket } from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { dotStuffed } from './dot-stuff.js';

/** The parts of nodemailer's connection (its pinned version) the message writer uses. */
interface Internals {
  _socket: Socket;
  _destroyed: boolean;
  _responseActions: Array<(reply: string) => void>;
  _actionSMTPStream(reply: string, callback: unknown): void;
  logger: Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', (entry: { tnx?: string; [field: string]: unknown }, message: unknown, ...args: unknown[]) => void>;
  close(): void;
}

/** What nodemailer's `send` does with the stream `_createSendStream` returns, for a Buffer message. */
interface SendStream {
  outByteCount: number;
  write(chunk: Buffer): void;
  end(): void;
}

/**
 * nodemailer's SMTP client connection, writing the message after DATA in one socket write.
 * nodemailer pipes it through a Transform that looks at every byte in JavaScript (dot-stuffing
 * and line-end repair) and writes the body and the final dot separately; for messages already in
 * canonical form (all of ours: the listener spooled them that way) `dotStuffed` checks the line
 * ends natively and copies once. Only SMTP (one reply after the data) is needed: mtakit never
 * opens LMTP sessions with it.
 */
export class DataConnection extends SMTPConnection {
  /**
   * `transcript` takes nodemailer's log calls as they are made: every call in its pinned
   * smtp-connection passes an entry object first, so the closure per level that nodemailer wraps
   * around a given logger (a copy of each entry with its defaults, a `delete`, two rest arrays per
   * line) is skipped. Only `entry.tnx` is read.
   */
  constructor(options: SMTPConnection.Options, transcript?: Internals['logger']) {
    super(options);
    if (transcript) (this as unknown as Internals).logger = transcript;
  }

  /** Called by nodemailer's `send` once the envelope is accepted. */
  _createSendStream(callback: unknown): SendStream {
    const self = this as unknown as Internals;
    self._responseActions.push((reply) => self._actionSMTPStream(reply, callback));
    const chunks: Buffer[] = [];
    const stream: SendStream = {
      outByteCount: 0,
      write: (chunk) => void chunks.push(chunk),
      end: () => {
        if (self._destroyed) return;
        if (self._socket.destroyed) return self.close();
        const source = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        const out = dotStuffed(source);
        stream.outByteCount = out.length;
        self._socket.write(out);
        self.logger.info({ tnx: 'message', inByteCount: source.length, outByteCount: out.length }, '<%s bytes encoded mime message (source size %s bytes)>', out.length, source.length);
      },
    };
    return stream;
  }
}
