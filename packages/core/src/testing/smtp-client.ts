import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface SmtpReply {
  code: number;
  /** All lines, without the CRLF. */
  lines: string[];
  /** Text of the last line after the code. */
  text: string;
}

/**
 * A raw SMTP client for protocol tests: send a line, read the reply. It does nothing on its own
 * (no dot-stuffing, no pipelining logic), so tests see exactly what the server answers.
 */
export class RawSmtpClient {
  #socket: Socket | TLSSocket;
  #buffer = '';
  #replies: SmtpReply[] = [];
  #waiters: Array<(r: SmtpReply) => void> = [];
  /** How to fail each waiting `read` when the server closes the connection without replying. */
  readonly #failers = new Map<(r: SmtpReply) => void, (error: Error) => void>();
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  static async connect(port: number, host = '127.0.0.1', options: { localAddress?: string } = {}): Promise<RawSmtpClient> {
    const socket = netConnect({ port, host, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawSmtpClient(socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next complete reply (the banner first). */
  read(timeoutMs = 10_000): Promise<SmtpReply> {
    const ready = this.#replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        this.#failers.delete(waiter);
        reject(error);
      };
      const waiter = (r: SmtpReply): void => {
        clearTimeout(timer);
        this.#failers.delete(waiter);
        resolve(r);
      };
      const timer = setTimeout(() => fail(new Error(`no SMTP reply within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push(waiter);
      this.#failers.set(waiter, fail);
    });
  }

  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** Writes and waits until the socket has taken the data (for bulk bodies sent with backpressure). */
  async writeAndDrain(data: string | Buffer): Promise<void> {
    if (!this.#socket.write(data)) await new Promise<void>((resolve) => this.#socket.once('drain', () => resolve()));
  }

  async command(line: string): Promise<SmtpReply> {
    this.write(`${line}\r\n`);
    return this.read();
  }

  /** STARTTLS, then the TLS handshake (certificate not verified: test servers are self-signed). */
  async startTls(): Promise<SmtpReply> {
    const reply = await this.command('STARTTLS');
    if (reply.code !== 220) return reply;
    const plain = this.#socket as Socket;
    plain.removeAllListeners('data');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#attach(secure);
    return reply;
  }

  close(): void {
    this.#socket.destroy();
  }

  #attach(socket: Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('close', () => {
      this.#closed = true;
      // Replies already received were handed out in #onData; whoever still waits gets none.
      for (const fail of [...this.#failers.values()]) fail(new Error('connection closed'));
    });
    socket.on('error', () => {
      this.#closed = true;
    });
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let lines: string[] = [];
    for (;;) {
      const end = this.#buffer.indexOf('\r\n');
      if (end === -1) break;
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        const reply = { code: Number(line.slice(0, 3)), lines, text: line.slice(4) };
        lines = [];
        const waiter = this.#waiters.shift();
        if (waiter) waiter(reply);
        else this.#replies.push(reply);
      }
    }
    // Partial multi-line replies wait for their last line.
    if (lines.length > 0) this.#buffer = lines.map((l) => `${l}\r\n`).join('') + this.#buffer;
  }
}
