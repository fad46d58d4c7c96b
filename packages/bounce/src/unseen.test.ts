import { describe, expect, it } from 'vitest';
import { parseBounceMessage } from './cli.js';
import { parseDeliveryStatus } from './dsn.js';
import { addressLevel, classifyRecipient } from './records.js';

// What the first measure on unseen real bounces showed (docs/bounces.md, "Unseen data"). The
// texts are reduced to the sentences the fix reads; the bounces themselves were read only.
const parse = async (text: string) =>
  (await parseBounceMessage(Buffer.from(text))).map((s) => ({ recipient: s.recipient, action: s.action, category: s.category, hard: s.hard }));

const POSTFIX_FINAL = [
  'Subject: Undelivered Mail Returned to Sender', 'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)', '',
  'This is the mail system at host mx.example.net.', '',
  "I'm sorry to have to inform you that your message could not",
  "be delivered to one or more recipients. It's attached below.", '',
];

describe('lessons of the unseen bounces', () => {
  it('reads a message saved with an mbox From_ line and an mboxrd-escaped >From line as a message', async () => {
    const text = ['From MAILER-DAEMON Wed Jun 18 07:58:17 2025', '>From MAILER-DAEMON Wed Jun 18 07:58:17 2025', ...POSTFIX_FINAL,
      '<gone@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <gone@example.org>:', '    Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)'].join('\n');
    expect(await parse(text)).toEqual([{ recipient: 'gone@example.org', action: 'failed', category: 'InvalidRecipient', hard: true }]);
  });

  it('reads Exim\'s "This is a temporary error ... deferred" report as a delay, and a per-hour sending cap as a rate limit', async () => {
    const text = ['This message was created automatically by mail delivery software.', '',
      'A message that you sent could not be delivered to one or more of its',
      'recipients. This is a temporary error. The following address(es) deferred:', '',
      '  someone@example.com', '    Domain example.net has exceeded the max emails per hour (124/100 (124%)) allowed.  Message will be reattempted later'].join('\n');
    expect(await parse(text)).toEqual([{ recipient: 'someone@example.com', action: 'delayed', category: 'TransientFailure', hard: false }]);
  });

  it('reads a Postfix final report whose last reply was temporary as failed, its continuation lines even when they lost their indentation', async () => {
    const text = [...POSTFIX_FINAL, '<user@example.com>: host mta7.example.com[192.0.2.7] said: 421',
      '4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to', 'unexpected volume or user complaints (in reply to MAIL FROM command)'].join('\n');
    expect(await parse(text)).toEqual([{ recipient: 'user@example.com', action: 'failed', category: 'SpamBlock', hard: false }]);
  });

  it('reads Postfix\'s delay warning as a delay, and stops a recipient\'s reason at the DSN fields pasted after it', async () => {
    const text = ['Subject: Delayed Mail (still being retried)', 'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)', '',
      'This is the mail system at host mx.example.net.', '', '# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #', '',
      'Your message could not be delivered for more than 4 hour(s).', 'It will be retried until it is 5 day(s) old.', '',
      '<someone@example.com>: delivery temporarily suspended: connect to', '    mx.example.com[192.0.2.26]:25: Connection timed out',
      'Reporting-MTA: dns; mx.example.net', 'Arrival-Date: Mon, 10 Feb 2020 20:34:42 +0000 (UTC)'].join('\n');
    const [out] = await parseBounceMessage(Buffer.from(text));
    expect(out).toMatchObject({ recipient: 'someone@example.com', action: 'delayed', category: 'NoAnswerFromHost', permanent: false });
    expect(out?.reply).not.toMatch(/Reporting-MTA/);
  });

  it('names the group of a Google Groups refusal quoted without its headers, not the sender it greets', async () => {
    const text = ['Hello someone@example.gov,', '',
      "We're writing to let you know that the group you tried to contact (platform-dev) may not exist, or you may not have permission to post messages to the group.", '',
      'If you have questions related to this or any other Google Group, visit the Help Center at https://groups.google.com/support/.', '', 'Thanks,', '', 'Google Groups'].join('\n');
    expect(await parse(text)).toEqual([{ recipient: 'platform-dev@googlegroups.com', action: 'failed', category: 'PolicyRelated', hard: false }]);
    const hosted = text.replace('https://groups.google.com/support/', 'https://support.google.com/a/example.ai/bin/topic.py?topic=25838');
    expect((await parse(hosted))[0]?.recipient).toBe('platform-dev@example.ai');
  });

  it('reads a Gmail sentence wrapped over two lines ("because the domain … couldn\'t be found")', async () => {
    const text = ['Subject: Delivery Status Notification (Failure)', 'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', '',
      'Address not found', '', "Your message wasn't delivered to contact@mail.example.io because the domain",
      "mail.example.io couldn't be found. Check for typos or unnecessary spaces and", 'try again.'].join('\n');
    expect(await parse(text)).toEqual([{ recipient: 'contact@mail.example.io', action: 'failed', category: 'BadDomain', hard: true }]);
  });

  it('reads OpenSMTPD\'s text-only report and its reasons', async () => {
    const text = ['Hi!', '', 'This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.', '',
      'An error has occurred while attempting to deliver a message for', 'the following list of recipients:', '',
      'list@lists.example.org: 501 5.5.4 Error: Bad NOTIFY parameter syntax', '', 'Below is a copy of the original message:'].join('\n');
    expect(await parse(text)).toEqual([{ recipient: 'list@lists.example.org', action: 'failed', category: 'ProtocolErrors', hard: false }]);
    const mx = text.replace('501 5.5.4 Error: Bad NOTIFY parameter syntax', 'Network error on destination MXs');
    expect((await parse(mx))[0]).toMatchObject({ category: 'NoAnswerFromHost', hard: false });
  });

  it('calls a final report with a temporary status MessageExpired, unless the last reason is more specific', () => {
    const [timeout, full] = parseDeliveryStatus([
      'Reporting-MTA: dns; mx.example.net', '',
      'Final-Recipient: rfc822; a@example.org', 'Action: failed', 'Status: 4.4.1', 'Diagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.1]:25: Connection timed out', '',
      'Final-Recipient: rfc822; b@example.org', 'Action: failed', 'Status: 4.2.2', 'Diagnostic-Code: smtp; 452 4.2.2 Mailbox full', '',
    ].join('\n')).recipients;
    expect(classifyRecipient(timeout!)).toMatchObject({ category: 'MessageExpired', hard: true, rule: { kind: 'fallback', basis: 'dsn-status', code: '4.4.1' } });
    expect(classifyRecipient(full!)).toMatchObject({ category: 'QuotaIssues', rule: { kind: 'rule' } });
  });

  it('does not call a failed DNS lookup address-level: a domain that does not exist is BadDomain', () => {
    expect(addressLevel({ category: 'DNSFailure', hard: true })).toBe(false);
    expect(addressLevel({ category: 'BadDomain', hard: true })).toBe(true);
  });
});

describe('fifth batch: Office 365 and Exchange texts, body-only Postfix, abuse@ recipients, expiry in words', () => {
  it.each([
    ["Your message to request@example.center couldn't be delivered.\n\nrequest wasn't found at example.center.\n", 'request@example.center', 'InvalidRecipient', true],
    ["Your message to staff@example.com couldn't be delivered.\n\nThe group staff only accepts messages from people in its organization or on its allowed senders list, and your email address isn't on the list.\n", 'staff@example.com', 'PolicyRelated', false],
    ["Delivery has failed to these recipients or groups:\n\nsomeone@example.gov\nThe email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.\n", 'someone@example.gov', 'InvalidRecipient', true],
    ['<info@example.com>: host\n    example-com.mail.protection.outlook.com[192.0.2.36] said: 550 5.4.1\n    Recipient address rejected: Access denied. AS(201806281) (in reply to RCPT TO command)\n', 'info@example.com', 'InvalidRecipient', true],
    ["Unable to send to abuse@example.com\nBounce reason: The recipient's email address (abuse@example.com) does not exist, so the message could not be delivered.\n550 No such user (TB)\n", 'abuse@example.com', 'InvalidRecipient', true],
    ["I'm sorry to have to inform you that your message could not be delivered to one or more recipients.\n\n<XXXXXXXX (expanded from <info@example.de>): User unknown in\n    virtual alias table\n", 'info@example.de', 'InvalidRecipient', true],
    ['This is the mail system at host mx.example.net.\n\nI\'m sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\nuser@example.de: host mx.example.de[192.0.2.73] said:\n    550 5.1.1 user@example.de: Recipient address rejected: User\n    unknown in virtual alias table (in reply to RCPT TO command)\n', 'user@example.de', 'InvalidRecipient', true],
    ['Reporting-MTA: dns; smtp1.example.org\nX-Postfix-Queue-ID: EB5ED1398\nFinal-Recipient: rfc822; someone@example.com\nOriginal-Recipient: rfc822;someone@example.com\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 554 5.7.1 Spam message rejected\n', 'someone@example.com', 'SpamContent', false],
    ['A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  someone@example.com\n    SMTP error from remote mail server after end of data:\n    550 5.7.1 [BFD] Sender prohibited by SPF\n', 'someone@example.com', 'AuthenticationFailed', false],
    ['----- The following addresses had permanent fatal errors ----- <abuse@example.com>\n\n   ----- Transcript of session follows ----- <abuse@example.com>... Deferred: Connection timed out with example.com.\nMessage could not be delivered for 5 days Message will be deleted from queue\n', 'abuse@example.com', 'MessageExpired', false],
  ])('reads %j', async (text, recipient, category, hard) => {
    expect((await parse(text))[0]).toEqual({ recipient, action: 'failed', category, hard });
  });
});

describe('generic layer: the reason above a list of recipients', () => {
  it('reads "The mail addresses below are not registered" for the address listed under it', async () => {
    const text = ['From: postmaster@mail.example.jp', 'Subject: Mail System Error - Returned Mail', '',
      'Your mail sent on: Mon, 10 Mar 2025 09:00:00 +0900', '    could not be delivered to the recipients below:', '',
      '    The mail addresses below are not registered.', '', '    nobody@example.jp'].join('\n');
    expect(await parse(text)).toEqual([{ recipient: 'nobody@example.jp', action: 'failed', category: 'InvalidRecipient', hard: true }]);
  });
});

describe('auto-replies in other languages', () => {
  it.each([
    ['Automatische Antwort: Newsletter'], ['Réponse automatique : Newsletter'], ['Respuesta automática: Newsletter'],
    ['=?UTF-8?B?6Ieq5YuV6L+U5L+hOiBOZXdzbGV0dGVy?='], ['=?UTF-8?B?0JDQstGC0L7QvtGC0LLQtdGCOiBOZXdzbGV0dGVy?='],
  ])('reads "%s" as an auto-reply (8-bit UTF-8 subjects included)', async (subject) => {
    const mail = `From: Jane Roe <jane@example.com>\nTo: news@example.org\nSubject: ${subject}\nContent-Type: text/plain; charset=utf-8\n\nBack on Monday.\n`;
    expect(await parse(mail)).toEqual([{ recipient: 'jane@example.com', action: 'autoreply', category: 'AutoReply', hard: false }]);
  });
});


describe('ninth and tenth batches: KumoMTA fixtures, forwarded and copied bounces', () => {
  it.each([
    ['a Postfix report forwarded inline, every line quoted', '> This is the mail system at host mx.example.net.\n>\n> I\'m sorry to have to inform you that your message could not\n> be delivered to one or more recipients.\n>\n> jo@example.com: host mx.example.com[192.0.2.2]\n>     said: 550 5.7.1 Client host rejected: cannot find your hostname,\n>    [192.0.2.1](in reply to RCPT TO command)\n', 'jo@example.com', 'BadConfiguration', false],
    ['an address copied from an HTML view as a Markdown mailto link', 'This is the mail system at host mx.example.net.\n\nI\'m sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n[<a+tag@example.de>](mailto:a+tag@example.de): host\n    mx.example.me[192.0.2.10] said: 554 5.7.1 Client host\n    rejected: cannot find your reverse hostname, [192.0.2.1] (in\n    reply to RCPT TO command)\n', 'a+tag@example.de', 'BadConfiguration', false],
    ['Gmail\'s "Google tried to deliver your message, but it was rejected by the server"', 'Failed email address:\nsomeone@ymail.com\n\nTechnical details:\nGoogle tried to deliver your message, but it was rejected by the server for the recipient domain ymail.com by mta7.example.net. [192.0.2.34].\n\nThe error that the server returned:\n554 delivery error: dd This user doesn\'t have a ymail.com account (someone@ymail.com) [0] - mta1285.mail.example.com\n', 'someone@ymail.com', 'InvalidRecipient', true],
  ])('reads %s', async (_what, text, recipient, category, hard) => {
    expect((await parse(text))[0]).toEqual({ recipient, action: 'failed', category, hard });
  });

  it('reads the reply a DSN quotes after "host … says:", and "is not a registered gateway user"', () => {
    const [dbeb, gateway] = parseDeliveryStatus([
      'Reporting-MTA: dns; relay.example.com', '',
      'Final-Recipient: rfc822;<someone@example.com>', 'Action: failed', 'Status: 5.0.0',
      'Diagnostic-Code: smtp;host example-com.mail.protection.outlook.com:25 says:', ' 550 5.4.1 Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors', '',
      'Final-Recipient: rfc822;someone@vnet.example.com', 'Action: failed', 'Status: 5.0.0', "Diagnostic-Code: smtp;  550 'someone@vnet.example.com' is not a", '  registered gateway user', '',
    ].join('\n')).recipients;
    expect(classifyRecipient(dbeb!)).toMatchObject({ category: 'InvalidRecipient', hard: true, rule: { ref: 'microsoft.dbeb' } });
    expect(classifyRecipient(gateway!)).toMatchObject({ category: 'InvalidRecipient', hard: true });
  });

  it('gives the non-Internet recipient of a DSN that names no other, with the text\'s reason', async () => {
    const text = ['From: Message Router <ammgr@example.com>', 'Subject: Status of: Re: test', 'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', '', '--b', 'Content-Type: text/plain', '',
      'Invalid address - nair_s', '%DIR-E-NODIRMTCH, No matching Directory Entry', '', '--b', 'Content-Type: message/delivery-status', '',
      'Reporting-MTA: mailbus; SYS30', '', 'Final-Recipient: unknown; nair_s', 'Status: 5.0.0 (unknown permanent failure)', 'Action: failed', '', '--b--', ''].join('\n');
    expect(await parse(text)).toEqual([{ recipient: 'nair_s', action: 'failed', category: 'InvalidRecipient', hard: true }]);
  });
});

describe('fourteenth batch: delay notices', () => {
  it('reads Exim\'s delay warning whose reply follows "Delay reason:" and "host H [ip]:"', async () => {
    const text = ['This message was created automatically by mail delivery software.',
      'A message that you sent has not yet been delivered to one or more of its', 'recipients after more than 24 hours on the queue on mail.example.org.', '',
      'The address to which the message has not yet been delivered is:', '', '  list@example.net',
      '    Delay reason: SMTP error from remote mail server after end of data:', '    host mx.example.net [192.0.2.168]: 451 4.5.0 Error in processing, id=10075-01, mime_decode-1 FAILED:',
      '    MIME::Parser: can\'t open tmpfile: Invalid argument'].join('\n');
    const [out] = await parseBounceMessage(Buffer.from(text));
    expect(out).toMatchObject({ recipient: 'list@example.net', action: 'delayed', permanent: false, hard: false });
    expect(out?.reply).toMatch(/^451 4\.5\.0 Error in processing/);
  });

  it('reads Postfix\'s "refused to talk to me:" reply, and Gmail\'s promise to say "if the delivery fails permanently" as a delay', async () => {
    const postfix = [...POSTFIX_FINAL, '<someone@example.com>: host mail.example.com[192.0.2.84]', '    refused to talk to me: 554 5.7.1 You are not allowed to connect.'].join('\n');
    expect((await parseBounceMessage(Buffer.from(postfix)))[0]?.reply).toBe('554 5.7.1 You are not allowed to connect.');
    const gmail = "There was a temporary problem while delivering your message to someone@example.com. Gmail will retry for 47 more hours. You'll be notified if the delivery fails permanently.\n";
    expect(await parse(gmail)).toEqual([{ recipient: 'someone@example.com', action: 'delayed', category: 'TransientFailure', hard: false }]);
  });
});
