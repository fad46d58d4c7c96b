import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTraceHeader } from './trace.js';
import { parseCidr } from '@mtakit/core/dns';
import { LogBus, type LogRecord, type ConnectionMeta, type ListenerDomainInput } from '@mtakit/core';
import { RawSmtpClient } from '@mtakit/core/testing';
import { generateSelfSigned, SmtpIngress, type AcceptedMessage, type SmtpIngressOptions } from '@mtakit/core/smtp';
import { readInboundReport, type ReportListenerDomain } from './report-listener.js';

const samples = join(import.meta.dirname, 'samples/messages');
const started: SmtpIngress[] = [];
let tls: { key: string; cert: string };
beforeAll(async () => {
  tls = await generateSelfSigned('mx.test');
});
afterAll(() => Promise.all(started.map((s) => s.close())));

const DOMAINS: Record<string, ReportListenerDomain> = {
  'bounce.mtakit.example': { log_oob: 'LogThenDrop', log_arf: 'LogThenDrop', reports: { traceSecret: 'trace-secret' } },
  'mtakit.example': { log_arf: 'LogThenDrop' },
  'relay-reports.example': { log_oob: 'LogThenRelay' },
};

async function listener(options: Partial<SmtpIngressOptions> = {}, withReader = true) {
  const accepted: AcceptedMessage[] = [];
  const records: LogRecord[] = [];
  const log = new LogBus();
  log.subscribe((r) => void records.push(r));
  const server = new SmtpIngress({
    hostname: 'mx.test', port: 0, tls, log, nodeId: 'node-1',
    // Nobody may relay: only the report domains accept mail from this client.
    relayNetworks: [parseCidr('192.0.2.0/24')],
    policy: { get_listener_domain: (domain) => DOMAINS[domain] as ListenerDomainInput | undefined },
    accept: async (messages) => void accepted.push(...messages),
    ...(withReader ? { reportReader: readInboundReport } : {}),
    ...options,
  });
  started.push(server);
  const { port } = await server.listen();
  return { port, accepted, records };
}

async function send(port: number, from: string, to: string[], data: Buffer | string): Promise<{ rcpt: number[]; data: string }> {
  const c = await RawSmtpClient.connect(port);
  await c.read();
  await c.command('EHLO reporter.test');
  await c.command(`MAIL FROM:<${from}>`);
  const rcpt: number[] = [];
  for (const t of to) rcpt.push((await c.command(`RCPT TO:<${t}>`)).code);
  if (!rcpt.includes(250)) {
    c.close();
    return { rcpt, data: '' };
  }
  await c.command('DATA');
  const body = Buffer.isBuffer(data) ? data.toString('latin1') : data;
  const reply = await c.command(`${body.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.`);
  c.close();
  return { rcpt, data: `${reply.code} ${reply.text}` };
}

/** A minimal RFC 3464 bounce quoting the original headers. */
function dsn(recipient: string, status: string, diagnostic: string, originalHeaders: string): string {
  return [
    'From: MAILER-DAEMON@mx.remote.example', 'To: bounces@bounce.mtakit.example', 'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain', '', 'I could not deliver your message.', '',
    '--b1', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.remote.example', '',
    `Final-Recipient: rfc822; ${recipient}`, 'Action: failed', `Status: ${status}`, 'Remote-MTA: dns; mx.remote.example',
    `Diagnostic-Code: smtp; ${diagnostic}`, '',
    '--b1', 'Content-Type: text/rfc822-headers', '', originalHeaders, '', '--b1--', '',
  ].join('\r\n');
}

describe('SmtpIngress report domains', () => {
  it('accepts a DSN for a bounce domain from anyone, logs its OOB record with the original message, relays nothing', async () => {
    const h = await listener();
    const r = await send(h.port, '', ['bounces+0194636f2a1b00007c9e1f2a3b4c5d6e-nobody=gmail.com@bounce.mtakit.example', 'someone@elsewhere.example'],
      readFileSync(join(samples, 'postfix-gmail-user-unknown.eml')));
    expect(r.rcpt).toEqual([250, 550]);
    expect(r.data).toBe('250 2.0.0 OK report received');
    expect(h.accepted).toEqual([]);
    const oob = h.records.filter((x) => x.type === 'OOB');
    expect(oob).toHaveLength(1);
    expect(oob[0]).toMatchObject({
      id: '0194636f2a1b00007c9e1f2a3b4c5d6e', recipient: 'nobody@gmail.com', sender: '', bounce_classification: 'InvalidRecipient',
      meta: { tenant: 'acme', campaign: 'spring-0' }, nodeid: 'node-1', reception_protocol: 'ESMTP',
      extra: { oob: { action: 'failed', status: '5.1.1' }, correlation: { source: 'x-mtakit-ref' } },
    });
    expect(oob[0]?.session_id).toEqual(expect.any(String));
  });

  it('verifies a signed trace header with the domain\'s secret', async () => {
    const h = await listener();
    const headers = (secret: string) => `X-MtaKit-Ref: ${buildTraceHeader({ id: '0194636f2a1b00007c9e1f2a3b4c5d70', recipient: 'gone@example.net', meta: { tenant: 'acme' } }, { secret })}\r\nSubject: hello`;
    await send(h.port, '', ['bounces@bounce.mtakit.example'], dsn('gone@example.net', '5.1.1', '550 5.1.1 user unknown', headers('trace-secret')));
    await send(h.port, '', ['bounces@bounce.mtakit.example'], dsn('gone@example.net', '5.1.1', '550 5.1.1 user unknown', headers('forged')));
    expect(h.records.map((x) => x.extra?.['correlation'])).toEqual([
      { source: 'x-mtakit-ref', verified: true, recipient: 'gone@example.net' },
      { source: 'x-mtakit-ref', verified: false, recipient: 'gone@example.net' },
    ]);
  });

  it('logs an ARF report as a Feedback record on a feedback-only domain', async () => {
    const h = await listener();
    const r = await send(h.port, 'feedback@arf.mail.yahoo.com', ['fbl@mtakit.example'], readFileSync(join(samples, 'arf-abuse.eml')));
    expect(r.data).toMatch(/^250 /);
    expect(h.records).toMatchObject([{ type: 'Feedback', recipient: 'angry@yahoo.com', meta: { tenant: 'initech', campaign: 'promo-1' }, feedback_report: { feedback_type: 'abuse' } }]);
  });

  it('drops with a record what the domain does not log: a bounce sent to a feedback-only domain, mail that is no report', async () => {
    const h = await listener();
    await send(h.port, '', ['fbl@mtakit.example'], readFileSync(join(samples, 'postfix-gmail-user-unknown.eml')));
    await send(h.port, 'friend@example.org', ['bounces@bounce.mtakit.example'], 'From: friend@example.org\r\nSubject: hi\r\n\r\nJust saying hello.\r\n');
    expect(h.accepted).toEqual([]);
    expect(h.records.map((x) => [x.type, x.recipient, x.sender, x.extra?.['oob']])).toEqual([
      ['OOB', 'fbl@mtakit.example', '', { action: 'dropped', reason: 'bounces are not logged for this domain' }],
      ['OOB', 'bounces@bounce.mtakit.example', 'friend@example.org', { action: 'dropped', reason: expect.stringMatching(/^not a bounce or feedback report/) }],
    ]);
  });

  it('relays in LogThenRelay mode: reports after logging them, other mail as it is', async () => {
    const h = await listener();
    await send(h.port, '', ['postmaster@relay-reports.example'], readFileSync(join(samples, 'exim-dsn-blocklisted.eml')));
    await send(h.port, 'friend@example.org', ['postmaster@relay-reports.example'], 'Subject: hi\r\n\r\nhello\r\n');
    expect(h.records.map((x) => x.type)).toEqual(['OOB']);
    expect(h.accepted.map((a) => a.message.recipient)).toEqual(['postmaster@relay-reports.example', 'postmaster@relay-reports.example']);
  });

  it('takes the report path for report domains even from clients that may relay, and relays the other recipients', async () => {
    const h = await listener({ relayNetworks: [parseCidr('127.0.0.0/8')] });
    await send(h.port, '', ['bounces@bounce.mtakit.example', 'someone@elsewhere.example'], readFileSync(join(samples, 'postfix-gmail-user-unknown.eml')));
    expect(h.records.map((x) => x.type)).toEqual(['OOB']);
    expect(h.accepted.map((a) => a.message.recipient)).toEqual(['someone@elsewhere.example']);
  });

  it('refuses a report domain with 451 4.3.5 when the listener has no report reader, instead of relaying its mail', async () => {
    const h = await listener({}, false);
    const c = await RawSmtpClient.connect(h.port);
    await c.read();
    await c.command('EHLO reporter.test');
    await c.command('MAIL FROM:<>');
    const reply = await c.command('RCPT TO:<bounces@bounce.mtakit.example>');
    c.close();
    expect(`${reply.code} ${reply.text}`).toMatch(/^451 4\.3\.5 Reports for bounce\.mtakit\.example cannot be read/);
  });

  it('accepts VERP addresses longer than 64 octets, still refuses malformed ones', async () => {
    const h = await listener();
    const verp = `bounces+0194636f2a1b00007c9e1f2a3b4c5d6e-${'a'.repeat(40)}.long.name=example.com@bounce.mtakit.example`;
    expect((await send(h.port, '', [verp, 'bad..dots@bounce.mtakit.example', `${'b'.repeat(70)} x@bounce.mtakit.example`], '')).rcpt).toEqual([250, 501, 501]);
  });

  it('lets RCPT-time hooks see the tenant of an authenticated client', async () => {
    const seen: ConnectionMeta[] = [];
    const h = await listener({
      credentials: new Map([['alice', { password: 'wonderland', tenant: 'acme' }]]),
      policy: { smtp_server_rcpt_to: (_r, conn) => void seen.push({ ...conn }) },
    });
    const c = await RawSmtpClient.connect(h.port);
    await c.read();
    await c.command('EHLO client.test');
    await c.startTls();
    await c.command('EHLO client.test');
    expect((await c.command(`AUTH PLAIN ${Buffer.from('\0alice\0wonderland').toString('base64')}`)).code).toBe(235);
    await c.command('MAIL FROM:<alice@example.com>');
    expect((await c.command('RCPT TO:<bob@example.net>')).code).toBe(250);
    c.close();
    expect(seen[0]).toMatchObject({ authn_id: 'alice', tenant: 'acme' });
  });
});
