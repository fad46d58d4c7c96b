import { Message } from '@mtakit/core';
import { parseContent } from '../content/parse.js';
import { FRAUD_ASKS, FRAUD_PRESSURE } from '../lists/fraud.js';
import { findPhrases } from '../lists/phrases.js';
import type { SendingDomains } from '../sending-domains.js';
import type { Stage } from '../types.js';
import { contentStage, type ContentStageOptions } from './content.js';
import { fraudStage, type FraudStageOptions } from './fraud.js';
import { freshnessStage, type FreshnessStageOptions } from './freshness.js';
import { linksStage, type LinksStageOptions } from './links.js';
import { modelStage, type ModelStageOptions } from './model.js';
import { offersStage, type OffersStageOptions } from './offers.js';
import { providerMixStage, type ProviderMixStageOptions } from './providers.js';
import { recipientStage, type RecipientStageOptions } from './recipient.js';
import { reputationStage, type ReputationStageOptions } from './reputation.js';
import { subjectStage, type SubjectStageOptions } from './subject.js';
import { timeOfSendStage, type TimeOfSendStageOptions } from './time-of-send.js';

/** Options of the eleven built-in stages; the two that read history need their source. */
export interface BuiltinStagesOptions {
  /** The tenants' verified sending domains, for the content and links stages (see `SendingDomains`). */
  sendingDomains?: SendingDomains;
  reputation: ReputationStageOptions;
  freshness: FreshnessStageOptions;
  subject?: SubjectStageOptions;
  content?: ContentStageOptions;
  links?: LinksStageOptions;
  fraud?: FraudStageOptions;
  offers?: OffersStageOptions;
  model?: ModelStageOptions;
  recipient?: RecipientStageOptions;
  providers?: ProviderMixStageOptions;
  timeOfSend?: TimeOfSendStageOptions;
}

/**
 * The eleven dimensions: the cheap per-message ones first — so the recipient checks that can force
 * a reject always run, even when a huge message's first (uncached) content evaluation spends the
 * pipeline budget — then the content ones, cached per campaign content version. Spends a few
 * milliseconds compiling the parsers' regular expressions first, so that the first message after
 * start-up does not run over its stage budgets.
 */
export function builtinStages(options: BuiltinStagesOptions): Stage[] {
  warmUp();
  const domains = options.sendingDomains === undefined ? {} : { sendingDomains: options.sendingDomains };
  return [
    recipientStage(options.recipient),
    freshnessStage(options.freshness),
    reputationStage(options.reputation),
    providerMixStage(options.providers),
    timeOfSendStage(options.timeOfSend),
    subjectStage(options.subject),
    contentStage({ ...domains, ...options.content }),
    linksStage({ ...domains, ...options.links }),
    fraudStage(options.fraud),
    offersStage(options.offers),
    modelStage(options.model),
  ];
}

const SAMPLE = [
  'From: "Sample" <a@example.com>', 'Subject: =?utf-8?Q?Warm_up?= WARM UP!!', 'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable', '', 'Act now =F0=9F=8E=83 https://example.com/x', '--b',
  'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64', '',
  Buffer.from('<div style="display:none">x</div><a href="https://example.com">example.com</a><img src="https://example.com/i.png">&amp;').toString('base64'),
  '--b--', '',
].join('\r\n');

function warmUp(): void {
  const parsed = parseContent(new Message({ sender: 'a@example.com', recipient: 'b@example.com', data: Buffer.from(SAMPLE) }));
  const text = `${parsed.subject ?? ''} ${parsed.text} ${parsed.htmlScan.text}`;
  findPhrases(text);
  for (const signal of [...FRAUD_ASKS, ...FRAUD_PRESSURE]) signal.all.forEach((pattern) => pattern.test(text));
}
