import { aligned, domainPart, registrableDomain, type Mailbox } from '../content/address.js';
import { BrandMatcher } from '../content/brand-match.js';
import { confusable, domainLabel } from '../content/lookalike.js';
import { MAX_ANALYZED_CHARS, type ParsedContent } from '../content/parse.js';
import { BRANDS, type Brand } from '../lists/brands.js';
import { FREEMAIL_DOMAINS } from '../lists/domains.js';
import { findPhrases } from '../lists/phrases.js';
import { maySendAs, type SendingDomains } from '../sending-domains.js';
import { Signals } from '../signals.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

export interface ContentStageOptions {
  /** Default weight. Default 0.9 (fitted, bench/scorer-fit.ts). */
  weight?: number;
  /**
   * Penalize a message that arrives without a DKIM-Signature. Leave false (the default) when the
   * MTA signs after scoring; set it when the application is expected to sign.
   */
  expectDkimSignature?: boolean;
  /** Size from which a message counts as large, bytes. Default 102,400 (Gmail clips bigger messages). */
  largeMessageBytes?: number;
  /** Brands whose names in a From display name must come from their own domains. Default: `BRANDS`. */
  brands?: readonly Brand[];
  /** The tenants' verified sending domains: a From on any other domain is a strong signal. */
  sendingDomains?: SendingDomains;
}

const DANGEROUS_ATTACHMENT = /\.(exe|scr|com|pif|bat|cmd|js|jse|vbs|vbe|wsf|hta|jar|msi|lnk|iso|img|ps1|reg|cpl|dll)$/i;
const HTML_ATTACHMENT = /\.(s?html?|xhtml|svg)$/i;
const DOMAIN_IN_TEXT = /\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b/i;
const HIDDEN_ALLOWANCE = 150;
const UNSUBSCRIBE_POINTS = { missing: 5, noHttps: 3, noOneClick: 3 } as const;
/** Words with which a display name claims to be an organization, a department or an executive. */
const ORGANIZATION_CLAIM = /\b(?:ltd|limited|inc|llc|gmbh|corp|corporation|company|plc|department|dept|team|hr|human resources|billing|accounts?|finance|payroll|support|services?|customer care|helpdesk|bank|office|recruit\w*|talent acquisition|careers|foundation|agency|ceo|cfo|coo|president|director|chairman|manager)\b/i;

/**
 * Content dimension. Signals: readable text at all, image-only HTML, text/HTML balance, hidden
 * text, size, broken MIME, risky attachments, body spam phrases, unsubscribe headers (bulk mail),
 * and the sender identity — From present and single, display name not naming another domain or
 * brand, From not at a free-mail provider (nor one posing as a company), From domain not a
 * look-alike of a brand or of the name it shows, Reply-To on the same domain, and alignment of the
 * envelope sender (Return-Path) and DKIM d= with From.
 */
export function contentStage(options: ContentStageOptions = {}): Stage {
  const settings: Settings = {
    expectDkim: options.expectDkimSignature ?? false,
    largeBytes: options.largeMessageBytes ?? 102_400,
    brands: new BrandMatcher(options.brands ?? BRANDS),
    brandList: options.brands ?? BRANDS,
    sendingDomains: options.sendingDomains,
  };
  return {
    name: 'content',
    scope: 'campaign',
    weight: options.weight ?? 0.9,
    run: (input) => scoreContent(input, settings),
  };
}

type Settings = { expectDkim: boolean; largeBytes: number; brands: BrandMatcher; brandList: readonly Brand[]; sendingDomains: SendingDomains | undefined };

function scoreContent(input: StageInput, settings: Settings): StageOutcome {
  const s = new Signals();
  const c = input.content();
  body(s, c);
  structure(s, c, settings.largeBytes);
  if (input.mailClass === 'bulk') unsubscribe(s, input);
  identity(s, input, c, settings);
  return s.outcome();
}

function body(s: Signals, c: ParsedContent): void {
  const visible = c.htmlScan.text;
  const images = c.htmlScan.images.length;
  if (c.text.trim() === '' && visible === '' && images === 0) {
    s.add(25, 'the message has no readable text', 'Add a text body that says what the message is about.');
  } else if (c.hasHtmlPart && images > 0 && visible.length < 50) {
    s.add(30, `the HTML is ${images} image(s) with ${visible.length} characters of text`, 'Put the message in text, not only in images.');
  } else if (images >= 3 && visible.length / images < 100) {
    s.add(5, `little text for ${images} images (${visible.length} characters)`, 'Balance images with text.');
  }
  if (c.hasHtmlPart && !c.hasTextPart) {
    s.add(3, 'HTML without a plain-text alternative', 'Add a text/plain alternative to the HTML.');
  } else if (c.hasHtmlPart && visible.length >= 200 && c.text.trim().length < visible.length * 0.2) {
    s.add(5, 'the plain-text part is much shorter than the HTML', 'Make the plain-text part carry the same message as the HTML.');
  }
  const hidden = c.htmlScan.hiddenChars;
  if (hidden > HIDDEN_ALLOWANCE) {
    s.add(hidden > 500 ? 5 : 3, `${hidden} characters of text are styled invisible`, 'Remove hidden text (beyond a short preheader).');
  }
  const phrases = findPhrases(`${c.text}\n${visible}`);
  if (phrases.length > 0) {
    const points = Math.min(10, Math.round(phrases.reduce((sum, p) => sum + p.points, 0) / 6));
    s.add(points, `spam phrases in the body: ${phrases.map((p) => `"${p.phrase}"`).join(', ')}`, 'Reword the body without sales-pressure, prize or account-threat wording.');
  }
}

function structure(s: Signals, c: ParsedContent, largeBytes: number): void {
  if (c.truncated) s.note(`only the first ${MAX_ANALYZED_CHARS / 1024} Ki characters of the text and HTML were analyzed`);
  if (c.size > 1_048_576) s.add(25, `the message is ${Math.round(c.size / 1024)} KiB`, 'Link to large content instead of embedding it.');
  else if (c.size > largeBytes) s.add(3, `the message is ${Math.round(c.size / 1024)} KiB (over ${Math.round(largeBytes / 1024)} KiB)`, 'Link to large content instead of embedding it.');
  s.addEach(c.problems, 3, 3, 10, (list) => `broken MIME: ${list}`, 'Fix the MIME structure of the message (let a mail library build it).');
  const names = c.attachments.map((a) => a.filename ?? '').filter((n) => n !== '');
  s.addEach(names.filter((n) => DANGEROUS_ATTACHMENT.test(n)), 50, 10, 60, (list) => `executable attachment: ${list}`, 'Never attach executables or scripts.');
  s.addEach(names.filter((n) => HTML_ATTACHMENT.test(n)), 40, 5, 45, (list) => `HTML attachment: ${list}`, 'Send links to hosted pages instead of HTML attachments.');
}

function unsubscribe(s: Signals, input: StageInput): void {
  const header = input.message.getFirstHeader('List-Unsubscribe');
  const action = 'Add List-Unsubscribe with an https link and List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058).';
  // Weighed by what it tells apart: on real mail it is missing from most legitimate newsletters
  // too (bench/scorer-eval.ts --signals), so it is a compliance note more than evidence of abuse.
  if (header === undefined) {
    s.add(UNSUBSCRIBE_POINTS.missing, 'bulk mail without a List-Unsubscribe header', action);
    return;
  }
  if (!/<https:\/\/[^>]+>/i.test(header)) s.add(UNSUBSCRIBE_POINTS.noHttps, 'List-Unsubscribe has no https link, so one-click unsubscribe is impossible', action);
  else if (!/List-Unsubscribe=One-Click/i.test(input.message.getFirstHeader('List-Unsubscribe-Post') ?? '')) {
    s.add(UNSUBSCRIBE_POINTS.noOneClick, 'List-Unsubscribe-Post: List-Unsubscribe=One-Click is missing', action);
  }
}

function identity(s: Signals, input: StageInput, c: ParsedContent, settings: Settings): void {
  const from = c.from[0];
  if (from === undefined || from.domain === '') {
    s.add(30, 'no valid From address', 'Send from a real address on your own domain.');
    return;
  }
  if (c.from.length > 1) s.add(10, `${c.from.length} From addresses`, 'Use a single From address.');
  if (maySendAs(settings.sendingDomains, input.tenant, from.domain) === false) {
    s.add(60, `From is at ${from.domain}, a domain the tenant has not verified for sending`, 'Send only from the domains verified for your account.');
  }
  displayedDomain(s, from, settings);
  impersonation(s, from, settings.brands);
  replyTo(s, from, c.replyTo[0]);
  const dkimDomains = input.message.getAllHeaders('DKIM-Signature').map((v) => /(?:^|;)\s*d\s*=\s*([^;\s]+)/i.exec(v)?.[1]?.toLowerCase() ?? '');
  const dkimAligned = dkimDomains.some((d) => aligned(d, from.domain));
  if (dkimDomains.length > 0 && !dkimAligned) {
    s.add(5, `DKIM signs for d=${dkimDomains.join(', d=')}, not the From domain ${from.domain}`, 'Sign with a DKIM key of the From domain.');
  } else if (dkimDomains.length === 0 && settings.expectDkim) {
    s.add(15, 'no DKIM-Signature', 'Sign the message with a DKIM key of the From domain.');
  }
  const envelope = input.message.sender;
  const envelopeDomain = domainPart(envelope);
  if (envelope !== '' && !aligned(envelopeDomain, from.domain) && !dkimAligned) {
    s.add(5, `the Return-Path domain ${envelopeDomain} is not aligned with From ${from.domain}, and no DKIM signature is`, 'Use a bounce address on the From domain, or sign with its DKIM key.');
  }
}

/**
 * A domain in the From display name that is not the address's: posing as an address
 * (`"service@paypal.com" <x@…>`) or as a brand's domain is impersonation; a brand-less site name
 * (`"News.com" <news@mailer.example>`) is common in newsletters sent through a mailing service.
 */
function displayedDomain(s: Signals, from: Mailbox, settings: Settings): void {
  const shown = DOMAIN_IN_TEXT.exec(from.display.slice(0, 256))?.[1]?.toLowerCase();
  if (shown === undefined || aligned(shown, from.domain)) return;
  const action = 'Do not put another domain in the From display name.';
  if (from.display.includes('@') || settings.brandList.some((b) => settings.brands.official(b, shown))) {
    s.add(30, `the From name shows ${shown} but the address is at ${from.domain}`, action);
  } else {
    s.add(3, `the From name shows the site ${shown} but the address is at ${from.domain}`, action);
  }
}

/** Who the From claims to be against where it comes from: free mail, brands, look-alike domains. */
function impersonation(s: Signals, from: Mailbox, brands: BrandMatcher): void {
  const own = 'Send from your own domain, under your own name.';
  if (FREEMAIL_DOMAINS.has(registrableDomain(from.domain))) {
    s.add(5, `From is a free-mail address at ${from.domain}: mail relayed for it cannot pass DMARC`, own);
    const claim = ORGANIZATION_CLAIM.exec(from.display)?.[0];
    if (claim !== undefined) s.add(25, `a free-mail address presents itself as an organization or executive ("${claim}" in "${from.display}")`, own);
  }
  const named = brands.named(from.display);
  if (named !== undefined && !brands.official(named, from.domain)) {
    s.add(35, `the From name claims ${named.name} but the address is at ${from.domain}`, own);
  }
  const imitated = brands.imitated(from.domain);
  if (imitated !== undefined) s.add(35, `the From domain ${from.domain} imitates ${imitated.name}`, own);
  const shown = lookalikeOfName(from);
  if (shown !== undefined) s.add(50, `the From domain ${from.domain} is a look-alike of the name it shows ("${shown}")`, own);
}

/** The run of display-name words that the From domain's label (or a word of it) misspells, if any. */
function lookalikeOfName(from: Mailbox): string | undefined {
  const words = from.display.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '').slice(0, 8);
  const label = domainLabel(from.domain);
  const candidates = [label, ...label.split('-')];
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j <= Math.min(words.length, i + 3); j++) {
      const run = words.slice(i, j).join('');
      if (candidates.some((c) => confusable(c, run))) return words.slice(i, j).join(' ');
    }
  }
  return undefined;
}

function replyTo(s: Signals, from: Mailbox, reply: Mailbox | undefined): void {
  if (reply === undefined || aligned(reply.domain, from.domain)) return;
  if (FREEMAIL_DOMAINS.has(reply.domain) && !FREEMAIL_DOMAINS.has(registrableDomain(from.domain))) {
    s.add(15, `replies go to a free-mail address at ${reply.domain} while From is ${from.domain}`, 'Take replies on your own domain.');
  } else {
    s.add(5, `replies go to ${registrableDomain(reply.domain)}, another domain than From ${from.domain}`, 'Take replies on your own domain.');
  }
}

