import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MtaKitError, LOG_RECORD_TYPES } from '@mtakit/core';
import { BounceClassifier } from './classifier.js';
import { classifyResponseText, parseBounceMessage } from './cli.js';
import { reportToLogRecords } from './records.js';
import { BounceParseError, parseReport } from './report.js';
import { parseRuleFile } from './rules.js';
import { buildTraceHeader } from './trace.js';

const sample = (name: string) => readFileSync(new URL(`./samples/messages/${name}.eml`, import.meta.url));
const clock = { now: () => Date.UTC(2025, 0, 20, 12, 0, 0) };

describe('reportToLogRecords', () => {
  it('writes one OOB record per recipient with classification, correlation and DSN fields', async () => {
    const records = reportToLogRecords(await parseReport(sample('postfix-two-recipients')), { clock, nodeid: 'node-1', size: 4096 });
    expect(records).toHaveLength(2);
    const [first, second] = records;
    expect(first).toMatchObject({
      type: 'OOB',
      id: '0194636f2a1b0001a2b3c4d5e6f70819',
      recipient: 'someone@example.org',
      bounce_classification: 'InvalidRecipient',
      response: { code: 550, enhanced_code: { class: 5, subject: 1, detail: 10 } },
      peer_address: { name: 'example-org.mail.protection.outlook.com', addr: '' },
      timestamp: 1737374400,
      event_time: '2025-01-20T12:00:00.000Z',
      created: Math.floor(0x0194636f2a1b / 1000),
      reception_protocol: 'ESMTP',
      nodeid: 'node-1',
      size: 4096,
      extra: {
        oob: { action: 'failed', status: '5.1.10', reporter: 'postfix', format: 'rfc3464', hard: true, reporting_mta: 'mta2.mtakit.example' },
        correlation: { source: 'verp', verified: null },
      },
    });
    expect(second).toMatchObject({ recipient: 'info@example-shop.invalid', bounce_classification: 'BadDomain', peer_address: null });
    for (const r of records) expect(LOG_RECORD_TYPES).toContain(r.type);
  });

  it('puts tenant and campaign from the trace header into meta', async () => {
    const [record] = reportToLogRecords(await parseReport(sample('postfix-gmail-user-unknown')), { clock });
    expect(record?.meta).toEqual({ tenant: 'acme', campaign: 'spring-0' });
  });

  it('writes a Feedback record carrying the parsed ARF report', async () => {
    const [record] = reportToLogRecords(await parseReport(sample('arf-opt-out')), { clock });
    expect(record).toMatchObject({
      type: 'Feedback',
      recipient: 'leaving@aol.com',
      bounce_classification: 'Unsubscribe',
      meta: { tenant: 'initech', campaign: 'promo-2' },
      feedback_report: {
        feedback_type: 'opt-out', version: '1', incidents: 1, original_mail_from: 'news@mtakit.example',
        original_rcpto_to: ['leaving@aol.com'], reported_domain: ['mtakit.example'], arrival_date: '2025-01-19T22:59:41.000Z',
        reporting_mta: { mta_type: 'dns', name: 'feedback.example-isp.net' },
        supplemental_trace: { source: 'x-mtakit-ref', id: '0194637a22090000a9a8a7a6a5a4a3a2', tenant: 'initech' },
      },
    });
  });

  it('classifies with the classifier it is given', async () => {
    const custom = new BounceClassifier({ rules: [parseRuleFile('[rules]\nOverQuota = ["(?i)mailbox full"]\n', { source: 'custom.toml' })] });
    const [record] = reportToLogRecords(await parseReport(sample('exchange-mailbox-full')), { clock, classifier: custom });
    expect(record?.bounce_classification).toBe('OverQuota');
  });
});

describe('parseReport', () => {
  it('throws typed errors for empty input and for messages that are not reports', async () => {
    await expect(parseReport(Buffer.alloc(0))).rejects.toMatchObject({ name: 'BounceParseError', code: 'E_MESSAGE', reason: 'empty' });
    const note = Buffer.from('From: a@example.org\r\nTo: b@example.org\r\nSubject: lunch?\r\n\r\nNoon at the usual place.\r\n');
    const error = await parseReport(note).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BounceParseError);
    expect((error as BounceParseError).reason).toBe('not-a-report');
    expect((error as Error).message).toMatch(/not a bounce or feedback report/);
  });

  it('does not mistake an unreadable bounce for an auto-reply', async () => {
    const odd = Buffer.from('From: MAILER-DAEMON@example.org\r\nSubject: Undeliverable mail\r\nAuto-Submitted: auto-replied\r\n\r\nSomething went wrong.\r\n');
    await expect(parseReport(odd)).rejects.toMatchObject({ reason: 'not-a-report' });
  });

  it('uses the envelope recipient for VERP correlation and verifies signed trace headers', async () => {
    const id = '0194637911080000f1f2f3f4f5f6f7f8';
    const trace = buildTraceHeader({ id, recipient: 'x@example.org', meta: { tenant: 't' } }, { secret: 's3cret' });
    const dsn = Buffer.from([
      'From: MAILER-DAEMON@mx.example.org', 'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary=B', '', '--B', 'Content-Type: text/plain', '', 'failed', '--B',
      'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.example.org', '', 'Final-Recipient: rfc822; x@example.org',
      'Action: failed', 'Status: 5.1.1', '', '--B', 'Content-Type: text/rfc822-headers', '', `X-MtaKit-Ref: ${trace}`, 'Subject: hi', '', '--B--', '',
    ].join('\r\n'));
    expect((await parseReport(dsn, { traceSecret: 's3cret' })).correlation).toMatchObject({ source: 'x-mtakit-ref', id, tenant: 't', verified: true });
    expect((await parseReport(dsn, { traceSecret: 'wrong' })).correlation?.verified).toBe(false);
    const bare = Buffer.from(dsn.toString().replace(/X-MtaKit-Ref: .*\r\n/, ''));
    const viaVerp = await parseReport(bare, { envelopeRecipient: `bounces+${id}-x=example.org@b.example` });
    expect(viaVerp.correlation).toMatchObject({ source: 'verp', id, recipient: 'x@example.org' });
  });
});

describe('CLI helpers', () => {
  it('parseBounceMessage summarises each recipient', async () => {
    const out = await parseBounceMessage(sample('exim-plain-two-failures'));
    // A full mailbox is a permanent failure of this message, not of the address; an unknown one is both.
    expect(out.map((s) => [s.recipient, s.category, s.permanent, s.hard, s.rule?.kind, s.extractor])).toEqual([
      ['jane@example.net', 'QuotaIssues', true, false, 'rule', 'exim'],
      ['old-account@example-host.de', 'InvalidRecipient', true, true, 'rule', 'exim'],
    ]);
    expect(out[0]).toMatchObject({ type: 'OOB', diagnostic_code: expect.stringContaining('Mailbox is full'), queue_id: '01946371aa010000123456789abcdef0', tenant: 'acme' });
  });

  it('classifyResponseText parses what people paste', () => {
    expect(classifyResponseText('550 5.1.1 user unknown')).toMatchObject({
      response: { code: 550, enhanced_code: { class: 5, subject: 1, detail: 1 }, content: 'user unknown' },
      classification: { category: 'InvalidRecipient', hard: true },
    });
    expect(classifyResponseText('smtp; 421-4.7.0 [TSS04] Messages from 1.2.3.4\n 421-4.7.0 temporarily deferred').classification)
      .toMatchObject({ category: 'SpamBlock', hard: false, rule: { ref: 'yahoo.reputation-code' } });
  });

  it('classifyResponseText rejects text without a reply code', () => {
    expect(() => classifyResponseText('user unknown')).toThrow(MtaKitError);
    expect(() => classifyResponseText('user unknown')).toThrow(/not an SMTP reply: "user unknown"/);
    expect(() => classifyResponseText('999 odd')).toThrow(/3-digit code 200-599/);
  });
});

describe('parseReport on shapes found in real mail', () => {
  it('takes the Original-Recipient when the Final-Recipient is on an internal host without a domain (Sun SIMS)', async () => {
    const dsn = [
      'From: postmaster@go.example', 'To: list-bounces@lists.example', 'Subject: Delivery Notification: Delivery has failed',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'Your message cannot be delivered to the following recipients:', '',
      '--b', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns;msg00.go.example', '',
      'Action: failed', 'Status: 5.0.0 (recipient reached disk quota)', 'Original-recipient: rfc822;Jimmy@go.example',
      'Final-recipient: rfc822;Jimmy@sims-ms-daemon', '', '--b--', '',
    ].join('\r\n');
    const out = await parseBounceMessage(Buffer.from(dsn));
    expect(out.map((s) => [s.recipient, s.status])).toEqual([['Jimmy@go.example', '5.0.0']]);
  });

  it('does not take the sender named after "mail from" for a recipient (AOL)', async () => {
    const text = [
      'From: "Mail Delivery Subsystem" <MAILER-DAEMON@aol.example>', 'To: <list-bounces@lists.example>', 'Subject: Mail Delivery Problem', '',
      'Your mail to the following recipients could not be delivered because they are not accepting mail from list@lists.example:',
      '\tscreenname', '',
    ].join('\r\n');
    const out = await parseBounceMessage(Buffer.from(text));
    expect(out.map((s) => s.recipient)).toEqual(['screenname@aol.example']);
  });

  it('reads the Exchange NDR of Microsoft\'s "How to interpret an Exchange NDR" example (learn.microsoft.com, CC BY 4.0)', async () => {
    const ndr = [
      'From: postmaster@alpineskihouse.com', 'To: sender@example.org', 'Subject: Undeliverable: test', 'Content-Type: text/plain', '',
      'Delivery has failed to these recipients or groups:', 'ronald@contoso.com',
      "Your message wasn't delivered due to a permission or security issue. It might have been rejected by a moderator, the address might only accept email from certain senders, or another restriction might be preventing delivery. The following organization rejected your message: mail.contoso.com.",
      'Diagnostic information for administrators:', 'Generating server: alpineskihouse.com', 'ronald@contoso.com',
      'mail.contoso.com #<exchange.contoso.com #5.7.1 smtp;530 5.7.1 Client was not authenticated> #SMTP#', 'Original message headers:', '',
    ].join('\r\n');
    const [summary] = await parseBounceMessage(Buffer.from(ndr));
    expect(summary).toMatchObject({ recipient: 'ronald@contoso.com', status: '5.7.1', category: 'AuthenticationFailed', hard: false, permanent: true });
  });

  it('reads Status X.4.7 (RFC 3463: delivery time expired) as MessageExpired whatever last reply it quotes, never address-level', async () => {
    const dsn = [
      'From: MAILER-DAEMON@mx.example', 'To: sender@example.org', 'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'Your message could not be delivered.', '',
      '--b', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.example', '',
      'Final-Recipient: rfc822; user@example.net', 'Action: failed', 'Status: 4.4.7',
      'Diagnostic-Code: smtp; 421 4.7.0 Try again later, closing connection.', '', '--b--', '',
    ].join('\r\n');
    const [summary] = await parseBounceMessage(Buffer.from(dsn));
    expect(summary).toMatchObject({ category: 'MessageExpired', hard: false, permanent: true, rule: { kind: 'fallback', basis: 'dsn-status', code: '4.4.7' } });
    const [record] = reportToLogRecords(await parseReport(Buffer.from(dsn)), { clock });
    expect(record).toMatchObject({ bounce_classification: 'MessageExpired' });
  });

  it.each([
    ['a text/delivery-status part', (f: string) => f, 'text/delivery-status'],
    ['an X-Actual-Recipient in place of a lost Final-Recipient', (f: string) => f.replace('Final-Recipient', 'X-Actual-Recipient'), 'message/delivery-status'],
    ['a base64 delivery-status part', (f: string) => `${Buffer.from(f).toString('base64')}\n`, 'message/delivery-status\nContent-Transfer-Encoding: base64'],
  ])('reads a report with %s', async (_name, shape, type) => {
    const fields = 'Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; user@example.com\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n';
    const dsn = `From: MAILER-DAEMON@mx.example.net\nSubject: Delivery Status Notification\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\nContent-Type: text/plain\n\nDelivery failed.\n--B\nContent-Type: ${type}\n\n${shape(fields)}\n--B--\n`;
    const [summary] = await parseBounceMessage(Buffer.from(dsn));
    expect(summary).toMatchObject({ recipient: 'user@example.com', status: '5.1.1', category: 'InvalidRecipient', hard: true, extractor: 'rfc3464' });
  });

  it('names the complainant of a Microsoft JMRP report from the X-HmXmrOriginalRecipient of the returned message', async () => {
    const arf = ['From: staff@hotmail.com', 'Subject: complaint about message from 192.0.2.1', 'Content-Type: multipart/report; report-type=feedback-report; boundary=B', '',
      '--B', 'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', 'User-Agent: Hotmail FBL', 'Version: 1', '',
      '--B', 'Content-Type: message/rfc822', '', 'X-HmXmrOriginalRecipient: <user@hotmail.com>', 'From: news@example.org', 'To: <redacted>', 'Subject: hi', '', 'body', '--B--', ''].join('\n');
    const [summary] = await parseBounceMessage(Buffer.from(arf));
    expect(summary).toMatchObject({ type: 'Feedback', recipient: 'user@hotmail.com', action: 'abuse', category: 'FeedbackReport' });
  });
});

