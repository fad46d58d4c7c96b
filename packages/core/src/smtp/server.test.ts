import { connect, type Socket } from 'node:net';
import type { SMTPServerSession } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { MtaSmtpServer, type MtaSmtpServerOptions } from './server.js';

const servers: MtaSmtpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function listen(host: string, options: Partial<MtaSmtpServerOptions> = {}): Promise<number> {
  const server = new MtaSmtpServer({
    logger: false, disableReverseLookup: true, hideENHANCEDSTATUSCODES: false, authOptional: true, hideSTARTTLS: true, greetPause: () => 0, closeTimeout: 1000,
    onData: (stream, _session, cb) => {
      stream.resume();
      stream.once('end', () => cb(null, '2.0.0 OK'));
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  return (server.server.address() as { port: number }).port;
}

/** A client that records each chunk it reads, so that tests see how the replies were written. */
async function rawClient(port: number): Promise<{ socket: Socket; chunks: string[]; text: () => string; until: (re: RegExp) => Promise<void>; ended: Promise<void> }> {
  const socket = connect({ port, host: '127.0.0.1' });
  const chunks: string[] = [];
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk.toString('latin1'));
    for (const w of waiters.splice(0)) w();
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const text = (): string => chunks.join('');
  const until = async (re: RegExp): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (!re.test(text())) {
      if (Date.now() > deadline) throw new Error(`no ${re} in ${JSON.stringify(text())}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { socket, chunks, text, until, ended };
}

describe('MtaSmtpServer connections', () => {
  it('gives each session the address the listener is bound to, and asks the socket behind a wildcard', async () => {
    const seen: Array<{ localAddress: string; localPort: number }> = [];
    const onConnect = (session: SMTPServerSession, cb: () => void): void => {
      seen.push({ localAddress: session.localAddress, localPort: session.localPort });
      cb();
    };
    const bound = await listen('127.0.0.1', { onConnect });
    const wildcard = await listen('0.0.0.0', { onConnect });
    for (const port of [bound, wildcard]) {
      const c = await rawClient(port);
      await c.until(/^220 /m);
      c.socket.destroy();
    }
    expect(seen).toEqual([{ localAddress: '127.0.0.1', localPort: bound }, { localAddress: '127.0.0.1', localPort: wildcard }]);
  });

  it('answers a pipelined group in one write, and lone commands each', async () => {
    const port = await listen('127.0.0.1');
    const c = await rawClient(port);
    await c.until(/^220 /m);
    c.socket.write('EHLO client.test\r\n');
    await c.until(/^250 /m);
    const before = c.chunks.length;
    c.socket.write('MAIL FROM:<a@example.com>\r\nRCPT TO:<b@dest.test>\r\nDATA\r\n');
    await c.until(/^354 /m);
    // The three replies left in one write, so the client read them as one chunk.
    expect(c.chunks.slice(before)).toHaveLength(1);
    expect(c.chunks[before]).toMatch(/^250 2\.1\.0 .*\r\n250 2\.1\.5 .*\r\n354 .*\r\n$/);
    c.socket.write('Subject: x\r\n\r\nbody\r\n.\r\n');
    await c.until(/^250 2\.0\.0 OK\r\n/m);
    c.socket.write('NOOP\r\n');
    await c.until(/^250 2\.0\.0 OK\r\n250 2\.0\.0 OK\r\n$/m);
    c.socket.destroy();
  });

  it('closes the socket once the 221 is out, and runs no command sent after QUIT', async () => {
    const port = await listen('127.0.0.1');
    const c = await rawClient(port);
    await c.until(/^220 /m);
    c.socket.write('QUIT\r\nNOOP\r\n');
    await c.ended;
    expect(c.text()).toMatch(/^220 [^\r]*\r\n221 2\.0\.0 Bye\r\n$/);
  });
});
