import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BounceClassifier } from './classifier.js';
import { loadRuleFile, type BounceRuleSet } from './rules.js';
import replies from './samples/replies.json' with { type: 'json' };
import holdout from './samples/replies-holdout.json' with { type: 'json' };

// Compat suite: KumoMTA's own rule files, read from the shared data folder next to the repo.
const dir = fileURLToPath(new URL('../../../../shared/data/kumomta', import.meta.url));
const present = existsSync(dir);
if (!present) console.warn(`bounce compat suite skipped: ${dir} is absent (KumoMTA rule files are not part of the repo)`);

describe.skipIf(!present)('KumoMTA rule files load as they are', () => {
  let community: BounceRuleSet;
  let iana: BounceRuleSet;
  let kumo: BounceClassifier;
  beforeAll(async () => {
    community = await loadRuleFile(`${dir}/community/bounces.toml`);
    iana = await loadRuleFile(`${dir}/bounce_classifier/iana.toml`);
    // KumoMTA semantics exactly: their files only, in the order their docs load them, no fallback.
    kumo = new BounceClassifier({ rules: [community, iana], builtin: false, fallback: false });
  });

  it('loads every pattern of both files', () => {
    expect(iana.rules.length).toBeGreaterThan(20);
    expect(community.rules.length).toBeGreaterThan(100);
    expect(kumo.ruleCount).toBe(iana.rules.length + community.rules.length);
  });

  it.each([
    ['550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table', 'InvalidRecipient', 'community'],
    ['552 1 Requested mail action aborted, mailbox not found', 'InvalidRecipient', 'community'],
    ['550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 [AbCd.uk1]', 'InvalidRecipient', 'community'],
    ['550 5.1.1 <nobody@comcast.net> Not our Customer', 'InvalidRecipient', 'community'],
    ['550 5.2.1 <someone@comcast.net> Account Closed, Please Remove', 'InactiveMailbox', 'community'],
    ["452 4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp", 'QuotaIssues', 'community'],
    ['552 Requested mail action aborted: exceeded storage allocation Quota exceeded.', 'QuotaIssues', 'community'],
    ['550 Unrouteable address', 'RoutingErrors', 'community'],
    ["553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", 'RoutingErrors', 'community'],
    ['503 5.5.1 Bad sequence of commands', 'ProtocolErrors', 'community'],
    ['550 5.7.1 Message rejected due to senders DMARC policy', 'AuthenticationFailed', 'community'],
    ['554 Message not allowed - [PH01] Email not accepted for policy reasons. Please visit https://postmaster.yahooinc.com/error-codes [120]', 'PolicyRelated', 'community'],
    ["550 5.7.1 Unfortunately, messages from [203.0.113.44] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).", 'SpamBlock', 'community'],
    ['550 Mail content denied. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726', 'SpamContent', 'community'],
    ['550 5.1.1 user unknown', 'InvalidRecipient', 'iana'],
    ['550 5.1.10 Recipient address has null MX', 'BadDomain', 'iana'],
    ['525 5.7.13 User account disabled', 'InactiveMailbox', 'iana'],
    ["550 5.1.8 Bad sender's system address", 'InvalidSender', 'iana'],
    ['552 5.2.2 Mailbox is full', 'QuotaIssues', 'iana'],
    ['452 4.3.1 Insufficient system storage', 'QuotaIssues', 'iana'],
    ['451 4.4.1 No answer from host', 'NoAnswerFromHost', 'iana'],
    ['421 4.4.2 Connection dropped', 'BadConnection', 'iana'],
    ['550 5.4.4 Unable to route', 'RoutingErrors', 'iana'],
    ['451 4.4.5 Server busy', 'TransientFailure', 'iana'],
    ['554 5.4.7 Delivery time expired', 'MessageExpired', 'iana'],
    ['550 5.7.26 Multiple authentication checks failed', 'AuthenticationFailed', 'iana'],
    // iana.toml lists x.5.3 under TooManyRecipients, but its earlier ProtocolErrors entry (x.5.*)
    // has the lower index, so KumoMTA answers ProtocolErrors; we must too.
    ['452 4.5.3 Too many recipients', 'ProtocolErrors', 'iana'],
  ])('%s -> %s (%s rule)', (line, category, file) => {
    const result = kumo.classifyLine(line);
    expect(result.category).toBe(category);
    expect(result.rule).toMatchObject({ kind: 'rule', source: expect.stringContaining(file === 'iana' ? 'iana.toml' : 'bounces.toml') });
  });

  it('gives the same answers with the prefilter as trying every pattern', () => {
    const sequential = new BounceClassifier({ rules: [community, iana], builtin: false, fallback: false, strategy: 'sequential' });
    for (const { reply } of [...replies, ...holdout]) {
      for (const line of [reply, reply.toLowerCase(), reply.replace(/^(\d{3}) /, '$1-')]) {
        expect(kumo.classifyLine(line), line).toEqual(sequential.classifyLine(line));
      }
    }
  });

  it('can be layered before the built-in rules', () => {
    const layered = new BounceClassifier({ rules: [community, iana] });
    expect(layered.classifyLine('550 Unrouteable address').rule).toMatchObject({ source: expect.stringContaining('bounces.toml') });
    expect(layered.classifyLine('550 5.7.1 [198.51.100.2] Our system has detected that this message is likely unsolicited mail. - gsmtp').category)
      .toBe('SpamBlock'); // community's broad "^550 5\.7\.1" rule comes first, as in KumoMTA
  });
});
