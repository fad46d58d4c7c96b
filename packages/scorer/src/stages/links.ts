import { aligned, registrableDomain } from '../content/address.js';
import { BrandMatcher } from '../content/brand-match.js';
import type { ParsedContent } from '../content/parse.js';
import type { CachedDomainLookup } from '../domain-lookup.js';
import { maySendAs, type SendingDomains } from '../sending-domains.js';
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
  /**
   * The tenants' verified sending domains. Link text showing a brand's domain while the link goes
   * through a third-party host counts as the sender's click tracking only for a tenant verified
   * for that domain.
   */
  sendingDomains?: SendingDomains;
}

/**
 * How many links and image sources a message is judged on: the first ones in document order.
 * Phishing puts its lure first; a newsletter with thousands of links costs no more than this
 * (the link count itself is still taken over all of them). Fixed numbers, not a time budget, so
 * the verdict never depends on the machine's speed.
 */
export const MAX_SAMPLED_LINKS = 200;
export const MAX_SAMPLED_IMAGES = 50;

interface Link {
  url: URL;
  /** Visible text, for anchors. */
  text?: string;
}

const TEXT_URL = /\bhttps?:\/\/[^\s<>"')\]]+/gi;
const URL_AS_TEXT = /^(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]\S*)?$/i;
const IP_HOST = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;
/** Link text that is a page's address (https, or a path), not just a site's name (`CNNmoney.com`). */
const DEEP_URL = /^https:\/\/|^(?:https?:\/\/)?[^/\s]+\/[^\s]+/i;
/** Words of a landing page that takes credentials. */
const LOGIN_PATH = /(?:^|[/._=?&-])(?:log-?in|sign-?in|log-?on|webscr|verify|verification|validate|unlock|reactivate|re-activate|authenticate|secure-?update|update-?account|account-?update|confirm-?account|banking|wallet-?connect)(?:$|[/._=?&#-])/i;

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
    brandList: options.brands ?? BRANDS,
    sendingDomains: options.sendingDomains,
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
  brandList: readonly Brand[];
  sendingDomains: SendingDomains | undefined;
};

function scoreLinks(input: StageInput, config: Config): StageOutcome | Promise<StageOutcome> {
  const c = input.content();
  const s = new Signals();
  const { links, images, unsafe, count } = collect(c);
  if (count > config.manyLinks * 2) s.add(5, `${count} links`, 'Cut the number of links.');
  else if (count > config.manyLinks) s.add(3, `${count} links (over ${config.manyLinks})`, 'Cut the number of links.');
  s.addEach(unsafe, 10, 5, 15, (list) => `script or data URLs in links: ${list}`, 'Link only to http(s) pages.');

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
  const from = c.from[0]?.domain ?? '';
  mismatches(s, links, from, config, maySendAs(config.sendingDomains, input.tenant, from) === true);
  landings(s, links, from, config);

  if (!config.blocklist || domains.length === 0) return s.outcome();
  const checked = domains.slice(0, config.maxLookups);
  const answers = checked.map((d) => config.blocklist?.check(d));
  const finish = (reasons: Array<string | undefined>): StageOutcome => {
    const listed = checked.flatMap((d, i) => (reasons[i] === undefined ? [] : [`${d} (${reasons[i]})`]));
    return s.addEach(listed, 60, 20, 100, (list) => `blocklisted domains: ${list}`, 'Remove links to blocklisted domains.').outcome();
  };
  return whenReady(answers.some((a) => a instanceof Promise) ? Promise.all(answers) : (answers as Array<string | undefined>), finish);
}

/**
 * Anchor text that is itself a URL or domain, leading somewhere else. Showing a brand's domain
 * (`www.paypal.com`) over a link to another host is the phishing pattern; showing the sender's own
 * domain over a third-party host is ordinary click tracking — but only when the sender may use
 * that domain: a brand's domain counts as tracked only for a tenant verified for it.
 */
function mismatches(s: Signals, links: readonly Link[], fromDomain: string, config: Config, verifiedFrom: boolean): void {
  const brand: string[] = [];
  const address: string[] = [];
  const site: string[] = [];
  const tracked: string[] = [];
  for (const link of links) {
    const shown = link.text === undefined ? undefined : URL_AS_TEXT.exec(link.text.trim())?.[1];
    const target = link.url.hostname;
    if (shown === undefined || aligned(shown, target) || config.trusted.has(registrableDomain(target))) continue;
    const item = `"${link.text?.trim()}" → ${target}`;
    const brandDomain = config.brandList.some((b) => config.brands.official(b, shown));
    if (aligned(shown, fromDomain) && (!brandDomain || verifiedFrom)) tracked.push(item);
    else if (brandDomain) brand.push(item);
    else (DEEP_URL.test(link.text?.trim() ?? '') ? address : site).push(item);
  }
  const action = 'Make link text match where the link goes.';
  s.addEach(distinct(brand), 50, 10, 60, (list) => `link text shows a brand's domain but the link opens another: ${list}`, action);
  s.addEach(distinct(address), 45, 10, 55, (list) => `link text is the address of a page on another host than the link opens: ${list}`, action);
  s.addEach(distinct(site), 15, 5, 25, (list) => `link text names another site than the link opens: ${list}`, action);
  s.addEach(distinct(tracked), 10, 0, 10, (list) => `links showing the sender's domain go through a third-party host: ${list}`, 'Use a click-tracking domain of your own (or list the tracking domain as trusted).');
}

/**
 * Landing pages that look like a login: a credential word in the address of a host that is not
 * the sender's, and a brand's name in the host name (or, for an IP address, the path) of a host
 * that is not the brand's (`www.paypal.com.secure-update.example`, `http://203.0.113.9/ebay/`).
 */
function landings(s: Signals, links: readonly Link[], fromDomain: string, config: Config): void {
  const login: string[] = [];
  const branded: string[] = [];
  for (const { url } of links) {
    const host = url.hostname.toLowerCase();
    if (fromDomain !== '' && aligned(host, fromDomain)) continue;
    const official = config.brandList.some((b) => config.brands.official(b, host));
    if (!official && LOGIN_PATH.test(`${host}${url.pathname}`)) login.push(host);
    const words = (IP_HOST.test(host) ? `${host}${url.pathname}` : host.slice(0, host.length - registrableDomain(host).length)).split(/[^a-z0-9]+/);
    const named = config.brandList.find((b) => !config.brands.official(b, host) && b.names.concat(b.tokens).some((n) => n.length >= 4 && !n.includes(' ') && words.includes(n)));
    if (named !== undefined) branded.push(`${host} (${named.name})`);
  }
  s.addEach(distinct(login), 25, 5, 35, (list) => `links to login-looking pages on other hosts: ${list}`, 'Link to your own site; never to a page that asks for a login on another host.');
  s.addEach(distinct(branded), 40, 10, 50, (list) => `links put a brand's name in another host's address: ${list}`, 'Link only to your own domains and the brands\' real ones.');
}

function collect(c: ParsedContent): { links: Link[]; images: Link[]; unsafe: string[]; count: number } {
  const links: Link[] = [];
  const unsafe: string[] = [];
  const hrefs = new Set<string>();
  for (const a of c.htmlScan.anchors) {
    const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(a.href)?.[1]?.toLowerCase();
    if (scheme === 'javascript' || scheme === 'data' || scheme === 'vbscript') unsafe.push(`${scheme}:`);
    if (/^\s*https?:\/\//i.test(a.href)) hrefs.add(a.href.trim());
    const url = links.length < MAX_SAMPLED_LINKS ? httpUrl(a.href) : undefined;
    if (url) links.push({ url, text: a.text });
  }
  for (const m of c.text.matchAll(TEXT_URL)) {
    hrefs.add(m[0]);
    const url = links.length < MAX_SAMPLED_LINKS ? httpUrl(m[0]) : undefined;
    if (url) links.push({ url });
  }
  const images = c.htmlScan.images.slice(0, MAX_SAMPLED_IMAGES).flatMap((src) => {
    const url = httpUrl(src);
    return url ? [{ url }] : [];
  });
  return { links, images, unsafe: distinct(unsafe), count: hrefs.size };
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
