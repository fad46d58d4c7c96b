import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../dns/cidr.js';
import { LogBus } from '../log/bus.js';
import type { LogRecord } from '../log/records.js';
import { MtaMetrics } from '../metrics/index.js';
import { reject } from '../errors.js';
import { RawSmtpClient } from '../testing/smtp-client.js';
import { generateSelfSigned } from '../tls/certificate.js';
import { SmtpIngress, type AcceptedMessage, type SmtpIngressOptions } from './ingress.js';

const loopback = [parseCidr('127.0.0.0/8')];
const started: SmtpIngress[] = [];
let tls: { key: string; cert: string };
beforeAll(async () => {
  tls = await generateSelfSigned('mx.test');
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

interface Harness {
  port: number;
  accepted: AcceptedMessage[];
  records: LogRecord[];
  metrics: MtaMetrics;
}

async function ingress(options: Partial<SmtpIngressOptions> = {}): Promise<Harness> {
  const accepted: AcceptedMessage[] = [];
  const records: LogRecord[] = [];
  const log = new LogBus();
  log.subscribe((r) => void records.push(r));
  const metrics = new MtaMetrics({ defaultMetrics: false });
  const server = new SmtpIngress({
    hostname: 'mx.test', port: 0, tls, relayNetworks: loopback, log, metrics,
    accept: async (messages) => void accepted.push(...messages),
    ...options,
  });
  started.push(server);
  const { port } = await server.listen();
  return { port, accepted, records, metrics };
}

async function client(port: number): Promise<RawSmtpClient> {
  const c = await RawSmtpClient.connect(port);
  expect((await c.read()).code).toBe(220);
  return c;
}

async function rejectionsOf(h: Harness, code: string): Promise<number> {
  const m = await h.metrics.rejections.get();
  return m.values.filter((v) => v.labels.code === code).reduce((a, v) => a + v.value, 0);
}

describe('SmtpIngress', () => {
  it('advertises the extensions, SIZE, and AUTH only after STARTTLS', async () => {
    const h = await ingress({ maxMessageSize: 1000 });
    const c = await client(h.port);
    const ehlo = await c.command('EHLO client.test');
    const features = ehlo.lines.map((l) => l.slice(4));
    for (const f of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'STARTTLS', 'SIZE 1000']) expect(features).toContain(f);
    expect(features.some((f) => f.startsWith('AUTH'))).toBe(false);
    expect((await c.command('AUTH PLAIN AGFsaWNlAHNlY3JldA==')).code).toBe(538);
    await c.startTls();
    const secure = await c.command('EHLO client.test');
    expect(secure.lines.map((l) => l.slice(4))).toContain('AUTH PLAIN LOGIN');
    c.close();
  });

  it('accepts one message per recipient and replies 250 only after they are accepted', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const accepted: AcceptedMessage[] = [];
    const h = await ingress({ accept: async (m) => { await gate; accepted.push(...m); } });
    const c = await client(h.port);
    await c.command('EHLO client.test');
    expect((await c.command('MAIL FROM:<a@example.com>')).code).toBe(250);
    expect((await c.command('RCPT TO:<x@dest.test>')).code).toBe(250);
    expect((await c.command('RCPT TO:<y@dest.test>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    c.write('Subject: hi\r\n\r\nbody\r\n.\r\n');
    await expect(c.read(300)).rejects.toThrow(/no SMTP reply/);
    release();
    const done = await c.read();
    expect(done.code).toBe(250);
    expect(done.text).toMatch(/^2\.0\.0 OK queued as [0-9a-f]{32} [0-9a-f]{32}$/);
    expect(accepted.map((a) => a.message.recipient)).toEqual(['x@dest.test', 'y@dest.test']);
    const data = accepted[0]!.message.getData().toString();
    // Two recipients: the trace header names neither, so both copies are byte-identical (batchable).
    expect(data).toMatch(/^Received: from client\.test \(\[127\.0\.0\.1\]\) by mx\.test \(mtakit\) with ESMTP id [0-9a-f]{32}; /);
    expect(accepted[1]!.message.getData().equals(accepted[0]!.message.getData())).toBe(true);
    expect(data.endsWith('\r\nSubject: hi\r\n\r\nbody\r\n')).toBe(true);
    expect(accepted[0]!.message.meta).toMatchObject({ reception_protocol: 'ESMTP', ehlo_domain: 'client.test' });
    c.close();
  });

  it('replies 451 4.3.0 when the message cannot be made durable', async () => {
    const h = await ingress({ accept: async () => { throw new Error('disk full'); } });
    const c = await client(h.port);
    await c.command('EHLO client.test');
    await c.command('MAIL FROM:<a@example.com>');
    await c.command('RCPT TO:<x@dest.test>');
    await c.command('DATA');
    c.write('Subject: hi\r\n\r\nbody\r\n.\r\n');
    const r = await c.read();
    expect(r.code).toBe(451);
    expect(r.text).toMatch(/^4\.3\.0 /);
    c.close();
  });

  it('denies relaying to unauthenticated clients outside the relay networks, and logs it', async () => {
    const h = await ingress({ relayNetworks: [parseCidr('10.0.0.0/8')] });
    const c = await client(h.port);
    await c.command('EHLO client.test');
    await c.command('MAIL FROM:<a@example.com>');
    const r = await c.command('RCPT TO:<x@dest.test>');
    expect(r.code).toBe(550);
    expect(r.text).toMatch(/^5\.7\.1 Relaying denied/);
    expect(await rejectionsOf(h, '550')).toBe(1);
    const rec = h.records.find((x) => x.type === 'Rejection');
    expect(rec).toMatchObject({ recipient: 'x@dest.test', sender: 'a@example.com', response: { code: 550, enhanced_code: { class: 5, subject: 7, detail: 1 } } });
    // Session ids: 16 base-32 digits, distinct per connection.
    const d = await client(h.port);
    await d.command('EHLO client.test');
    await d.command('MAIL FROM:<b@example.com>');
    await d.command('RCPT TO:<y@dest.test>');
    const ids = h.records.filter((x) => x.type === 'Rejection').map((x) => (x as { session_id: string }).session_id);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-v]{16}$/);
    expect(ids[0]).not.toBe(ids[1]);
    c.close();
    d.close();
  });

  it('relays for clients authenticated over TLS and tags their tenant', async () => {
    const h = await ingress({ relayNetworks: [], credentials: new Map([['acme', { password: 's3cret', tenant: 'acme' }]]) });
    const c = await client(h.port);
    await c.command('EHLO client.test');
    await c.startTls();
    await c.command('EHLO client.test');
    const bad = await c.command(`AUTH PLAIN ${Buffer.from('\0acme\0wrong').toString('base64')}`);
    expect(bad.code).toBe(535);
    expect(bad.text).toMatch(/^5\.7\.8 /);
    expect((await c.command(`AUTH PLAIN ${Buffer.from('\0acme\0s3cret').toString('base64')}`)).code).toBe(235);
    await c.command('MAIL FROM:<a@example.com>');
    expect((await c.command('RCPT TO:<x@dest.test>')).code).toBe(250);
    await c.command('DATA');
    c.write('Subject: hi\r\n\r\nbody\r\n.\r\n');
    expect((await c.read()).code).toBe(250);
    expect(h.accepted[0]!.message.meta).toMatchObject({ tenant: 'acme', authn_id: 'acme' });
    expect(h.accepted[0]!.message.getFirstHeader('received')).toMatch(/with ESMTPSA (\(cipher [^)]+\) )?id [0-9a-f]{32} for <x@dest\.test>; /);
    c.close();
  });

  it('answers bad input with exact codes: syntax, unknown verbs, too many recipients, oversize', async () => {
    const h = await ingress({ maxRecipients: 2, maxMessageSize: 200 });
    const c = await client(h.port);
    expect((await c.command('FROB')).code).toBe(500);
    await c.command('EHLO client.test');
    const big = await c.command('MAIL FROM:<a@example.com> SIZE=5000');
    expect(big.code).toBe(552);
    expect((await c.command('MAIL FROM:<a@example.com>')).code).toBe(250);
    const syntax = await c.command('RCPT TO:<not an address>');
    expect(syntax.code).toBe(501);
    const port = await c.command('RCPT TO:<x@dest.test:25>');
    expect(port.code).toBe(501);
    expect(port.text).toMatch(/^5\.1\.3 /);
    await c.command('RCPT TO:<x@dest.test>');
    await c.command('RCPT TO:<y@dest.test>');
    const many = await c.command('RCPT TO:<z@dest.test>');
    expect(many.code).toBe(452);
    expect(many.text).toMatch(/^4\.5\.3 /);
    await c.command('DATA');
    c.write(`Subject: big\r\n\r\n${'x'.repeat(500)}\r\n.\r\n`);
    const over = await c.read();
    expect(over.code).toBe(552);
    expect(h.accepted).toHaveLength(0);
    c.close();
  });

  it('refuses early talkers and limits connections per address', async () => {
    const h = await ingress({ maxConnectionsPerIp: 2, relayNetworks: [], greetPauseMs: 300 });
    const early = await RawSmtpClient.connect(h.port);
    early.write('EHLO rude.test\r\n');
    const r = await early.read();
    expect(r.code).toBeGreaterThanOrEqual(421);
    early.close();
    const a = await client(h.port);
    const b = await client(h.port);
    const third = await RawSmtpClient.connect(h.port);
    const refused = await third.read();
    expect(refused.code).toBe(421);
    expect(refused.text).toMatch(/^4\.7\.0 Too many connections from your address/);
    for (const x of [a, b, third]) x.close();
  });

  it('asks smtp_server_ehlo before answering HELO/EHLO, and sends its refusal instead of 250', async () => {
    const seen: unknown[] = [];
    const h = await ingress({
      policy: {
        smtp_server_ehlo: (domain, conn) => {
          seen.push({ domain, ehlo: conn['ehlo_domain'] });
          if (domain.endsWith('.bad.example')) reject(550, 'Your EHLO name is refused', '5.7.1');
        },
      },
    });
    const c = await client(h.port);
    const bad = await c.command('EHLO host.bad.example');
    expect([bad.code, bad.text]).toEqual([550, '5.7.1 Your EHLO name is refused']);
    expect((await c.command('MAIL FROM:<a@example.com>')).code).toBe(503);
    expect((await c.command('HELO good.test')).code).toBe(250);
    expect((await c.command('EHLO')).code).toBe(501);
    expect(seen).toEqual([{ domain: 'host.bad.example', ehlo: 'host.bad.example' }, { domain: 'good.test', ehlo: 'good.test' }]);
    c.close();
  });

  it('lets policy hooks reject with their own codes', async () => {
    const h = await ingress({
      policy: {
        smtp_server_message_received: (msg) => {
          if (msg.getFirstHeader('subject') === 'spam') reject(550, 'Content refused by policy', '5.7.1');
        },
      },
    });
    const c = await client(h.port);
    await c.command('EHLO client.test');
    await c.command('MAIL FROM:<a@example.com>');
    await c.command('RCPT TO:<x@dest.test>');
    await c.command('DATA');
    c.write('Subject: spam\r\n\r\nbody\r\n.\r\n');
    const r = await c.read();
    expect(r.code).toBe(550);
    expect(r.text).toBe('5.7.1 Content refused by policy');
    c.close();
  });
});

describe('SmtpIngress with a policy from another copy of @mtakit/core', () => {
  it('answers a reject() thrown by a separately loaded errors module with its own codes (issue 10)', async () => {
    // A query string makes the loader evaluate errors.ts again: a second copy, as tsx makes for a .ts policy.
    const specifier = '../errors.ts?policy-copy';
    const copy = (await import(specifier)) as typeof import('../errors.js');
    const { SmtpReplyError } = await import('../errors.js');
    expect(copy.SmtpReplyError).not.toBe(SmtpReplyError);
    const h = await ingress({
      policy: {
        smtp_server_rcpt_to: (rcpt) => {
          if (rcpt.startsWith('blocked@')) copy.reject(550, 'Recipient refused by policy', '5.7.1');
        },
        smtp_server_message_received: () => copy.reject(554, 'Content refused', '5.7.9'),
      },
    });
    const c = await client(h.port);
    await c.command('EHLO client.test');
    await c.command('MAIL FROM:<a@example.com>');
    const r = await c.command('RCPT TO:<blocked@dest.test>');
    expect([r.code, r.text]).toEqual([550, '5.7.1 Recipient refused by policy']);
    expect((await c.command('RCPT TO:<x@dest.test>')).code).toBe(250);
    await c.command('DATA');
    c.write('Subject: hi\r\n\r\nbody\r\n.\r\n');
    const d = await c.read();
    expect([d.code, d.text]).toEqual([554, '5.7.9 Content refused']);
    c.close();
  });
});
