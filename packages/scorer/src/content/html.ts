/**
 * What the content and link stages need from an HTML body, found with linear regex scans rather
 * than a DOM: the visible text, the links with their anchor text, image sources, and how much
 * text is styled to be invisible. Malformed HTML degrades the figures, never throws.
 */
export interface HtmlScan {
  /** Visible text, entities decoded, whitespace collapsed. */
  text: string;
  anchors: Array<{ href: string; text: string }>;
  /** `src` of every `<img>`. */
  images: string[];
  /** Characters of text inside elements styled invisible (display:none, zero font size, …). */
  hiddenChars: number;
}

const INVISIBLE = /<!--[\s\S]*?-->|<head\b[\s\S]*?<\/head\s*>|<script\b[\s\S]*?<\/script\s*>|<style\b[\s\S]*?<\/style\s*>/gi;
const ANCHOR = /<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi;
const IMG = /<img\b([^>]*)>/gi;
const STYLED = /<([a-z][a-z0-9]*)\b[^>]*?\bstyle\s*=\s*("[^"]*"|'[^']*')[^>]*>/gi;
const HIDING = /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](?:\.\d+)?(?:px|pt)?\s*(?:;|$|!)|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)/i;

export function scanHtml(html: string): HtmlScan {
  const body = html.replace(INVISIBLE, ' ');
  const anchors: HtmlScan['anchors'] = [];
  for (const m of body.matchAll(ANCHOR)) {
    const href = attribute(m[1] ?? '', 'href');
    if (href !== undefined) anchors.push({ href, text: textOf(m[2] ?? '') });
  }
  const images: string[] = [];
  for (const m of body.matchAll(IMG)) images.push(attribute(m[1] ?? '', 'src') ?? '');
  return { text: textOf(body), anchors, images, hiddenChars: hiddenChars(body) };
}

function hiddenChars(body: string): number {
  let total = 0;
  let skipUntil = 0;
  for (const m of body.matchAll(STYLED)) {
    const at = m.index ?? 0;
    if (at < skipUntil) continue; // nested inside an element already counted
    const style = (m[2] ?? '').slice(1, -1);
    if (!HIDING.test(style) && !sameColorAsBackground(style)) continue;
    const open = at + m[0].length;
    const close = closingTag(body, (m[1] ?? '').toLowerCase(), open);
    total += textOf(body.slice(open, close)).length;
    skipUntil = close;
  }
  return total;
}

function sameColorAsBackground(style: string): boolean {
  const color = /(?:^|;)\s*color\s*:\s*([^;!]+)/i.exec(style)?.[1]?.trim().toLowerCase();
  const background = /background(?:-color)?\s*:\s*([^;!]+)/i.exec(style)?.[1]?.trim().toLowerCase();
  return color !== undefined && color === background;
}

/** Index of the `</name>` that closes the element opened before `from`, counting nested same-name tags. */
function closingTag(body: string, name: string, from: number): number {
  const re = new RegExp(`<(/?)${name}\\b[^>]*>`, 'gi');
  re.lastIndex = from;
  let depth = 1;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    depth += m[1] === '/' ? -1 : 1;
    if (depth === 0) return m.index;
  }
  return body.length;
}

const ATTRIBUTES = {
  href: /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i,
  src: /\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i,
};

function attribute(attrs: string, name: keyof typeof ATTRIBUTES): string | undefined {
  const m = ATTRIBUTES[name].exec(attrs);
  if (!m) return undefined;
  return decodeEntities(m[1] ?? m[2] ?? m[3] ?? '').trim();
}

/** Visible text of an HTML fragment. */
export function textOf(fragment: string): string {
  return decodeEntities(fragment.replace(/<[^>]*>/g, ' ')).replace(/[\s\u200b-\u200d\u2060\ufeff\u034f]+/g, ' ').trim();
}

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™', hellip: '…',
  mdash: '—', ndash: '–', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', euro: '€', pound: '£', zwnj: '\u200c', zwj: '\u200d',
};

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}
