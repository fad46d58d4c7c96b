import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBounceMessage } from './cli.js';

// Real bounces from public projects (see samples/real/SOURCES.md for origin and licences).
const dir = fileURLToPath(new URL('./samples/real/', import.meta.url));

/** [file, recipient, category, hard (address-level), extractor, what it shows] */
const CASES: [string, string, string, boolean, string, string][] = [
  ['node-baunsu/bounce_gmail.txt', 'mango3432xlkdieldkl@gmail.com', 'InvalidRecipient', true, 'rfc3464', 'Gmail DSN, no such user'],
  ['node-baunsu/bounce_hotmail.txt', 'mango3432xlkdieldkl@hotmail.com', 'InvalidRecipient', true, 'rfc3464', 'Hotmail / Outlook.com'],
  ['node-baunsu/bounce_yahoo.txt', 'mango3438kaskdmdfklas@yahoo.com', 'InvalidRecipient', true, 'rfc3464', 'Yahoo, "doesn\'t have a yahoo.com account"'],
  ['node-baunsu/bounce_postfix.txt', 'mango-=#43@panda.com', 'InvalidRecipient', true, 'rfc3464', 'Postfix, local recipient table'],
  ['node-baunsu/bounce_exchange.txt', 'mango3432dkl@skylight.com', 'InvalidRecipient', true, 'rfc3464', 'Exchange'],
  ['node-baunsu/bounce_att.txt', 'mango3438kaskdmdfklas@att.net', 'SpamBlock', false, 'rfc3464', 'AT&T block list: permanent, but about the sender'],
  ['flanker/gmail-no-dns.eml', 'user@example.comm', 'BadDomain', true, 'generic', 'Gmail plain-text bounce, no DSN part'],
  ['flanker/office365.eml', 'noname@example.com', 'InvalidRecipient', true, 'rfc3464', 'Office 365'],
  ['flanker/broken-mime.eml', 'info@example.net', 'MessageExpired', false, 'generic', 'broken MIME still yields its recipient; IMail "Delivery failed 10 attempts"'],
  ['flanker/aol.eml', 'redacted@aol.com', 'FeedbackReport', false, 'arf', 'AOL ARF complaint'],
  ['mailbouncedetector/bounce_qmail_no_host_found.eml', 'god@heaven.af.mil', 'BadDomain', true, 'qmail', 'qmail, no host by that name'],
  ['tmail-bouncer/verizon.eml', 'fred@somewhere.com', 'InvalidRecipient', true, 'rfc3464', 'Verizon (Barracuda "No such recipient")'],
  ['stalwart-mail-auth/004.eml', 'address@myotherdomain.name', 'FeedbackReport', false, 'arf', 'DMARC failure report (ARF auth-failure)'],
  ['go-gmime/NDR-block.eml', 'foobar@comcast.net', 'SpamBlock', false, 'rfc3464', 'Comcast block for spam'],
  ['crisp-email-bounce-parser/550_5_4_1_no_such_recipient_variant_2.txt', 'amedia@rakad.com', 'InvalidRecipient', true, 'generic', 'Outlook 5.4.1 directory block, body only'],
  ['crisp-email-bounce-parser/421_4_7_28_ip_blocked_spam.txt', 'data.sethu@gmail.com', 'SpamBlock', false, 'postfix-text', 'Gmail rate limit for unsolicited mail, body only'],
];

describe('real bounces (samples/real)', () => {
  it.each(CASES)('%s', async (file, recipient, category, hard, extractor) => {
    const out = await parseBounceMessage(readFileSync(`${dir}${file}`));
    expect(out.map((s) => [s.recipient.toLowerCase(), s.category, s.hard, s.extractor])).toEqual([[recipient.toLowerCase(), category, hard, extractor]]);
  });

  it('reads the ARF feedback type of a DMARC report, not a spam category', async () => {
    const [out] = await parseBounceMessage(readFileSync(`${dir}stalwart-mail-auth/004.eml`));
    expect(out).toMatchObject({ type: 'Feedback', action: 'auth-failure', category: 'FeedbackReport', permanent: false });
  });

  // Sets labelled by reading (labels.jsonl) before the parser saw them. Every label holds except
  // those listed, which the test states as they are.
  const labelled = (name: string, known: Record<string, 'hard' | 'recipient' | 'record'>) => {
    const at = `${dir}${name}/`;
    const labels = readFileSync(`${at}labels.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; recipient: string | null; category: string[] | null; hard: boolean });
    it.each(labels.map((l) => [l.file, l] as const))(`${name} %s`, async (file, label) => {
      const out = await parseBounceMessage(readFileSync(`${at}${file}`)).catch(() => []);
      if (label.recipient === 'NONE') {
        expect(out.length > 0).toBe(known[file] === 'record');
        return;
      }
      const record = out.find((s) => s.recipient.toLowerCase() === label.recipient) ?? out[0];
      expect(record).toBeDefined();
      if (label.recipient) expect(record?.recipient.toLowerCase() === label.recipient).toBe(known[file] !== 'recipient');
      if (label.category) expect(label.category).toContain(record?.category);
      expect(record?.hard).toBe(known[file] === 'hard' ? !label.hard : label.hard);
    });
  };
  // RIPE NCC whois (samples/real/ripe-whois). OpenSMTPD relaying "524 5.2.4 Mailing list expansion
  // problem": the x.2.4 fallback calls it an unknown recipient, so address-level; the list failed.
  labelled('ripe-whois', { 'permanentFailureMessageMultipartMixedRfc822.mail': 'hard' });
  // KumoMTA's report fixtures (samples/real/kumomta). rfc5965-2 carries an X-KumoRef naming the
  // recipient the message was sent to (test@example.com): the trace header outranks the report's field.
  labelled('kumomta', { 'rfc5965-2.eml': 'recipient' });

  // parsedmarc's DMARC failure reports (samples/real/parsedmarc): ARF auth-failure, and Exim's plain-text one.
  labelled('parsedmarc', {});
  it.each(['dmarc_ruf_report_linkedin.eml', 'exim_plain_text_only_no_arf_part.eml'])('reads parsedmarc %s as an auth-failure report, not a bounce', async (file) => {
    const out = await parseBounceMessage(readFileSync(`${dir}parsedmarc/${file}`));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ type: 'Feedback', action: 'auth-failure', category: 'FeedbackReport', hard: false, permanent: false });
  });

  // php-mime-mail-parser's test mails (samples/real/php-mime-mail-parser): ordinary mail in many
  // charsets and layouts, none of it a bounce, and one Outlook auto-reply in Polish.
  labelled('php-mime-mail-parser', {});

  // Mail parsers' fixtures: an Amazon SES suppression-list DSN (nodemailer's mailparser), a MailSite
  // DSN naming the recipient by local part in its text (SpamScope's mail-parser), and their ordinary mail.
  labelled('nodemailer-mailparser', {});
  labelled('spamscope-mail-parser', {});

  it('reads the ARF feedback type of Yahoo\'s and Return Path\'s (Comcast) complaints', async () => {
    for (const file of ['rfc5965-3.eml', 'rfc5965-4.eml']) {
      const [out] = await parseBounceMessage(readFileSync(`${dir}kumomta/${file}`));
      expect(out).toMatchObject({ type: 'Feedback', action: 'abuse', category: 'FeedbackReport', hard: false });
    }
  });

  // Froide's bounce fixtures (samples/real/froide), labelled by reading before the parser saw them.
  const froide = `${dir}froide/`;
  const froideLabels = readFileSync(`${froide}labels.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; recipient: string; category: string[]; hard: boolean });
  it.each(froideLabels.map((l) => [l.file, l] as const))('Froide fixture %s', async (file, label) => {
    const [record, ...rest] = await parseBounceMessage(readFileSync(`${froide}${file}`));
    expect(rest).toEqual([]);
    expect([record?.recipient.toLowerCase(), label.category.includes(record?.category ?? ''), record?.hard]).toEqual([label.recipient, true, label.hard]);
  });

  it('reads Froide\'s X-Autoreply acknowledgement as an auto-reply', async () => {
    const [out] = await parseBounceMessage(readFileSync(`${froide}test_mail_05.txt`));
    expect(out).toMatchObject({ category: 'AutoReply', action: 'autoreply', hard: false });
  });
});
