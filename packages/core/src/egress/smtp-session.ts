import { isAscii } from 'node:buffer';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPConnectionSendInfo } from 'nodemailer/lib/smtp-connection';
import type { TimeoutName, TlsMode } from '../config/egress-path.js';
import { MtaKitError } from '../errors.js';
import type { PeerAddress, SmtpResponse } from '../log/records.js';
import { DataConnection } from './data-connection.js';
import { errorResponse, isTlsFailure, parseReply, type NodemailerError } from './reply.js';
import { Transcript } from './transcript.js';

/** How long close() waits for the server to answer QUIT and drop the connection. */
const CLOSE_WAIT_MS = 2000;

export interface SmtpSessionOptions {
  /** Host name of the peer (MX name): used for SNI, certificate checks and logs. */
  host: string;
  /** Address to connect to. */
  address: string;
  port: number;
  /** Local address to bind (the egress source's `source_address`). */
  localAddress?: string | undefined;
  /** EHLO name. */
  ehloName: string;
  /** KumoMTA's `enable_tls` modes. */
  tls: TlsMode;
  timeouts: Readonly<Record<TimeoutName, number>>;
  /** Outbound AUTH PLAIN credentials. Only used over TLS unless `allowWithoutTls`. */
  auth?: { user: string; pass: string; allowWithoutTls: boolean } | undefined;
  /**
   * After a failed transaction, reset the session with RSET before reusing the connection (default
   * true); false closes the connection instead. A completed transaction needs no RSET (RFC 5321
   * §4.1.4), so none is sent after a success.
   */
  rset?: boolean;
  /** `enable_pipelining`: false sends each envelope command on its own even when PIPELINING is offered. Default true. */
  pipelining?: boolean | undefined;
}

export interface RecipientOutcome {
  recipient: string;
  response: SmtpResponse;
}

export interface TransactionResult {
  outcomes: RecipientOutcome[];
  /** The conversation of this transaction (plus the session preamble on the first one). */
  transcript: string[];
}

export interface TlsInfo {
  cipher: string;
  protocol: string;
  peerSubject: string | null;
}

/**
 * One SMTP client connection on nodemailer's `SMTPConnection`, with promises, a transcript, TLS
 * modes mapped from KumoMTA's `enable_tls`, and per-recipient outcomes. Remote rejections are
 * outcomes, not exceptions; `deliver` throws only when the connection itself broke (then every
 * recipient of the transaction is a transient failure and the session is unusable).
 */
export class SmtpSession {
  readonly options: SmtpSessionOptions;
  readonly transcript = new Transcript();
  #connection: SMTPConnection;
  #transactions = 0;
  #needsReset = false;
  #broken = false;
  #closed: Promise<void> | undefined;

  private constructor(options: SmtpSessionOptions) {
    this.options = options;
    const insecure = options.tls === 'OpportunisticInsecure' || options.tls === 'RequiredInsecure';
    const t = options.timeouts;
    this.#connection = new DataConnection({
      host: options.address,
      port: options.port,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      name: options.ehloName,
      ignoreTLS: options.tls === 'Disabled',
      requireTLS: options.tls === 'Required' || options.tls === 'RequiredInsecure',
      opportunisticTLS: false,
      tls: { rejectUnauthorized: !insecure, servername: isIpLiteral(options.host) ? undefined : options.host },
      connectionTimeout: t.connect_timeout,
      greetingTimeout: t.banner_timeout,
      // nodemailer has one inactivity timeout; use the longest per-command timeout.
      socketTimeout: Math.max(t.ehlo_timeout, t.mail_from_timeout, t.rcpt_to_timeout, t.data_timeout, t.data_dot_timeout),
      socketCloseTimeout: 0,
      allowInternalNetworkInterfaces: true,
      transactionLog: true,
    }, this.transcript.logger);
    this.#connection.on('error', () => {
      this.#broken = true;
    });
    this.#connection.on('end', () => {
      this.#broken = true;
    });
  }

  /** Connects, reads the banner, EHLOs, negotiates STARTTLS and authenticates as configured. */
  static async open(options: SmtpSessionOptions): Promise<SmtpSession> {
    const session = new SmtpSession(options);
    await session.#connect();
    return session;
  }

  get peer(): PeerAddress {
    return { name: this.options.host, addr: this.options.address };
  }

  /** Transactions attempted on this connection. */
  get transactions(): number {
    return this.#transactions;
  }

  get usable(): boolean {
    return !this.#broken;
  }

  get tls(): TlsInfo | null {
    const socket = (this.#connection as unknown as { _socket?: TLSSocket })._socket;
    if (!this.#connection.secure || !socket || typeof socket.getCipher !== 'function') return null;
    const cert = socket.getPeerCertificate?.();
    return {
      cipher: socket.getCipher().name,
      protocol: socket.getProtocol() ?? 'unknown',
      peerSubject: cert && typeof cert.subject === 'object' && cert.subject ? (cert.subject.CN as string | undefined) ?? null : null,
    };
  }

  /**
   * Sends one transaction. Each recipient gets the reply that decided it: its RCPT rejection, or
   * the final DATA reply. Throws `E_CONNECTION` (with `response`) when the connection broke.
   */
  async deliver(sender: string, recipients: readonly string[], data: Buffer): Promise<TransactionResult> {
    if (this.#broken) throw new MtaKitError('E_CONNECTION', 'session is closed');
    if (this.#needsReset) await this.#reset();
    const first = this.#transactions === 0;
    this.#transactions++;
    this.transcript.startTransaction();
    const transcript = (): string[] => (first ? [...this.transcript.preamble(), ...this.transcript.current()] : this.transcript.current());
    try {
      const info = await new Promise<SMTPConnectionSendInfo>((resolve, reject) => {
        this.#connection.send(
          { from: sender === '' ? false : sender, to: [...recipients], size: data.length, use8BitMime: hasEightBit(data) },
          data,
          (err, result) => (err ? reject(err) : resolve(result as SMTPConnectionSendInfo)),
        );
      });
      const accepted = parseReply(info.response, 'DATA');
      const rejected = byRecipient(info.rejectedErrors as NodemailerError[] | undefined);
      return { outcomes: recipients.map((r) => ({ recipient: r, response: rejected.get(r) ?? accepted })), transcript: transcript() };
    } catch (error) {
      const e = error as NodemailerError & { rejectedErrors?: NodemailerError[] };
      if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') {
        this.#needsReset = true;
        if (this.options.rset === false) this.#broken = true;
        const overall = errorResponse(e, this.options.host);
        if (overall.code === 421) this.#broken = true;
        const rejected = byRecipient(e.rejectedErrors);
        return { outcomes: recipients.map((r) => ({ recipient: r, response: rejected.get(r) ?? overall })), transcript: transcript() };
      }
      this.#broken = true;
      throw sessionError(e, this.options.host, transcript());
    }
  }

  /**
   * Sends QUIT and closes. Resolves when the connection is gone (at most CLOSE_WAIT_MS): a caller
   * that counts connections against a receiver's limit opens the next one only after this.
   */
  close(): Promise<void> {
    this.#broken = true;
    if (this.#closed) return this.#closed;
    // nodemailer says 'end' when it ends its side; the socket's 'close' is when both sides are done.
    const socket = (this.#connection as unknown as { _socket?: Socket })._socket;
    this.#closed = !socket || socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_WAIT_MS);
      timer.unref();
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      this.#connection.quit();
    } catch {
      this.#connection.close();
    }
    return this.#closed;
  }

  async #connect(): Promise<void> {
    // nodemailer reports connect failures as 'error' events, not through the connect callback.
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown): void => reject(err instanceof Error ? err : new MtaKitError('E_CONNECTION', 'connection closed before the SMTP handshake finished'));
      this.#connection.once('error', fail);
      this.#connection.once('end', fail);
      this.#connection.connect((err) => {
        this.#connection.off('error', fail);
        this.#connection.off('end', fail);
        if (err) reject(err);
        else resolve();
      });
    }).catch((error: NodemailerError) => {
      this.#broken = true;
      this.#connection.close();
      throw sessionError(error, this.options.host, this.transcript.preamble());
    });
    if (this.options.pipelining === false) {
      // nodemailer pipelines whenever the server offers PIPELINING and has no switch: forget the offer.
      const c = this.#connection as unknown as { _supportedExtensions: string[] };
      c._supportedExtensions = c._supportedExtensions.filter((e) => e !== 'PIPELINING');
    }
    const auth = this.options.auth;
    if (auth && (this.#connection.secure || auth.allowWithoutTls)) {
      await new Promise<void>((resolve, reject) => {
        this.#connection.login({ user: auth.user, pass: auth.pass, method: 'PLAIN' }, (err) => (err ? reject(err) : resolve()));
      }).catch((error: NodemailerError) => {
        this.#connection.close();
        throw sessionError(error, this.options.host, this.transcript.preamble());
      });
    }
  }

  async #reset(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.#connection.reset((err) => (err ? reject(err) : resolve()))).catch((error: NodemailerError) => {
      this.#broken = true;
      throw sessionError(error, this.options.host, this.transcript.current());
    });
    this.#needsReset = false;
  }
}

/** A connection-level failure, carrying the reply to log for every affected recipient. */
export class SessionError extends MtaKitError {
  readonly response: SmtpResponse;
  readonly transcript: string[];

  constructor(message: string, response: SmtpResponse, transcript: string[], cause: unknown) {
    super(response.code >= 500 ? 'E_SMTP_REPLY' : cause && isTlsFailure(cause as NodemailerError) ? 'E_TLS' : 'E_CONNECTION', message, { cause });
    this.name = 'SessionError';
    this.response = response;
    this.transcript = transcript;
  }
}

function sessionError(error: NodemailerError, host: string, transcript: string[]): SessionError {
  return new SessionError(`${host}: ${error.message}`, errorResponse(error, host), transcript, error);
}

function byRecipient(errors: NodemailerError[] | undefined): Map<string, SmtpResponse> {
  const map = new Map<string, SmtpResponse>();
  for (const e of errors ?? []) if (e.recipient && e.response) map.set(e.recipient, parseReply(e.response, 'RCPT TO'));
  return map;
}

function hasEightBit(data: Buffer): boolean {
  return !isAscii(data);
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[');
}
