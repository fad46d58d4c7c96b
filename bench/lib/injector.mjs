// A lean SMTP load generator for benchmarks: N connections, pipelined MAIL/RCPT/DATA, one message
// per transaction, per-message acceptance latency (MAIL FROM sent → final 250 received).
import { connect } from 'node:net';

class Connection {
  #socket;
  #buffer = '';
  #waiters = [];
  #replies = [];

  static open(host, port) {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  constructor(socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('error', () => {});
  }

  write(text) {
    this.#socket.write(text);
  }

  reply() {
    const ready = this.#replies.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close() {
    this.#socket.end('QUIT\r\n');
  }

  #onData(chunk) {
    this.#buffer += chunk;
    let end;
    while ((end = this.#buffer.indexOf('\r\n')) !== -1) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      if (line[3] === '-') continue;
      const code = Number(line.slice(0, 3));
      const waiter = this.#waiters.shift();
      if (waiter) waiter({ code, line });
      else this.#replies.push({ code, line });
    }
  }
}

/**
 * @param {{host?: string, port: number, messages: number, connections: number, size: number,
 *          perConnection?: number, recipient?: (i: number) => string, headers?: (i: number) => string}} o
 * `headers(i)`: extra header lines (each ending in CRLF) for message i.
 */
export async function inject(o) {
  const host = o.host ?? '127.0.0.1';
  const perConnection = o.perConnection ?? Infinity;
  const recipient = o.recipient ?? ((i) => `user${i}@dest.test`);
  const line = 'x'.repeat(76);
  const lines = Math.max(1, Math.round((o.size - 120) / 78));
  const body = `From: bench@example.com\r\nSubject: bench\r\n\r\n${`${line}\r\n`.repeat(lines)}.\r\n`;
  const latencies = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  async function worker() {
    while (next < o.messages) {
      const c = await Connection.open(host, o.port);
      await c.reply();
      c.write('EHLO bench.test\r\n');
      await c.reply();
      let sent = 0;
      while (sent < perConnection && next < o.messages) {
        const i = next++;
        const t0 = performance.now();
        c.write(`MAIL FROM:<bench@example.com>\r\nRCPT TO:<${recipient(i)}>\r\nDATA\r\n`);
        const [mail, rcpt, data] = [await c.reply(), await c.reply(), await c.reply()];
        if (mail.code !== 250 || rcpt.code !== 250 || data.code !== 354) {
          errors++;
          if (data.code === 354) c.write('.\r\n'), await c.reply();
          c.write('RSET\r\n');
          await c.reply();
          continue;
        }
        c.write(o.headers ? o.headers(i) + body : body);
        const done = await c.reply();
        if (done.code === 250) latencies.push(performance.now() - t0);
        else errors++;
        sent++;
      }
      c.close();
    }
  }
  await Promise.all(Array.from({ length: o.connections }, worker));
  return { elapsedMs: performance.now() - started, latencies, errors };
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
