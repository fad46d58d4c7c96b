import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { StrictLineStream } from './line-stream.js';

/** A 4xx/5xx reply as it leaves, for counting and logging (see `MtaSmtpServerOptions.onRejection`). */
export interface RejectionReply {
  code: number;
  text: string;
  session: unknown;
  remoteAddress: string;
}

export interface MtaSmtpServerOptions extends SMTPServerOptions {
  /**
   * How long to hold the greeting of a new client, in ms: a client that talks before it is an
   * early talker and gets 421. 0 greets at once (no timer). Default: smtp-server's 100 ms.
   */
  greetPause?: (remoteAddress: string) => number | Promise<number>;
  /**
   * Asked for each new connection with the number open (this one included): a reply text
   * ("4.3.2 Too many connections…") refuses it with 421, undefined admits it.
   */
  admitConnection?: (open: number) => string | undefined;
  /**
   * HELO/EHLO with a well-formed argument, before the reply: a rejection (an Error with
   * `responseCode`, its text led by the enhanced code) is sent instead of 250.
   */
  onHelo?: (domain: string, session: unknown) => Promise<void> | void;
  /** Every 4xx/5xx reply sent (after its enhanced code is settled). */
  onRejection?: (reply: RejectionReply) => void;
}

/**
 * smtp-server's `SMTPServer` with mtakit's connection class. smtp-server has no option for what
 * mtakit needs (exact enhanced codes, a greeting pause per client, strict command lines), so
 * this subclasses it; only servers built from this class behave differently, any other
 * `SMTPServer` in the process keeps its stock behaviour.
 */
export class MtaSmtpServer extends SMTPServer {
  declare options: SMTPServer['options'] & MtaSmtpServerOptions;
  #local: { localAddress?: string; localPort?: number } | undefined;
  // One listener each for every connection, not two closures per connection.
  readonly #onConnectionError = (err: Error): void => this._onError(err);
  readonly #onClientConnect = (data: Parameters<SMTPServer['_onClientConnect']>[0]): void => this._onClientConnect(data);

  constructor(options: MtaSmtpServerOptions) {
    // TCP_NODELAY set as the socket is accepted, as smtp-server wants it (its own setNoDelay call
    // then finds it set and does nothing).
    super({ noDelay: true, ...options });
  }

  /**
   * Without a PROXY header to read, smtp-server only makes a session id here (from
   * `crypto.randomBytes` and a BigInt, per connection); a per-process prefix and a counter serve.
   */
  override _handleProxy(socket: Socket, callback: Parameters<SMTPServer['_handleProxy']>[1]): void {
    if (this._expectsProxyHeader(socket)) return super._handleProxy(socket, callback);
    const ignore = Boolean(this.options.ignoredHosts?.includes(socket.remoteAddress ?? ''));
    // At once, not in a setImmediate as smtp-server does: nothing is waited for, and the session
    // (with its greeting) starts in the turn that accepted the socket.
    callback(null, { id: `${SESSION_PREFIX}${(nextSession++).toString(32).padStart(8, '0')}`, ignore, ...this.#localAddress() });
  }

  /**
   * The address clients connect to when the listener is bound to one (not a wildcard): given to
   * each connection so that it does not ask the kernel (`getsockname`) per socket.
   */
  #localAddress(): { localAddress?: string; localPort?: number } {
    if (this.#local === undefined) {
      const bound = this.server.address();
      this.#local = typeof bound === 'object' && bound && !WILDCARDS.has(bound.address) ? { localAddress: bound.address, localPort: bound.port } : {};
    }
    return this.#local;
  }

  /** Same steps as SMTPServer#connect, with MtaSmtpConnection. */
  override connect(socket: Socket | TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new MtaSmtpConnection(this, socket, socketOptions ?? undefined);
    this.connections.add(connection);
    connection.on('error', this.#onConnectionError);
    connection.on('connect', this.#onClientConnect);
    connection.init();
  }
}

/** Session ids: 8 random base-32 digits for this process, then a counter (16 digits, like smtp-server's). */
const SESSION_PREFIX = randomBytes(5).readUIntBE(0, 5).toString(32).padStart(8, '0');
let nextSession = 0;

/** Replies that change the connection's state must leave at once (TLS upgrade, close). */
const UNCORKED_CODES = new Set([220, 221, 421]);
const WILDCARDS = new Set(['0.0.0.0', '::']);
const LEADING_ESC = /^([245]\.\d{1,3}\.\d{1,3}) (.*)$/s;
const DEFAULT_GREET_PAUSE_MS = 100;
/** ESMTP parameters of the extensions we advertise (RFC 1870 SIZE, 6152 BODY, 6531 SMTPUTF8, 4954 AUTH). */
const MAIL_PARAMS = new Set(['SIZE', 'BODY', 'SMTPUTF8', 'AUTH']);
const DSN_MAIL_PARAMS = ['RET', 'ENVID'];
const DSN_RCPT_PARAMS = new Set(['NOTIFY', 'ORCPT']);
const NO_PARAMS = new Set<string>();

/**
 * One connection. What differs from smtp-server's:
 * - the greeting pause comes from `greetPause(remoteAddress)` instead of a fixed 100 ms;
 * - a reply text that starts with an enhanced code ("5.7.1 Relaying denied") keeps that code
 *   instead of the one derived from the basic code (550 would always be 5.1.1);
 * - AUTH is not advertised in EHLO before STARTTLS (it is refused there anyway);
 * - every 4xx/5xx reply is reported to `onRejection`;
 * - after QUIT the socket is closed as soon as the 221 is out;
 * - replies to a pipelined group go out in one write (RFC 2920 clients send MAIL, RCPT and DATA
 *   together; each write is a syscall);
 * - a command line holding a bare CR, or ended by a bare LF, is refused with 500 5.5.2, and an
 *   ESMTP parameter of an extension we do not offer with 555 5.5.4 (RFC 5321 §4.1.1.11).
 */
class MtaSmtpConnection extends SMTPConnection {
  declare _server: MtaSmtpServer;

  override init(): void {
    this._setListeners(() => {
      const server = this._server;
      const refusal = server.options.admitConnection?.(server.connections.size);
      if (refusal !== undefined) {
        // Closed as soon as the reply is out, not after the client's FIN: a refused socket must
        // give its descriptor back at once.
        this._socket.once('finish', () => this._socket.destroy());
        this.send(421, refusal);
        return;
      }
      if (server.options.maxClients && server.connections.size > server.options.maxClients) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      const pause = server.options.greetPause ? server.options.greetPause(this.remoteAddress) : DEFAULT_GREET_PAUSE_MS;
      if (typeof pause === 'number') this.#greetAfter(pause);
      else pause.then((ms) => this.#greetAfter(ms), () => this.#greetAfter(DEFAULT_GREET_PAUSE_MS));
    });
  }

  #greetAfter(ms: number): void {
    if (this._closing || this._closed) return;
    if (ms <= 0) return this.connectionReady();
    setTimeout(() => this.connectionReady(), ms).unref();
  }

  /**
   * The socket is closed once the 221 is out, without waiting for the client's FIN: most clients
   * (smtp-source, many libraries) close without reading the 221 or with a reset, and reading that
   * reset made an error object (with a stack trace) per session. On a plain socket whose 221 went
   * out in the write itself (the usual case), the socket is closed right away: `close(2)` sends
   * it and the FIN, so the `shutdown(2)`, the wait for it and smtp-server's 5 s half-close timer
   * are saved. TLS ends as before (its close_notify alert comes with the end).
   */
  override handler_QUIT(_command: Buffer, callback: () => void): void {
    this.send(221, 'Bye');
    const socket = this._socket;
    if (this.secure || socket.writableLength > 0) {
      socket.once('finish', () => socket.destroy());
      this.close();
    } else {
      this._server.connections.delete(this);
      this._closing = true;
      // Nothing the client sent after QUIT is run.
      if (this._parser) this._parser.isClosed = true;
      socket.destroy();
    }
    callback();
  }

  override handler_EHLO(command: Buffer, callback: () => void): void {
    this.#helo(command, callback, () => super.handler_EHLO(command, callback));
  }

  override handler_HELO(command: Buffer, callback: () => void): void {
    this.#helo(command, callback, () => super.handler_HELO(command, callback));
  }

  /** Asks `onHelo` first; malformed commands go straight to smtp-server, which answers 501. */
  #helo(command: Buffer, callback: () => void, next: () => void): void {
    const hook = this._server.options.onHelo;
    if (!hook) return next();
    const parts = command.toString().trim().split(/\s+/);
    if (parts.length !== 2) return next();
    Promise.resolve(hook(parts[1] as string, this.session)).then(next, (error: Error & { responseCode?: number }) => {
      this.send(error.responseCode ?? 550, error.message);
      callback();
    });
  }

  override _createParser(): StrictLineStream {
    const parser = new StrictLineStream({ maxCommandLength: this._server.options.maxCommandLength });
    parser.oncommand = (command, callback) => this._onCommand(command, callback);
    parser.on('error', (err: Error) => this.send(421, `Error: ${err.message}`));
    return parser;
  }

  override _onCommand(command: Buffer, callback?: () => void): void {
    const bareLf = this._parser instanceof StrictLineStream && this._parser.takeBareLf();
    if (this._ready && !this._upgrading && (bareLf || command.includes(13))) {
      this.send(500, '5.5.2 Bare CR or LF in a command line refused');
      setImmediate(() => this._whenWritable(callback ?? (() => undefined)));
      return;
    }
    super._onCommand(command, callback);
  }

  /**
   * smtp-server calls this right after parsing MAIL or RCPT (`keys` tells which), so the unknown
   * parameter check rides on its parse instead of parsing the command again.
   */
  override _rejectInvalidParams(parsed: Parameters<SMTPConnection['_rejectInvalidParams']>[0], keys: string[], callback: () => void): boolean {
    const mail = keys.includes('BODY');
    const known = mail ? this.#mailParams() : this._server.options.hideDSN ? NO_PARAMS : DSN_RCPT_PARAMS;
    const unknown = parsed.args ? Object.keys(parsed.args).find((key) => !known.has(key)) : undefined;
    if (unknown === undefined) return super._rejectInvalidParams(parsed, keys, callback);
    this.send(555, `5.5.4 ${mail ? 'MAIL' : 'RCPT'} parameter not recognized: ${unknown.slice(0, 32)}`);
    callback();
    return true;
  }

  #mailParams(): ReadonlySet<string> {
    const options = this._server.options;
    if (options.hideDSN && options.hideREQUIRETLS) return MAIL_PARAMS;
    return new Set([...MAIL_PARAMS, ...(options.hideDSN ? [] : DSN_MAIL_PARAMS), ...(options.hideREQUIRETLS ? [] : ['REQUIRETLS'])]);
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    let out = data;
    let ctx = context;
    if (Array.isArray(data) && !this.secure) {
      out = data.filter((line) => !line.startsWith('AUTH '));
    } else if (typeof data === 'string') {
      const m = LEADING_ESC.exec(data);
      if (m && (m[1] as string)[0] === String(code)[0]) {
        out = `${m[1]} ${m[2]}`;
        ctx = false;
      }
    }
    if (code >= 400) {
      this._server.options.onRejection?.({ code, text: Array.isArray(out) ? out.join(' ') : (out ?? ''), session: this.session, remoteAddress: this.remoteAddress });
    }
    this.#coalesce(code);
    super.send(code, out, ctx);
  }

  /**
   * Holds replies until the next-but-one turn of the event loop: smtp-server processes each
   * pipelined command in its own `setImmediate`, so this spans the whole pipelined group. Replies
   * to lone commands are held too: writing them at once, inside the read that brought the
   * command, costs more CPU per message (measured: `bench/smtp-listener-cost.mjs`, reused
   * sessions, ~20 % more), though it makes no more system calls.
   */
  #coalesce(code: number): void {
    const socket = this._socket;
    if (!socket || UNCORKED_CODES.has(code) || socket.writableCorked > 0) return;
    socket.cork();
    setImmediate(uncorkLater, socket);
  }
}

function uncorkLater(socket: Socket): void {
  setImmediate(uncork, socket);
}

function uncork(socket: Socket): void {
  socket.uncork();
}
