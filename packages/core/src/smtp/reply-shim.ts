import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/**
 * smtp-server renders every reply in one method, `send(code, data, context)`, and picks the
 * enhanced status code from the basic code alone (550 always becomes 5.1.1). mtakit needs exact
 * codes (550 5.7.1 for relaying denied, 552 5.3.4 for size…) and a single place to count and log
 * rejections, so this wraps that one method, once per process:
 *
 * - a reply text that starts with an enhanced code ("5.7.1 Relaying denied") keeps that code
 *   instead of the derived one;
 * - AUTH is not advertised in EHLO before STARTTLS (it is refused there anyway);
 * - every 4xx/5xx reply is reported to the server's observer (counted and logged as Rejection);
 * - replies to pipelined commands go out in one write: each write to a loopback or LAN socket is
 *   an expensive syscall, and a pipelining client (RFC 2920) sends MAIL, RCPT and DATA together.
 */
export interface ReplyObserver {
  (reply: { code: number; text: string; session: unknown; remoteAddress: string }): void;
}

export const REPLY_OBSERVER = Symbol('mtakit.replyObserver');

interface ShimConnection {
  secure: boolean;
  session: unknown;
  remoteAddress: string;
  _socket: { cork(): void; uncork(): void; writableCorked: number } | undefined;
  _server: { [REPLY_OBSERVER]?: ReplyObserver };
}

/** Replies that change the connection's state must leave at once (TLS upgrade, close). */
const UNCORKED_CODES = new Set([220, 221, 421]);

const LEADING_ESC = /^([245]\.\d{1,3}\.\d{1,3}) (.*)$/s;
let installed = false;

export function installReplyShim(): void {
  if (installed) return;
  installed = true;
  const proto = SMTPConnection.prototype as unknown as { send(code: number, data: unknown, context?: unknown): void };
  const original = proto.send;
  proto.send = function send(this: ShimConnection, code: number, data: unknown, context?: unknown) {
    let out = data;
    let ctx = context;
    if (Array.isArray(data) && !this.secure) {
      out = data.filter((line) => !(typeof line === 'string' && line.startsWith('AUTH ')));
    } else if (typeof data === 'string') {
      const m = LEADING_ESC.exec(data);
      if (m && (m[1] as string)[0] === String(code)[0]) {
        out = `${m[1]} ${m[2]}`;
        ctx = false;
      }
    }
    if (code >= 400) {
      this._server[REPLY_OBSERVER]?.({ code, text: String(Array.isArray(out) ? out.join(' ') : out ?? ''), session: this.session, remoteAddress: this.remoteAddress });
    }
    coalesce(this, code);
    original.call(this, code, out, ctx);
  };
}

/**
 * Holds replies until the next-but-one turn of the event loop: smtp-server processes each
 * pipelined command in its own `setImmediate`, so this spans the whole pipelined group.
 */
function coalesce(connection: ShimConnection, code: number): void {
  const socket = connection._socket;
  if (!socket || UNCORKED_CODES.has(code) || socket.writableCorked > 0) return;
  socket.cork();
  setImmediate(() => setImmediate(() => socket.uncork()));
}
