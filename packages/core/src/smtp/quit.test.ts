import { connect, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../dns/cidr.js';
import { RawSmtpClient } from '../testing/smtp-client.js';
import { generateSelfSigned } from '../tls/certificate.js';
import { SmtpIngress } from './ingress.js';

/** Resolves with everything the server sent once it has sent `until`. */
function readUntil(socket: Socket, until: RegExp): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (until.test(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

describe('QUIT', () => {
  let tls: { key: string; cert: string };
  beforeAll(async () => {
    tls = await generateSelfSigned('mx.test');
  });

  it('sends 221 and closes the socket without waiting for the client to close its side', async () => {
    const server = new SmtpIngress({ hostname: 'mx.test', port: 0, tls, relayNetworks: [parseCidr('127.0.0.0/8')], greetPauseMs: 0, accept: async () => undefined });
    const { port } = await server.listen();
    // A client that keeps its side open after QUIT (allowHalfOpen): the server must not wait for it.
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    try {
      expect(await readUntil(socket, /^220 .*\r\n/m)).toMatch(/^220 /);
      const ended = new Promise<void>((resolve) => socket.once('end', resolve));
      socket.write('QUIT\r\n');
      expect(await readUntil(socket, /^221 .*\r\n/m)).toMatch(/^221 /);
      await ended;
      // The listener closes once every connection is gone; smtp-server alone waits up to 5 s for
      // the client's FIN on a connection it has ended.
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      socket.destroy();
    }
  });

  it('sends 221 after STARTTLS too, and the server closes', async () => {
    const server = new SmtpIngress({ hostname: 'mx.test', port: 0, tls, relayNetworks: [parseCidr('127.0.0.0/8')], greetPauseMs: 0, accept: async () => undefined });
    const { port } = await server.listen();
    const c = await RawSmtpClient.connect(port);
    try {
      expect((await c.read()).code).toBe(220);
      await c.command('EHLO client.test');
      expect((await c.startTls()).code).toBe(220);
      await c.command('EHLO client.test');
      expect(await c.command('QUIT')).toMatchObject({ code: 221, text: '2.0.0 Bye' });
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      c.close();
    }
  });
});
