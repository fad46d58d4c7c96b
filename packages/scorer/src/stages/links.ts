import { aligned, registrableDomain } from '../content/address.js';
import { BrandMatcher } from '../content/brand-match.js';
import type { ParsedContent } from '../content/parse.js';
import type { CachedDomainLookup } from '../domain-lookup.js';
import { BRANDS, type Brand } from '../lists/brands.js';
import { ABUSED_TLDS, URL_SHORTENERS } from '../lists/domains.js';
import { whenReady } from '../maybe-async.js';
import { Signals } from '../signals.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

export interface LinksStageOptions {
  /** Default weight. Default 0.9. */
  weight?: number;
  /** Domain blocklist, cached. Without it the blocklist signal is off. */
  blocklist?: CachedDomainLookup;
  /** Shortener domains. Default: the built-in list (`URL_SHORTENERS`). */
  shorteners?: ReadonlySet<string>;
  /** Click-tracking domains whose links may show another domain as their text (an ESP's tracking host). */
  trustedDomains?: readonly string[];
  /** Links counted as "many". Default 75. */
  manyLinks?: number;
  /** Distinct domains looked up per content version. Default 20. */
  maxLookups?: number;
  /** Brands whose look-alike domains are flagged in links. Default: `BRANDS`. */
  brands?: readonly Brand[];
}

interface Link {
  url: URL;
  /** Visible text, for anchors. */
  text?: string;
}

const TEXT_URL = /\bhttps?:\/\/[^\s<>"')\]]+/gi;
const URL_AS_TEXT = /^(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]\S*)?$/i;
const IP_HOST = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/**
 * Links dimension. Signals: link count, URL shorteners, IP-literal hosts, credentials in URLs,
 * punycode hosts, abused TLDs, domains imitating a brand, script/data URLs, anchor text naming
 * another domain than the link goes to, and domains listed by the blocklist lookup.
 */
export function linksStage(options: LinksStageOptions = {}): Stage {
  const config = {
    blocklist: options.blocklist,
    shorteners: options.shorteners ?? URL_SHORTENERS,
    trusted: new Set((options.trustedDomains ?? []).map(registrableDomain)),
    manyLinks: options.manyLinks ?? 75,
    maxLookups: options.maxLookups ?? 20,
    brands: new BrandMatcher(options.brands ?? BRANDS),
  };
  return {
    name: 'links',
    scope: 'campaign',
    weight: options.weight ?? 0.9,
    run: (input) => scoreLinks(input, config),
  };
}

type Config = {
  blocklist: CachedDomainLookup | undefined;
  shorteners: ReadonlySet<string>;
  trusted: ReadonlySet<string>;
  manyLinks: number;
  maxLookups: number;
  brands: BrandMatcher;
};

function scoreLinks(input: StageInput, config: Config): StageOutcome | Promise<StageOutcome> {
  const c = input.content();
  const s = new Signals();
  const { links, images, unsafe } = collect(c);
  const count = distinct(links.map((l) => l.url.href)).length;
  if (count > config.manyLinks * 2) s.add(20, `${count} links`, 'Cut the number of links.');
  else if (count > config.manyLinks) s.add(10, `${count} links (over ${config.manyLinks})`, 'Cut the number of links.');
  s.addEach(unsafe, 30, 10, 40, (list) => `script or data URLs in links: ${list}`, 'Link only to http(s) pages.');

  const hosts = distinct([...links, ...images].map((l) => l.url.hostname.toLowerCase()));
  const domains = distinct(hosts.filter((h) => !IP_HOST.test(h)).map(registrableDomain));
  s.addEach(domains.filter((d) => config.shorteners.has(d)), 25, 10, 45, (list) => `URL shorteners: ${list}`, 'Link to the destination directly instead of through a shortener.');
  s.addEach(hosts.filter((h) => IP_HOST.test(h)), 40, 10, 60, (list) => `links to IP addresses: ${list}`, 'Link to a named domain, not an IP address.');
  s.addEach(distinct([...links, ...images].filter((l) => l.url.username !== '').map((l) => l.url.hostname)), 50, 10, 60,
    (list) => `URLs with a user@ part that disguises the real host: ${list}`, 'Remove user@ parts from URLs.');
  s.addEach(hosts.filter((h) => h.split('.').some((label) => label.startsWith('xn--'))), 30, 5, 40, (list) => `punycode (look-alike) hosts: ${list}`, 'Use plain ASCII domains in links.');
  s.addEach(domains.filter((d) => ABUSED_TLDS.has(d.slice(d.lastIndexOf('.') + 1))), 15, 5, 25, (list) => `domains on frequently abused TLDs: ${list}`, 'Host linked pages on a well-established domain.');
  s.addEach(domains.flatMap((d) => {
    const brand = config.brands.imitated(d);
    return brand === undefined ? [] : [`${d} (${brand.name})`];
  }), 40, 10, 50, (list) => `domains imitating a brand: ${list}`, 'Link only to your own domains and the brands\' real ones.');
  mismatches(s, links, c.from[0]?.domain ?? '', config.trusted);

  if (!config.blocklist || domains.length === 0) return s.outcome();
  const checked = domains.slice(0, config.maxLookups);
  const answers = checked.map((d) => config.blocklist?.check(d));
  const finish = (reasons: Array<string | undefined>): StageOutcome => {
    const listed = checked.flatMap((d, i) => (reasons[i] === undefined ? [] : [`${d} (${reasons[i]})`]));
    return s.addEach(listed, 60, 20, 100, (list) => `blocklisted domains: ${list}`, 'Remove links to blocklisted domains.').outcome();
  };
  return whenReady(answers.some((a) => a instanceof Promise) ? Promise.all(answers) : (answers as Array<string | undefined>), finish);
}

/** Anchor text that is itself a URL or domain, leading somewhere else. */
function mismatches(s: Signals, links: readonly Link[], fromDomain: string, trusted: ReadonlySet<string>): void {
  const foreign: string[] = [];
  const tracked: string[] = [];
  for (const link of links) {
    const shown = link.text === undefined ? undefined : URL_AS_TEXT.exec(link.text.trim())?.[1];
    const target = link.url.hostname;
    if (shown === undefined || aligned(shown, target) || trusted.has(registrableDomain(target))) continue;
    (aligned(shown, fromDomain) ? tracked : foreign).push(`"${link.text?.trim()}" → ${target}`);
  }
  s.addEach(distinct(foreign), 50, 10, 60, (list) => `link text names another domain than the link opens: ${list}`, 'Make link text match where the link goes.');
  s.addEach(distinct(tracked), 10, 0, 10, (list) => `links showing the sender's domain go through a third-party host: ${list}`, 'Use a click-tracking domain of your own (or list the tracking domain as trusted).');
}

function collect(c: ParsedContent): { links: Link[]; images: Link[]; unsafe: string[] } {
  const links: Link[] = [];
  const unsafe: string[] = [];
  for (const a of c.htmlScan.anchors) {
    const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(a.href)?.[1]?.toLowerCase();
    if (scheme === 'javascript' || scheme === 'data' || scheme === 'vbscript') unsafe.push(`${scheme}:`);
    const url = httpUrl(a.href);
    if (url) links.push({ url, text: a.text });
  }
  for (const m of c.text.matchAll(TEXT_URL)) {
    const url = httpUrl(m[0]);
    if (url) links.push({ url });
  }
  const images = c.htmlScan.images.flatMap((src) => {
    const url = httpUrl(src);
    return url ? [{ url }] : [];
  });
  return { links, images, unsafe: distinct(unsafe) };
}

function httpUrl(href: string): URL | undefined {
  if (!/^\s*https?:\/\//i.test(href)) return undefined;
  try {
    return new URL(href.trim());
  } catch {
    return undefined;
  }
}

function distinct<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
