import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogRecord } from '@mtakit/core';
import { decodeTraceHeader } from '@mtakit/bounce';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAll, startPolicyMta, type PolicyMta } from './helpers/policy-mta.js';
import { sendOne } from '../../../packages/tests/src/helpers/send.js';

const TRACE_SECRET = 'trace-secret-for-tests';
const UNSUBSCRIBE_SECRET = 'unsubscribe-secret-for-tests';

/**
 * The example MTA in this process, with a sink as smart host, a bounce domain, a signed trace
 * header, one-click unsubscribe and a classification hook; one MTA for the whole file, so the
 * scenarios use distinct recipients.
 */
describe('bounces and suppression, end to end', () => {
  let busy = false;
  const sink = new SmtpSink({ rcptReply: () => (busy ? '451 4.3.0 busy, come back later' : undefined) });
  let h: PolicyMta;
  const saved = { ...process.env };
  const scratch = mkdtempSync(join(tmpdir(), 'mtakit-bounces-e2e-'));

  beforeAll(async () => {
    await sink.start();
    const hooks = join(scratch, 'bounce-hooks.mjs');
    writeFileSync(hooks, 'export function rewrite_bounce_classification(response) { return /busy/.test(response.content) ? "RemoteBusy" : undefined; }\n');
    Object.assign(process.env, {
      MTAKIT_BOUNCE_DOMAINS: 'bounce.mtakit.test',
      MTAKIT_VERP_DOMAIN: 'bounce.mtakit.test',
      MTAKIT_TRACE_SECRET: TRACE_SECRET,
      MTAKIT_BOUNCE_HOOKS: hooks,
      MTAKIT_UNSUBSCRIBE_LISTEN: '127.0.0.1:0',
      MTAKIT_UNSUBSCRIBE_URL: 'https://unsubscribe.mtakit.test/u',
      MTAKIT_UNSUBSCRIBE_SECRET: UNSUBSCRIBE_SECRET,
    });
    h = await startPolicyMta({ MTAKIT_SMARTHOST: sink.address }, {
      // Retries after a second, so a message can be suppressed between two attempts.
      policy: { get_queue_config: () => ({ retry_interval: '1s' }) },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await sink.stop();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    rmSync(scratch, { recursive: true, force: true });
  });

  const records = (): LogRecord[] => {
    const dir = logDir();
    return readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord));
  };
  /** The MTA names its data directory when it starts; its logs are in `logs/` there. */
  const logDir = (): string => join(/data in (\S+);/.exec(h.logs.join('\n'))?.[1] as string, 'logs');
  const recordsOf = (type: string, recipient: string) => records().filter((r) => r.type === type && r.recipient === recipient);
  const api = async (path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${h.mta.http.port}/api/admin/suppression/v1/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    return res.json() as Promise<Record<string, unknown>>;
  };
  const send = (to: string, headers: Record<string, string> = {}) => sendAll(h.mta.smtp.port, [{ to, headers }]).then((r) => r[0] as { code: number; response: string });

  it('classifies a hard bounce, suppresses the address, and refuses the next send at RCPT', async () => {
    expect((await send('permfail@example.net', { 'X-Tenant': 'acme' })).code).toBe(250);
    await expect.poll(() => recordsOf('Bounce', 'permfail@example.net'), { timeout: 20_000 }).toHaveLength(1);
    expect(recordsOf('Bounce', 'permfail@example.net')[0]).toMatchObject({ bounce_classification: 'InvalidRecipient', response: { code: 550 } });
    await expect.poll(() => api('check?recipient=permfail@example.net&tenant=globex')).toMatchObject({
      suppressed: true, entry: { reason: 'bounce', tenant: null, category: 'InvalidRecipient', source_type: 'Bounce' },
    });

    const again = await send('permfail@example.net', { 'X-Tenant': 'acme' });
    expect(again.code).toBe(550);
    expect(again.response).toMatch(/550 5\.1\.1 <permfail@example\.net> is on the suppression list \(bounce InvalidRecipient since \d{4}-\d\d-\d\d\)/);
    expect(recordsOf('Reception', 'permfail@example.net')).toHaveLength(1);
    await expect.poll(() => recordsOf('Rejection', 'permfail@example.net')).toHaveLength(1);
  });

  it('classifies transient failures (the hook rewrote this one), and checks again before delivery', async () => {
    busy = true;
    expect((await send('later@example.net', { 'X-Tenant': 'acme' })).code).toBe(250);
    await expect.poll(() => recordsOf('TransientFailure', 'later@example.net').length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(recordsOf('TransientFailure', 'later@example.net')[0]?.bounce_classification).toBe('RemoteBusy');
    expect(await api('add', { recipient: 'later@example.net', tenant: 'acme', note: 'asked by phone' })).toEqual({ added: 1 });
    busy = false;

    await expect.poll(() => recordsOf('Bounce', 'later@example.net'), { timeout: 20_000 }).toHaveLength(1);
    expect(recordsOf('Bounce', 'later@example.net')[0]?.response.content).toMatch(/<later@example\.net> is on the suppression list for tenant acme \(manual/);
    expect(sink.for('later@example.net')).toEqual([]);
  });

  it('a complaint (ARF to the bounce domain, correlated by the signed trace header) suppresses the next send for that tenant', async () => {
    expect((await send('reader@example.net', { 'X-Tenant': 'acme', 'X-Campaign': 'spring' })).code).toBe(250);
    await sink.waitFor(() => sink.for('reader@example.net').length === 1);
    const delivered = (sink.for('reader@example.net')[0] as { data: Buffer }).data.toString();
    const ref = /^X-MtaKit-Ref: (\S+)/m.exec(delivered)?.[1] as string;
    expect(decodeTraceHeader(ref, { secret: TRACE_SECRET })).toMatchObject({ verified: true, recipient: 'reader@example.net', tenant: 'acme', campaign: 'spring' });

    const reply = await sendOne(h.mta.smtp.port, 'feedback@fbl.example.org', 'fbl@bounce.mtakit.test', arf('abuse', delivered));
    expect(reply).toMatch(/^250 /);
    const feedback = records().filter((r) => r.type === 'Feedback');
    expect(feedback).toHaveLength(1);
    expect(feedback[0]).toMatchObject({ recipient: 'reader@example.net', meta: { tenant: 'acme', campaign: 'spring' }, bounce_classification: 'SpamRelated' });
    await expect.poll(() => api('check?recipient=reader@example.net&tenant=acme')).toMatchObject({ suppressed: true, entry: { reason: 'complaint', tenant: 'acme' } });

    expect((await send('reader@example.net', { 'X-Tenant': 'acme', 'X-Campaign': 'summer' })).code).toBe(250);
    await expect.poll(() => recordsOf('Suppressed', 'reader@example.net')).toHaveLength(1);
    expect(recordsOf('Suppressed', 'reader@example.net')[0]).toMatchObject({ meta: { tenant: 'acme', campaign: 'summer' }, extra: { suppression: { reason: 'complaint' } } });
    // Another tenant's mail still goes through: the complaint was about acme.
    expect((await send('reader@example.net', { 'X-Tenant': 'globex' })).code).toBe(250);
    await sink.waitFor(() => sink.for('reader@example.net').length === 2);
    const second = /^X-MtaKit-Ref: (\S+)/m.exec((sink.for('reader@example.net')[1] as { data: Buffer }).data.toString())?.[1] as string;
    expect(decodeTraceHeader(second, { secret: TRACE_SECRET })).toMatchObject({ tenant: 'globex' });
  });

  it('an OOB DSN for a delivered message becomes an OOB record with its queue id, tenant and campaign', async () => {
    expect((await send('moved-away@example.net', { 'X-Tenant': 'initech', 'X-Campaign': 'promo-9' })).code).toBe(250);
    await sink.waitFor(() => sink.for('moved-away@example.net').length === 1);
    const delivered = (sink.for('moved-away@example.net')[0] as { data: Buffer }).data.toString();
    await expect.poll(() => recordsOf('Delivery', 'moved-away@example.net')).toHaveLength(1);
    const queueId = recordsOf('Delivery', 'moved-away@example.net')[0]?.id;
    expect(queueId).toMatch(/^[0-9a-f]{32}$/);

    expect(await sendOne(h.mta.smtp.port, '', 'bounces@bounce.mtakit.test', dsn('moved-away@example.net', delivered))).toMatch(/^250 2\.0\.0 OK report received/);
    const oob = records().filter((r) => r.type === 'OOB');
    expect(oob).toHaveLength(1);
    expect(oob[0]).toMatchObject({
      id: queueId, recipient: 'moved-away@example.net', meta: { tenant: 'initech', campaign: 'promo-9' }, bounce_classification: 'InvalidRecipient',
      extra: { oob: { action: 'failed', status: '5.1.1', reporting_mta: 'mx.example.net' }, correlation: { source: 'x-mtakit-ref', verified: true } },
    });
    await expect.poll(() => api('check?recipient=moved-away@example.net')).toMatchObject({ suppressed: true, entry: { reason: 'bounce', source_type: 'OOB', source_id: queueId } });
    expect((await send('moved-away@example.net')).code).toBe(550);
  });

  it('does not let a forged report (trace header signed with another secret) suppress anyone', async () => {
    const forged = 'X-MtaKit-Ref: eyJtdGFraXQiOjEsImlkIjoiMDE5NDYzNmYyYTFiMDAwMDdjOWUxZjJhM2I0YzVkNmUiLCJyZWNpcGllbnQiOiJ2aWN0aW1AZXhhbXBsZS5uZXQifQ.AAAAAAAAAAAAAAAAAAAAAA\r\nSubject: x\r\n\r\nx\r\n';
    expect(await sendOne(h.mta.smtp.port, '', 'bounces@bounce.mtakit.test', dsn('victim@example.net', forged))).toMatch(/^250 /);
    await expect.poll(() => records().filter((r) => r.type === 'OOB' && r.recipient === 'victim@example.net')).toHaveLength(1);
    expect(await api('check?recipient=victim@example.net')).toEqual({ suppressed: false });
  });

  it('sends with VERP return paths; a bounce quoting nothing correlates by VERP but, being unsigned, is logged without suppressing', async () => {
    expect((await send('verp@example.net', { 'X-Tenant': 'acme' })).code).toBe(250);
    await sink.waitFor(() => sink.for('verp@example.net').length === 1);
    const returnPath = (sink.for('verp@example.net')[0] as { sender: string }).sender;
    await expect.poll(() => recordsOf('Delivery', 'verp@example.net')).toHaveLength(1);
    const id = recordsOf('Delivery', 'verp@example.net')[0]?.id as string;
    expect(returnPath).toBe(`bounces+${id}-verp=example.net@bounce.mtakit.test`);

    const qmail = [
      'From: MAILER-DAEMON@mail.example.net', `To: ${returnPath}`, 'Subject: failure notice', '',
      'Hi. This is the qmail-send program at mail.example.net.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      "This is a permanent error; I've given up. Sorry it didn't work out.", '',
      '<verp@example.net>:', 'Sorry, no mailbox here by that name. (#5.1.1)', '',
    ].join('\r\n');
    expect(await sendOne(h.mta.smtp.port, '', returnPath, qmail)).toMatch(/^250 /);
    await expect.poll(() => recordsOf('OOB', 'verp@example.net')).toHaveLength(1);
    expect(recordsOf('OOB', 'verp@example.net')[0]).toMatchObject({ id, bounce_classification: 'InvalidRecipient', extra: { correlation: { source: 'verp' } } });
    expect(await api('check?recipient=verp@example.net')).toEqual({ suppressed: false });
  });

  it('leaves List-Unsubscribe headers intact, adds signed one-click ones when missing, and records the POST as an opt-out', async () => {
    const own = { 'List-Unsubscribe': '<mailto:unsub@example.com?subject=stop>,  <https://example.com/u/abc?x=1>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
    expect((await send('keeps@example.net', { 'X-Tenant': 'acme', ...own })).code).toBe(250);
    expect((await send('clicks@example.net', { 'X-Tenant': 'acme', 'X-Campaign': 'spring' })).code).toBe(250);
    await sink.waitFor(() => sink.for('keeps@example.net').length === 1 && sink.for('clicks@example.net').length === 1);

    const kept = (sink.for('keeps@example.net')[0] as { data: Buffer }).data.toString();
    expect(kept).toContain('\r\nList-Unsubscribe: <mailto:unsub@example.com?subject=stop>,  <https://example.com/u/abc?x=1>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
    expect(kept.match(/^List-Unsubscribe:/gm)).toHaveLength(1);

    const added = (sink.for('clicks@example.net')[0] as { data: Buffer }).data.toString();
    expect(added).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    const published = (/^List-Unsubscribe: <([^>]+)>/m.exec(added) as RegExpExecArray)[1] as string;
    expect(published).toMatch(/^https:\/\/unsubscribe\.mtakit\.test\/u\?t=[\w-]+\.[\w-]+$/);
    // The public URL would reach the receiver through a proxy; here it listens on a free port.
    const port = /one-click unsubscribe listening on [^:]+:(\d+)/.exec(h.logs.join('\n'))?.[1] as string;
    const link = published.replace('https://unsubscribe.mtakit.test', `http://127.0.0.1:${port}`);

    const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await api('check?recipient=clicks@example.net&tenant=acme')).toMatchObject({ suppressed: true, entry: { reason: 'unsubscribe', tenant: 'acme', source_id: 'spring' } });
    const tampered = link.replace(/t=([^.]+)/, `t=${Buffer.from('{"r":"keeps@example.net","t":"acme"}').toString('base64url')}`);
    expect((await fetch(tampered, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(403);
    expect(await api('check?recipient=keeps@example.net&tenant=acme')).toEqual({ suppressed: false });
  });
});

/** An RFC 5965 report about a delivered message, quoting it whole. */
function arf(type: string, original: string): string {
  return [
    'From: feedback@fbl.example.org', 'To: fbl@bounce.mtakit.test', 'Subject: FW: complaint', 'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"', '',
    '--arf', 'Content-Type: text/plain', '', 'This is an email abuse report.', '',
    '--arf', 'Content-Type: message/feedback-report', '', `Feedback-Type: ${type}`, 'User-Agent: ExampleFBL/1.0', 'Version: 1',
    'Reporting-MTA: dns; fbl.example.org', 'Source-IP: 127.0.0.1', '',
    '--arf', 'Content-Type: message/rfc822', 'Content-Disposition: inline', '', original.replace(/\r\n$/, ''), '',
    '--arf--', '',
  ].join('\r\n');
}

/** An RFC 3464 bounce sent after the message was accepted, quoting its headers. */
function dsn(recipient: string, original: string): string {
  const headers = original.split(/\r?\n\r?\n/)[0] as string;
  return [
    'From: MAILER-DAEMON@mx.example.net', 'To: bounces@bounce.mtakit.test', 'Subject: Undelivered Mail Returned to Sender', 'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"', '',
    '--dsn', 'Content-Type: text/plain', '', 'Your message could not be delivered to its final mailbox.', '',
    '--dsn', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.example.net', '',
    `Final-Recipient: rfc822; ${recipient}`, 'Action: failed', 'Status: 5.1.1', 'Remote-MTA: dns; store.example.net',
    `Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: mailbox no longer exists`, '',
    '--dsn', 'Content-Type: text/rfc822-headers', '', headers, '',
    '--dsn--', '',
  ].join('\r\n');
}
