import type { AddressInfo, Socket } from 'node:net';
import { type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { MtaSmtpServer } from '../smtp/server.js';
import { generateSelfSigned } from '../tls/certificate.js';

export interface SinkMessage {
  sender: string;
  recipients: string[];
  data: Buffer;
  /** Address the connection came from (the egress source address). */
  remoteAddress: string;
  secure: boolean;
  receivedAt: number;
}

export interface SmtpSinkOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Offer STARTTLS with a freshly generated self-signed certificate. Default false. */
  tls?: boolean;
  /** Keep received messages in `messages` (default true; turn off for load tests). */
  keep?: boolean;
  /** Hostname in the banner. Default "sink.test". */
  name?: string;
  /** Answer every RCPT with this reply instead of the local-part conventions (e.g. "421 4.7.28 ..."). */
  rcptReply?: () => string | undefined;
  /** Delay before answering DATA, in ms (to hold connections open). */
  dataDelayMs?: number;
}

/**
 * An SMTP sink for tests and benchmarks, on smtp-server. It accepts everything except recipients
 * whose local part asks for a failure, like KumoMTA's test sink:
 *   tempfail@…  → 451 4.3.0       permfail@… → 550 5.1.1       full@… → 452 4.2.2
 *   450-…@, 421-…@, 550-…@ (any 3-digit code + "-") → that code
 * It counts messages, recipients and connections (with the peak of concurrent connections) and
 * records which address each connection came from.
 */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  /** Accepted recipients per remote address. */
  readonly byRemoteAddress = new Map<string, number>();
  /** Messages received per recipient (counted even when messages are not kept). */
  readonly byRecipient = new Map<string, number>();
  received = 0;
  recipients = 0;
  connections = 0;
  activeConnections = 0;
  peakConnections = 0;
  readonly #options: SmtpSinkOptions;
  #server: MtaSmtpServer | undefined;
  #port = 0;
  #waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  constructor(options: SmtpSinkOptions = {}) {
    this.#options = options;
  }

  get port(): number {
    return this.#port;
  }

  get host(): string {
    return this.#options.host ?? '127.0.0.1';
  }

  /** `host:port`, as MTAKIT_SMARTHOST and `mx_list` take it. */
  get address(): string {
    return `${this.host}:${this.#port}`;
  }

  async start(): Promise<this> {
    const tls = this.#options.tls ? await generateSelfSigned(this.#options.name ?? 'sink.test') : undefined;
    // Replies like "450 4.7.28 …" keep their own enhanced code; greeted at once.
    const server = new MtaSmtpServer({
      greetPause: () => 0,
      name: this.#options.name ?? 'sink.test',
      banner: 'mtakit test sink',
      authOptional: true,
      disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
      size: 100 * 1024 * 1024,
      maxClients: 10_000,
      logger: false,
      hideENHANCEDSTATUSCODES: false,
      onClose: () => this.#notify(),
      onRcptTo: (address, _session, callback) => this.#rcpt(address, callback),
      onData: (stream, session, callback) => this.#data(stream, session, callback),
    });
    server.on('error', () => undefined);
    // Connections are counted at the TCP level: open from accept until the client's FIN (an
    // in-process server notices its own close a few event-loop turns later).
    server.server.prependListener('connection', (socket: Socket) => {
      this.connections++;
      this.activeConnections++;
      this.peakConnections = Math.max(this.peakConnections, this.activeConnections);
      let open = true;
      const gone = (): void => {
        if (!open) return;
        open = false;
        this.activeConnections--;
        this.#notify();
      };
      socket.once('end', gone);
      socket.once('close', gone);
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.#options.port ?? 0, this.host, () => resolve());
    });
    this.#port = (server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves when `check()` holds (re-checked on every message and disconnect); rejects on timeout. */
  waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { check, resolve: () => { clearTimeout(timer); resolve(); } };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`sink: condition not met within ${timeoutMs} ms (received ${this.received})`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Messages received for one recipient. */
  for(recipient: string): SinkMessage[] {
    return this.messages.filter((m) => m.recipients.includes(recipient));
  }

  #rcpt(address: SMTPServerAddress, callback: (err?: Error | null) => void): void {
    const override = this.#options.rcptReply?.();
    const reply = override ?? replyForLocalPart(address.address.split('@')[0] ?? '');
    if (!reply) return callback();
    const m = /^(\d{3})\s+(.*)$/.exec(reply);
    const err = new Error(m?.[2] ?? reply) as Error & { responseCode: number };
    err.responseCode = Number(m?.[1] ?? 550);
    callback(err);
  }

  #data(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const finish = (): void => {
        const rcpts = session.envelope.rcptTo.map((r) => r.address);
        const remote = session.remoteAddress.replace(/^::ffff:/, '');
        this.received++;
        this.recipients += rcpts.length;
        this.byRemoteAddress.set(remote, (this.byRemoteAddress.get(remote) ?? 0) + rcpts.length);
        for (const r of rcpts) this.byRecipient.set(r, (this.byRecipient.get(r) ?? 0) + 1);
        if (this.#options.keep !== false) {
          const from = session.envelope.mailFrom;
          this.messages.push({ sender: from ? from.address : '', recipients: rcpts, data: Buffer.concat(chunks), remoteAddress: remote, secure: session.secure, receivedAt: Date.now() });
        }
        callback(null, `2.0.0 Ok: queued as ${this.received}`);
        this.#notify();
      };
      if (this.#options.dataDelayMs) setTimeout(finish, this.#options.dataDelayMs);
      else finish();
    });
  }

  #notify(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}

function replyForLocalPart(local: string): string | undefined {
  const lower = local.toLowerCase();
  if (lower === 'tempfail') return '451 4.3.0 tempfail requested';
  if (lower === 'permfail') return '550 5.1.1 permfail requested';
  if (lower === 'full') return '452 4.2.2 mailbox full';
  const code = /^([2-5]\d\d)-/.exec(lower)?.[1];
  if (code && code !== '250') return `${code} ${code[0]}.0.0 you said ${local}`;
  return undefined;
}
