import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { parseCidr } from '../dns/cidr.js';
import type { Policy } from '../policy/events.js';
import { RawSmtpClient } from '../testing/smtp-client.js';
import { generateSelfSigned } from '../tls/certificate.js';
import { SmtpIngress, type SmtpIngressOptions } from './ingress.js';

const closers: Array<() => Promise<void>> = [];
let tls: { key: string; cert: string };
beforeAll(async () => {
  tls = await generateSelfSigned('mx.test');
});
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

async function listen(options: Partial<SmtpIngressOptions>): Promise<number> {
  const server = new SmtpIngress({ hostname: 'mx.test', port: 0, tls, accept: async () => undefined, ...options });
  closers.push(() => server.close());
  return (await server.listen()).port;
}

/** Talks at once: 220 when the greeting was not held, 421 "talk too soon" when it was. */
async function talkAtOnce(port: number): Promise<number> {
  const c = await RawSmtpClient.connect(port);
  c.write('EHLO early.test\r\n');
  const first = await c.read();
  c.close();
  return first.code;
}

const LONG_PAUSE = 5_000;

describe('greeting pause per client network (issue 13)', () => {
  it('greets relay networks and trusted hosts at once, and holds others as early-talker bait', async () => {
    const loopback = [parseCidr('127.0.0.0/8')];
    const relay = await listen({ relayNetworks: loopback, greetPauseMs: LONG_PAUSE });
    const trusted = await listen({ relayNetworks: [], trustedNetworks: loopback, greetPauseMs: LONG_PAUSE });
    const other = await listen({ relayNetworks: [parseCidr('10.0.0.0/8')], greetPauseMs: LONG_PAUSE });
    // A held greeting would come after 5 s; these read with a 3 s limit.
    for (const port of [relay, trusted]) {
      const c = await RawSmtpClient.connect(port);
      expect((await c.read(3_000)).code).toBe(220);
      expect((await c.command('EHLO ok.test')).code).toBe(250);
      c.close();
    }
    const held = await RawSmtpClient.connect(other);
    await expect(held.read(1_000)).rejects.toThrow(/no SMTP reply/);
    held.close();
    expect(await talkAtOnce(other)).toBe(421);
  });

  it('lets smtp_server_greet_pause change the pause per client, both ways', async () => {
    const seen: Array<{ client: unknown; pause: number }> = [];
    const policy: Policy = {
      smtp_server_greet_pause: (client, pause) => {
        seen.push({ client, pause });
        return client.trusted ? LONG_PAUSE : 0;
      },
    };
    const untrusted = await listen({ relayNetworks: [], greetPauseMs: LONG_PAUSE, policy, name: 'edge' });
    const c = await RawSmtpClient.connect(untrusted);
    expect((await c.read(3_000)).code).toBe(220);
    c.close();
    expect(seen[0]).toEqual({ client: { received_from: '127.0.0.1', received_via: 'edge', trusted: false }, pause: LONG_PAUSE });
    const trusted = await listen({ relayNetworks: [parseCidr('127.0.0.1/32')], policy });
    expect(await talkAtOnce(trusted)).toBe(421);
    expect(seen[1]?.pause).toBe(0);
  });

  it('leaves a plain SMTPServer in the same process with its stock behaviour', async () => {
    await listen({ relayNetworks: [parseCidr('127.0.0.0/8')] });
    const stock = new SMTPServer({
      logger: false, disabledCommands: ['STARTTLS'], hideENHANCEDSTATUSCODES: false, authOptional: true,
      onRcptTo: (_a, _s, cb) => cb(Object.assign(new Error('5.7.1 refused'), { responseCode: 550 })),
    });
    closers.push(() => new Promise((resolve) => stock.close(() => resolve())));
    await new Promise<void>((resolve) => stock.listen(0, '127.0.0.1', () => resolve()));
    const port = (stock.server.address() as AddressInfo).port;
    // Stock: the fixed 100 ms early-talker pause…
    expect(await talkAtOnce(port)).toBe(421);
    const c = await RawSmtpClient.connect(port);
    expect((await c.read()).code).toBe(220);
    // …AUTH advertised without TLS, enhanced codes derived from the basic code, no bare-CR or parameter checks.
    expect((await c.command('EHLO client.test')).lines.some((l) => l.includes('AUTH'))).toBe(true);
    expect((await c.command('MAIL FROM:<a@example.com>\rRCPT TO:<b@example.com>')).code).toBe(250);
    expect((await c.command('RSET')).code).toBe(250);
    expect((await c.command('MAIL FROM:<a@example.com> FROB=1')).code).toBe(250);
    const r = await c.command('RCPT TO:<b@example.com>');
    expect([r.code, r.text]).toEqual([550, '5.1.1 5.7.1 refused']);
    c.close();
  });
});

describe('strict command lines (issue 11)', () => {
  it('refuses a bare CR or a bare LF in a command line, and unknown ESMTP parameters with 555 5.5.4', async () => {
    const port = await listen({ relayNetworks: [parseCidr('127.0.0.0/8')] });
    const c = await RawSmtpClient.connect(port);
    expect((await c.read()).code).toBe(220);
    await c.command('EHLO client.test');
    const cr = await c.command('MAIL FROM:<a@example.com>\rRCPT TO:<b@example.com>');
    expect([cr.code, cr.text]).toEqual([500, '5.5.2 Bare CR or LF in a command line refused']);
    c.write('MAIL FROM:<a@example.com>\n');
    expect((await c.read()).code).toBe(500);
    const param = await c.command('MAIL FROM:<a@example.com> FROB=1');
    expect([param.code, param.text]).toEqual([555, '5.5.4 MAIL parameter not recognized: FROB']);
    expect((await c.command('MAIL FROM:<a@example.com> SIZE=100 BODY=8BITMIME')).code).toBe(250);
    const notify = await c.command('RCPT TO:<b@example.com> NOTIFY=NEVER');
    expect([notify.code, notify.text]).toEqual([555, '5.5.4 RCPT parameter not recognized: NOTIFY']);
    expect((await c.command('RCPT TO:<b@example.com>')).code).toBe(250);
    // Pipelined with CRLF, every command is still answered in order.
    c.write('RSET\r\nNOOP\r\n');
    expect((await c.read()).code).toBe(250);
    expect((await c.read()).code).toBe(250);
    c.close();
  });
});
