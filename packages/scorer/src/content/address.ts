import { decodeEncodedWords } from './decode.js';

/** One mailbox of an address header (From, Reply-To). */
export interface Mailbox {
  /** Display name, decoded; `""` when absent. */
  display: string;
  address: string;
  /** Lowercased domain; `""` when the address has none. */
  domain: string;
}

/**
 * The mailboxes of an address-list header value, read the way a mail client shows them rather
 * than the way RFC 5322 would reject them: a comma in an unquoted display name does not split the
 * mailbox (`Facebook ,_<x@random.example>` is one mailbox whose name shows "Facebook"), an
 * address without angle brackets takes the rest as its name (`Support x@example.com`,
 * `x@example.com (Support)`), a missing closing bracket is tolerated, and encoded words are decoded.
 * Lenient: it is for scoring, not for routing. A value with no address at all gives one mailbox
 * with an empty domain.
 */
export function parseMailboxes(value: string): Mailbox[] {
  const out: Mailbox[] = [];
  let pending = '';
  for (const item of splitList(value)) {
    const text = pending === '' ? item : `${pending}, ${item}`;
    const mailbox = parseMailbox(text);
    if (mailbox === undefined) pending = text; // a piece of display name: it belongs to the next address
    else {
      out.push(mailbox);
      pending = '';
    }
  }
  if (out.length === 0 && pending !== '') out.push({ display: '', address: pending, domain: '' });
  return out;
}

const BARE_ADDRESS = /[^\s<>"(),;:]+@[^\s<>"(),;:]+/;

function parseMailbox(item: string): Mailbox | undefined {
  const angle = /<([^<>]*)>?\s*$/.exec(item);
  let address: string;
  let display: string;
  if (angle && (angle[1] ?? '').trim() !== '') {
    address = (angle[1] ?? '').trim();
    display = item.slice(0, angle.index);
  } else {
    const bare = BARE_ADDRESS.exec(item);
    if (!bare) return undefined;
    address = bare[0];
    display = `${item.slice(0, bare.index)} ${item.slice(bare.index + bare[0].length)}`.replace(/[()]/g, ' ');
  }
  const at = address.lastIndexOf('@');
  const name = decodeEncodedWords(display.trim().replace(/^"(.*)"$/s, '$1').replace(/\\(.)/g, '$1')).replace(/\s+/g, ' ').trim();
  return { display: name, address, domain: at === -1 ? '' : address.slice(at + 1).toLowerCase().replace(/[.>]+$/, '') };
}

/** Splits on commas that are outside quotes and angle brackets. */
function splitList(value: string): string[] {
  const items: string[] = [];
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') angle = true;
    else if (!quoted && c === '>') angle = false;
    else if (c === ',' && !quoted && !angle) {
      items.push(value.slice(start, i));
      start = i + 1;
    }
  }
  items.push(value.slice(start));
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/** The lowercased text after the last `@` (the whole input when there is none): never throws, unlike core's `domainOf`. */
export function domainPart(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * Public suffixes of more than one label that mail commonly comes from. A full Public Suffix List
 * is not worth its size here: alignment only needs to group `mail.example.co.uk` with
 * `example.co.uk`, and an unknown two-label suffix merely makes alignment stricter.
 */
const MULTI_LABEL_SUFFIXES = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'me.uk', 'ltd.uk', 'plc.uk', 'com.au', 'net.au', 'org.au', 'edu.au', 'gov.au',
  'co.nz', 'org.nz', 'co.jp', 'ne.jp', 'or.jp', 'ac.jp', 'com.br', 'net.br', 'org.br', 'com.cn', 'net.cn', 'org.cn',
  'co.in', 'net.in', 'org.in', 'co.za', 'org.za', 'com.mx', 'com.tr', 'co.kr', 'or.kr', 'com.sg', 'com.hk', 'com.tw',
  'com.ar', 'com.co', 'co.il', 'com.my', 'com.ph', 'com.vn', 'co.id', 'com.pl', 'com.ua', 'co.th', 'com.pe', 'com.eg',
]);

/** The registrable ("organizational") domain of a host: `news.mail.example.co.uk` → `example.co.uk`. */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (/^\[?[\d.]+\]?$/.test(h) || h.includes(':')) return h;
  const labels = h.split('.');
  if (labels.length <= 2) return h;
  const lastTwo = labels.slice(-2).join('.');
  return MULTI_LABEL_SUFFIXES.has(lastTwo) ? labels.slice(-3).join('.') : lastTwo;
}

/** DMARC relaxed alignment: both domains share a registrable domain. */
export function aligned(a: string, b: string): boolean {
  return a !== '' && b !== '' && registrableDomain(a) === registrableDomain(b);
}
