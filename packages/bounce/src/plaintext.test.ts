import { describe, expect, it } from 'vitest';
import { parseDeliveryStatus } from './dsn.js';
import { parsePlainTextBounce } from './plaintext.js';

const summary = (text: string) =>
  parsePlainTextBounce(text)?.recipients.map((r) => ({ recipient: r.recipient, action: r.action, status: r.status, remote: r.remote_mta, line: `${r.response.code} ${r.response.content}` }));

describe('plain-text bounce formats', () => {
  it('reads Sendmail bounces without a DSN part', () => {
    const text = [
      'The original message was received at Wed, 15 Jan 2025 13:26:03 GMT', '',
      '   ----- The following addresses had permanent fatal errors -----', '<old@example-corp.com>',
      '    (reason: 550 5.1.1 <old@example-corp.com>... User unknown)', '', '   ----- Transcript of session follows -----',
    ].join('\n');
    expect(summary(text)).toEqual([
      { recipient: 'old@example-corp.com', action: 'failed', status: '5.1.1', remote: null, line: '550 <old@example-corp.com>... User unknown' },
    ]);
  });

  it('reads Exchange text NDRs', () => {
    const text = [
      'Delivery has failed to these recipients or groups:', '', 'Diagnostic information for administrators:', '',
      'Generating server: EXCH01.corp.example.com', '', 'nobody@corp.example.com',
      "Remote Server returned '550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found'",
    ].join('\r\n');
    expect(summary(text)).toEqual([
      { recipient: 'nobody@corp.example.com', action: 'failed', status: '5.1.1', remote: null, line: '550 RESOLVER.ADR.ExRecipNotFound; not found' },
    ]);
  });

  it('reads Postfix notification text when the report part is missing', () => {
    const text = [
      'This is the mail system at host mta1.example.net.', '',
      '<a@example.org>: host mx.example.org[192.0.2.10] said: 452 4.2.2 <a@example.org>:',
      '    Mailbox full (in reply to RCPT TO command)', '',
      '<b@nowhere.invalid>: Host or domain name not found. Name service error for',
      '    name=nowhere.invalid type=A: Host not found',
    ].join('\n');
    expect(summary(text)).toEqual([
      { recipient: 'a@example.org', action: 'delayed', status: '4.2.2', remote: 'mx.example.org', line: '452 <a@example.org>: Mailbox full' },
      { recipient: 'b@nowhere.invalid', action: 'failed', status: null, remote: null, line: '550 Host or domain name not found. Name service error for name=nowhere.invalid type=A: Host not found' },
    ]);
  });

  it('reads Exim delay warnings as delayed', () => {
    const text = [
      'This message was created automatically by mail delivery software.',
      'A message that you sent has not yet been delivered to one or more of its',
      'recipients after more than 24 hours on the queue on relay.example.net.', '',
      '  slow@example.org', '    Delay reason: SMTP error from remote mail server after RCPT TO:<slow@example.org>:',
      '    451 4.7.1 Greylisted, please try again later', '',
    ].join('\n');
    expect(parsePlainTextBounce(text)?.recipients[0]).toMatchObject({ recipient: 'slow@example.org', action: 'delayed' });
  });

  it('returns null for text it does not recognise', () => {
    expect(parsePlainTextBounce('Hello, see you tomorrow.')).toBeNull();
  });
});

describe('message/delivery-status fields', () => {
  it('handles folding, case, comments, a missing Action and everything in one group', () => {
    const { message, recipients } = parseDeliveryStatus([
      'reporting-mta: DNS; mx.example.net', 'FINAL-RECIPIENT: RFC822; <Who@Example.org>', 'Status: 4.4.1 (no answer from host)',
      'Remote-MTA: dns; mx2.example.org. (192.0.2.9, the server for the domain example.org.)',
      'Diagnostic-Code: X-Mailer; connect to mx2.example.org[192.0.2.9]:25:', '  Connection timed out',
    ].join('\r\n'));
    expect(message.reporting_mta).toBe('mx.example.net');
    expect(recipients).toEqual([{
      recipient: 'Who@Example.org', original_recipient: null, action: 'delayed', status: '4.4.1',
      diagnostic_code: 'X-Mailer; connect to mx2.example.org[192.0.2.9]:25: Connection timed out',
      remote_mta: 'mx2.example.org', remote_mta_addr: '192.0.2.9', last_attempt_date: null,
      response: { code: 451, enhanced_code: { class: 4, subject: 4, detail: 1 }, content: 'connect to mx2.example.org[192.0.2.9]:25: Connection timed out', command: null },
    }]);
  });

  it('takes the enhanced code from Status when the SMTP reply has none', () => {
    const { recipients } = parseDeliveryStatus('Reporting-MTA: dns; a\n\nFinal-Recipient: rfc822; x@y.example\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 552 1 Requested mail action aborted, mailbox not found\n');
    expect(recipients[0]?.response).toEqual({ code: 552, enhanced_code: { class: 5, subject: 0, detail: 0 }, content: '1 Requested mail action aborted, mailbox not found', command: null });
  });
});
