import { describe, expect, it } from 'vitest';
import { BounceClassifier } from '../classifier.js';
import { parseReplyText } from '../reply.js';
import replies from '../samples/replies.json' with { type: 'json' };
import { BUILTIN_RULES } from './index.js';
import { STATUS_RULES } from './status.js';

const classifier = new BounceClassifier({ cacheSize: 0 });

describe('built-in rules on real replies (samples/replies.json)', () => {
  it.each(replies.map((r) => [r.from, r.rule ?? r.category, r] as const))('%s: %s', (_from, _label, sample) => {
    const response = parseReplyText(sample.reply);
    expect(response, 'sample reply must start with a code').not.toBeNull();
    const result = classifier.classify(response!);
    expect(result.category).toBe(sample.category);
    expect(result.hard).toBe(sample.reply.startsWith('5'));
    if (sample.rule) expect(result.rule).toMatchObject({ kind: 'rule', source: 'builtin', ref: sample.rule });
  });

  it('covers every named built-in rule with at least one sample', () => {
    const covered = new Set(replies.map((r) => r.rule));
    const statusRefs = new Set(STATUS_RULES.map((r) => r.ref));
    const missing = BUILTIN_RULES.rules.map((r) => r.ref).filter((ref) => !statusRefs.has(ref) && !covered.has(ref));
    expect(missing).toEqual([]);
  });

  it('has unique rule names', () => {
    const refs = BUILTIN_RULES.rules.map((r) => r.ref);
    expect(new Set(refs).size).toBe(refs.length);
  });
});

// Wordings from another parser's rule set: PHP-Bounce-Handler's bounce_responses.php (cfortune/PHP-Bounce-Handler),
// each a fragment of a real reply, put in a bare reply without an enhanced code so the words alone decide.
const PHP_BOUNCE_HANDLER_PHRASES: [string, string][] = [
  ['550 Address is unknown', 'InvalidRecipient'], ['550 ADDRESS_NOT_FOUND', 'InvalidRecipient'],
  ['550 Email Address was not found', 'InvalidRecipient'], ['550 Invalid or unknown virtual user', 'InvalidRecipient'],
  ['550 No one with that email address here', 'InvalidRecipient'], ['550 No such mail drop defined', 'InvalidRecipient'],
  ["550 server doesn't handle mail for that user", 'InvalidRecipient'], ['550 This email address is not known to this system', 'InvalidRecipient'],
  ['550 was not found in LDAP server', 'InvalidRecipient'], ['550 Destinatario errato', 'InvalidRecipient'], ['550 Nie ma takiego konta', 'InvalidRecipient'],
  ['550 Mailbox currently suspended', 'InactiveMailbox'], ['550 mailbox temporarily disabled', 'InactiveMailbox'],
  ['550 Adressat unbekannt oder Mailbox deaktiviert', 'InactiveMailbox'], ["550 Questo indirizzo e' bloccato per inutilizzo", 'InactiveMailbox'],
  ['550 Esta casilla ha expirado por falta de uso', 'InactiveMailbox'], ['550 mailbox has been blocked due to inactivity', 'InactiveMailbox'],
  ['550 Podane konto jest zablokowane administracyjnie lub nieaktywne', 'InactiveMailbox'],
  ['450 Benutzer hat zuviele Mails auf dem Server', 'QuotaIssues'], ['450 User has exhausted allowed storage space', 'QuotaIssues'],
  ['550 host name is unknown', 'BadDomain'], ["550 couldn't find any host named", 'BadDomain'],
  ['550 no relaying allowed', 'RelayDenied'], ['550 This system is not configured to relay mail', 'RelayDenied'],
  ['550 Connection refused due to abuse', 'SpamBlock'], ['550 dial-up or dynamic-ip denied', 'SpamBlock'], ['550 permanently deferred', 'SpamBlock'],
  ['550 failed several antispam checks', 'SpamContent'], ['550 Wiadomosc zostala odrzucona przez system antyspamowy', 'SpamContent'],
  ['550 Message does not pass DomainKeys', 'AuthenticationFailed'], ['550 rejecting password protected file attachment', 'ProhibitedAttachment'],
  ['450 queue too long', 'MessageExpired'],
];

// Texts the MTAs themselves write (Exim's retry messages, sendmail, qmail-remote), as they reach the classifier in a DSN.
const MTA_TEXTS: [string, string][] = [
  ['554 retry time not reached for any host after a long failure period', 'MessageExpired'],
  ["554 all hosts for 'example.com' have been failing for a long time (and retry time not reached)", 'MessageExpired'],
  ['451 Name server timeout', 'DNSFailure'], ['554 MX list for example.com. points back to mx.example.com', 'RoutingErrors'],
  ["554 Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)", 'BadDomain'],
  ['554 This message is looping: it already has my Delivered-To line. (#5.4.6)', 'RoutingErrors'],
  ['451 Connected to 192.0.2.1 but connection died. (#4.4.2)', 'BadConnection'],
  ["554 Sorry. Although I'm listed as a best-preference MX or A for that host, it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)", 'RoutingErrors'],
  ['451 Server certificate not verified', 'BadConfiguration'],
  // Postfix gives a conversation that timed out 4.4.2, as a lost connection: the host did answer.
  ['451 4.4.2 conversation with mx.example.com[192.0.2.1] timed out while receiving the initial server greeting', 'BadConnection'],
  ['421 4.7.0 TLS handshake failed', 'BadConnection'], ['550 Unable to deliver message within the time limit', 'MessageExpired'],
];

// Wordings of the classes the held-out measure called weak (PolicyRelated, ContentRelated, InvalidSender, MessageExpired).
const WEAK_CLASS_TEXTS: [string, string][] = [
  ['550 Administrative prohibition', 'PolicyRelated'], ['553 sorry, your mail was administratively denied. (#5.7.1)', 'PolicyRelated'],
  ['550 5.7.1 Content rejected', 'ContentRelated'], ['554 5.7.0 A policy violation was detected in your message content', 'ContentRelated'],
  ['550 5.7.1 Content rejected due to spam', 'SpamContent'], ['554 5.7.1 Message content rejected, UBE, id=12345', 'SpamContent'],
  ['553 5.1.7 The sender address is invalid', 'InvalidSender'], ['550 No such local user', 'InvalidRecipient'],
  ['550 The mail addresses below are not registered.', 'InvalidRecipient'],
];

describe('built-in rules on the weak classes', () => {
  it.each(WEAK_CLASS_TEXTS)('%s -> %s', (line, category) => {
    expect(classifier.classifyLine(line).category).toBe(category);
  });
});

describe('built-in rules on MTA texts', () => {
  it.each(MTA_TEXTS)('%s -> %s', (line, category) => {
    expect(classifier.classifyLine(line).category).toBe(category);
  });
});

describe('built-in rules on PHP-Bounce-Handler wordings', () => {
  it.each(PHP_BOUNCE_HANDLER_PHRASES)('%s -> %s', (line, category) => {
    expect(classifier.classifyLine(line).category).toBe(category);
  });
});

describe('built-in status-code rules', () => {
  it.each(STATUS_RULES.map((r) => [r.ref, r.category] as const))('%s -> %s', (ref, category) => {
    const [subject, detail] = ref.replace('status.x.', '').split('.');
    for (const [code, cls] of [['550', 5], ['451', 4]] as const) {
      const result = classifier.classifyLine(`${code} ${cls}.${subject}.${detail} Requested action not taken`);
      expect(result).toMatchObject({ category, rule: { ref } });
    }
  });

  it('outrank catch-all wording, but not specific wording', () => {
    expect(classifier.classifyLine('550 5.1.1 <a@example.org>: Recipient address rejected: Access denied').category).toBe('InvalidRecipient');
    expect(classifier.classifyLine('550 5.1.1 <a@example.org>: Recipient address rejected: Access denied').rule).toMatchObject({ ref: 'status.x.1.1' });
    expect(classifier.classifyLine('550 5.1.1 Service unavailable; client [203.0.113.4] blocked using zen.spamhaus.org').category).toBe('SpamBlock');
  });

  it('do not read an expired licence or certificate as an expired message', () => {
    // Barracuda's "422 License Expired" (smtp-field-manual, data/codes/422.json) is the receiver's problem, not expiry.
    expect(classifier.classifyLine('422 License Expired').category).toBe('TransientFailure');
    expect(classifier.classifyLine('454 4.7.0 TLS certificate expired').category).not.toBe('MessageExpired');
    expect(classifier.classifyLine('554 5.4.7 Delivery time expired').category).toBe('MessageExpired');
  });

  it('read a vague "invalid address" under X.1.7 / X.1.8 (RFC 3463: the sender\'s address) as InvalidSender, not address-level', () => {
    expect(classifier.classifyLine('501 5.1.7 Invalid address').category).toBe('InvalidSender');
    expect(classifier.classifyLine('550 5.1.1 Invalid address').category).toBe('InvalidRecipient');
  });
});
