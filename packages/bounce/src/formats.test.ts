import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyResponseText, parseBounceMessage } from './cli.js';

// One test per bounce format named in issue 14, each on a real sample. Three kinds of sample:
// - `shared`: captured bounces of the development corpus (../shared/data/bounces-dev, see its
//   SOURCES.md for origin and licence), read in place and not copied into the repository;
// - `real`: captured bounces copied into samples/real (see samples/real/SOURCES.md);
// - `template`: built from the MTA's own bounce template in its public source code, or from the
//   notice's text as published; weaker than a captured email (see samples/templates/README.md).
// Formats with no licence-compatible public sample are listed in docs/bounces.md.
const shared = fileURLToPath(new URL('../../../../shared/data/bounces-dev/messages/', import.meta.url));
const local = fileURLToPath(new URL('./samples/', import.meta.url));
const sharedPresent = existsSync(shared);
if (!sharedPresent) console.warn(`bounce format tests on the development corpus skipped: ${shared} is absent (it is kept outside the repo)`);

type Kind = 'shared' | 'real' | 'template';
/** [format, kind, file, recipient, category, address-level hard, extractor] */
type Case = [string, Kind, string, string, string, boolean, string];

const CASES: Case[] = [
  ['DragonFly Mail Agent: remote reply', 'template', 'dragonfly-dma-rcpt.eml', 'nobody@example.net', 'InvalidRecipient', true, 'generic'],
  ['DragonFly Mail Agent: giving up', 'template', 'dragonfly-dma-expired.eml', 'ops@example.com', 'MessageExpired', false, 'generic'],
  ['Gmail plain-text bounce', 'real', 'flanker/gmail-no-dns.eml', 'user@example.comm', 'BadDomain', true, 'generic'],
  ['Gmail plain-text bounce, the reply five lines below the address', 'shared', 'bounce-email-rb/undeliverable_gmail.txt', 'undeliverable@coupa.com', 'InvalidRecipient', true, 'generic'],
  ['Gmail plain-text bounce of 2007 (PERM_FAILURE, a contact address in the reply)', 'shared', 'bounce-email-rb/tt_bounce_06.txt', 'info@koblenz.lv', 'SpamBlock', false, 'generic'],
  ['Exchange DSN saved with a blank line before its headers', 'shared', 'php-bounce-handler/exchange1.eml', 'phk@nordiskeiendom.no', 'InvalidRecipient', true, 'rfc3464'],
  ['Google Groups refusing a post', 'template', 'google-groups.eml', 'kernel-team@example.com', 'PolicyRelated', false, 'generic'],
  ['Amazon WorkMail inbound MX reply (relayed by Postfix, body only)', 'shared', 'crisp-email-bounce-parser/550_5_1_1_no_such_recipient_variant_13.txt', 'hlep@cashdaily.com', 'InvalidRecipient', true, 'postfix-text'],
  ['Exchange 2003 / IIS SMTPSVC DSN', 'shared', 'flufl-bounce/dsn_13.txt', 'marcooherbst@cardinal.com', 'InvalidRecipient', true, 'rfc3464'],
  ['Zoho Mail policy reply (relayed by Postfix, body only)', 'shared', 'crisp-email-bounce-parser/554_5_2_3_policy_violation.txt', 'support@databit.ch', 'PolicyRelated', false, 'postfix-text'],
  ['Zoho Mail unknown user (relayed by Postfix, body only)', 'shared', 'crisp-email-bounce-parser/550_5_1_1_no_such_recipient_variant_6.txt', 'admin@ipdee.com', 'InvalidRecipient', true, 'postfix-text'],
  ['OpenSMTPD (DSN without Diagnostic-Code)', 'shared', 'mailman2/dsn_18.txt', 'email@replaced.net', 'BadDomain', true, 'rfc3464'],
  ['OpenSMTPD of 2024 relaying a list expansion failure (RIPE whois fixture)', 'real', 'ripe-whois/permanentFailureMessageMultipartMixedRfc822.mail', 'lir@example.com', 'InvalidRecipient', true, 'rfc3464'],
  ['Ipswitch IMail: retries exhausted', 'shared', 'flufl-bounce/smtp32_01.txt', 'oliver@pcworld.com.ph', 'MessageExpired', false, 'generic'],
  ['Ipswitch IMail: mailbox size', 'shared', 'bounceparser/quota.msg', 'a@b.c', 'QuotaIssues', false, 'generic'],
  ['Trend Micro InterScan', 'shared', 'flufl-bounce/simple_15.txt', 'isam@kviv.be', 'InvalidRecipient', true, 'generic'],
  ['InterScan forwarding an Exchange DSN as an attachment', 'shared', 'flufl-bounce/dsn_15.txt', 'horu@ccc-ces.com', 'InvalidRecipient', true, 'rfc3464'],
  ['Lotus Notes / Domino: not listed', 'shared', 'flufl-bounce/simple_11.txt', 'carlosr73@hartfordlife.com', 'InvalidRecipient', true, 'generic'],
  ['Lotus Domino: ambiguous address', 'shared', 'bounce-email-rb/tt_bounce_15.txt', 'info@rimibaltic.com', 'InvalidRecipient', true, 'rfc3464'],
  ['Verizon (Barracuda)', 'real', 'tmail-bouncer/verizon.eml', 'fred@somewhere.com', 'InvalidRecipient', true, 'rfc3464'],
  ['RFC 3464 (Netscape-era DSN)', 'shared', 'mimekit/delivery-status2.txt', 'source@domain.com', 'InvalidRecipient', true, 'rfc3464'],
  ['GMX ("GMX Mailer Daemon", plain text)', 'real', 'chatmail-core/gmx_ndn.eml', 'snaerituhaeirns@gmail.com', 'InvalidRecipient', true, 'generic'],
  ['Japanese carrier gateway: DDI Pocket (KDDI group), pdx.ne.jp', 'real', 'fml8/pdx.ne.jp', '***********@pdx.ne.jp', 'InactiveMailbox', true, 'rfc3464'],
  ['EZweb\'s format: InterMail "Mail System Error - Returned Mail" (fml8 files ezweb.ne.jp under InterMail)', 'real', 'fml8/intermail', 'kenken@mb.nuinui.net', 'QuotaIssues', false, 'rfc3464'],
  ['Japanese PHS gateway: pakeo.ne.jp, Japanese text without MIME headers', 'real', 'fml8/pakeo.ne.jp', '*********@i.pakeo.ne.jp', 'InvalidRecipient', true, 'generic'],
  ['Nifty: sendmail V5-style "Unsent message follows", recipient named only in the returned Received', 'real', 'fml8/nifty.ne.jp', 'rudo0000@nifty.ne.jp', 'QuotaIssues', false, 'generic'],
  ['old sendmail (SMI-8.6): gave up', 'real', 'fml8/smi-8.6', 'rudo@nuinui.net', 'MessageExpired', false, 'generic'],
  ['BIGLOBE, saved with its mbox From_ line', 'real', 'fml8/biglobe.ne.jp', 'rudo@xxx.biglobe.ne.jp', 'QuotaIssues', false, 'generic'],
  ['goo mail: undeclared ISO-2022-JP', 'real', 'fml8/goo.ne.jp', 'user@mail.goo.ne.jp', 'QuotaIssues', false, 'generic'],
  ['Japanese carrier gateway: J-PHONE jp-r.ne.jp, EUC-JP text labelled ISO-2022-JP', 'real', 'fml8/jp-r.ne.jp', '****@jp-r.ne.jp', 'InvalidRecipient', true, 'generic'],
  ['Netscape Messaging Server 3.5, Japanese text', 'real', 'fml8/nms354', 'teru@ma.example.ne.jp', 'QuotaIssues', false, 'generic'],
  ['IIS SMTPSVC (MSN), no DSN part', 'real', 'fml8/smtpsvc', 'xxxxx@email.msn.com', 'InvalidRecipient', true, 'generic'],
  ['InterScan VirusWall NT, returned message quoted after "End of message"', 'real', 'fml8/interscan', 'account@domain.co.jp', 'InvalidRecipient', true, 'generic'],
];

function path(kind: Kind, file: string): string {
  return kind === 'shared' ? `${shared}${file}` : kind === 'real' ? `${local}real/${file}` : `${local}templates/${file}`;
}

describe('bounce formats named in issue 14, on real samples', () => {
  it.each(CASES)('%s (%s %s)', async (_format, kind, file, recipient, category, hard, extractor) => {
    if (kind === 'shared' && !sharedPresent) return;
    const out = await parseBounceMessage(readFileSync(path(kind, file)));
    expect(out.map((s) => [s.recipient.toLowerCase(), s.category, s.hard, s.extractor])).toEqual([[recipient, category, hard, extractor]]);
  });

  it.each([
    ['DNS lookup failure: host example.net not found', 'BadDomain', 'dma.domain-not-found'],
    ['SMTP login to mx.example.net failed', 'AuthenticationFailed', 'dma.smtp-login'],
  ])('reads the DragonFly bounce reason "%s" as %s', async (reason, category, ref) => {
    const text = readFileSync(path('template', 'dragonfly-dma-expired.eml'), 'latin1').replace(/^Could not deliver for the last .*$/m, reason);
    const [out] = await parseBounceMessage(Buffer.from(text, 'latin1'));
    expect(out).toMatchObject({ recipient: 'ops@example.com', category, rule: { ref } });
  });

  it('names the rule that decided, for a template-built DragonFly bounce', async () => {
    const [out] = await parseBounceMessage(readFileSync(path('template', 'dragonfly-dma-rcpt.eml')));
    expect(out).toMatchObject({ reply: expect.stringMatching(/^550 5\.1\.1 /), rule: { ref: 'postfix.user-unknown' }, permanent: true });
  });

  it('reads Courier\'s published sample DSN (Courier 0.10, "Final-Receipient"): the failed recipient and the relayed one', async () => {
    const out = await parseBounceMessage(readFileSync(path('template', 'courier-dsn.eml')));
    expect(out.map((s) => [s.recipient, s.action, s.category, s.hard, s.extractor])).toEqual([
      ['nosuchuser@relay2.example.com', 'failed', 'InvalidRecipient', true, 'rfc3464'],
      ['test2@relay2.example.com', 'relayed', 'Uncategorized', false, 'rfc3464'],
    ]);
  });

  it('names no recipient for a carrier notice that gives only a phone number (J-PHONE, sky.tkk.ne.jp)', async () => {
    await expect(parseBounceMessage(readFileSync(path('real', 'fml8/sky.tkk.ne.jp')))).rejects.toThrow(/not a bounce/);
  });

  it('reads old Postfix giving up (Action: failed, Status: 4.0.0) as MessageExpired, and its last reply "Host not found, try again" as a DNS failure, not a bad domain', async () => {
    const out = await parseBounceMessage(readFileSync(path('real', 'fml8/dsn')));
    expect(out.map((s) => [s.recipient, s.category, s.hard, s.rule])).toEqual([
      ['rudo@nuinui.net', 'MessageExpired', false, { kind: 'fallback', basis: 'dsn-status', code: '4.0.0' }],
      ['master@test.fml.org', 'MessageExpired', false, { kind: 'fallback', basis: 'dsn-status', code: '4.0.0' }],
    ]);
    expect(classifyResponseText(out[1]!.reply).classification).toMatchObject({ category: 'DNSFailure', rule: { ref: 'postfix.dns-temporary' } });
    expect(classifyResponseText(out[0]!.reply).classification).toMatchObject({ category: 'NoAnswerFromHost', rule: { ref: 'postfix.connect' } });
  });

  it('reads a real Google Groups refusal pasted without its headers (opencollective#2760): the group by name, message-level', async () => {
    const [out] = await parseBounceMessage(readFileSync(path('real', 'issues/opencollective-2760-google-groups.txt')));
    // The text names the group but not its domain; with no help-center link the notice is taken as googlegroups.com's.
    expect(out).toMatchObject({ recipient: 'security@googlegroups.com', category: 'PolicyRelated', hard: false, permanent: true, rule: { ref: 'google.groups' } });
  });

  it('does not take a Google Groups refusal as an unknown address', async () => {
    const [out] = await parseBounceMessage(readFileSync(path('template', 'google-groups.eml')));
    expect(out).toMatchObject({ category: 'PolicyRelated', hard: false, permanent: true, rule: { ref: 'google.groups' } });
  });
});
