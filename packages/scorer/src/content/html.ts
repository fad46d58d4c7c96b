/**
 * What the content and link stages need from an HTML body, found with scans rather than a DOM:
 * the visible text, the links with their anchor text, image sources, and how much text is styled
 * to be invisible. Malformed HTML degrades the figures, never throws. HTML is sender-controlled, so
 * every scan is linear: tag patterns stop at the next `<`, and closing tags are searched for once
 * (a lazy `<a …>[\s\S]*?</a>` over thousands of unclosed tags would take seconds).
 */
export interface HtmlScan {
  /** Visible text, entities decoded, whitespace collapsed. */
  text: string;
  anchors: Array<{ href: string; text: string }>;
  /** `src` of every `<img>`. */
  images: string[];
  /** Characters of text inside elements styled invisible (display:none, zero font size, …). */
  hiddenChars: number;
  /** `<form>` elements: a form in a message collects what the reader types into it. */
  forms: number;
  /** `<input>` fields for a password (or a PIN or card number, by name). */
  secretInputs: number;
}

const INVISIBLE_OPEN = /<!--|<(head|script|style)\b[^<>]*>/gi;
const CLOSERS: Record<string, RegExp> = { '--': /-->/g, head: /<\/head\s*>/gi, script: /<\/script\s*>/gi, style: /<\/style\s*>/gi };
const ANCHOR_OPEN = /<a\b([^<>]*)>/gi;
const ANCHOR_CLOSE = /<\/a\s*>/gi;
const IMG = /<img\b([^<>]*)>/gi;
const STYLED = /<([a-z][a-z0-9]*)\b[^<>]*?\bstyle\s*=\s*("[^"<>]*"|'[^'<>]*')[^<>]*>/gi;
const FORM = /<form\b/gi;
const SECRET_INPUT = /<input\b[^<>]*?\b(?:type\s*=\s*["']?password|name\s*=\s*["']?[\w-]*(?:pass|pwd|pin|cvv|cvc|card))/gi;
const HIDING = /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](?:\.\d+)?(?:px|pt)?\s*(?:;|$|!)|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)/i;

export function scanHtml(html: string): HtmlScan {
  const body = stripInvisible(html);
  const images: string[] = [];
  for (const m of body.matchAll(IMG)) images.push(attribute(m[1] ?? '', 'src') ?? '');
  return {
    text: textOf(body), anchors: anchors(body), images, hiddenChars: hiddenChars(body),
    forms: body.match(FORM)?.length ?? 0, secretInputs: body.match(SECRET_INPUT)?.length ?? 0,
  };
}

/** Removes comments and head/script/style elements; an opener without a closer is left as is. */
function stripInvisible(html: string): string {
  let out = '';
  let at = 0;
  const unclosed = new Set<string>();
  INVISIBLE_OPEN.lastIndex = 0;
  for (let m = INVISIBLE_OPEN.exec(html); m; m = INVISIBLE_OPEN.exec(html)) {
    const kind = m[1]?.toLowerCase() ?? '--';
    if (unclosed.has(kind)) continue;
    const closer = CLOSERS[kind] as RegExp;
    closer.lastIndex = m.index + m[0].length;
    const end = closer.exec(html);
    if (!end) {
      unclosed.add(kind); // no closer after this opener, so none after any later one either
      continue;
    }
    out += `${html.slice(at, m.index)} `;
    at = end.index + end[0].length;
    INVISIBLE_OPEN.lastIndex = at;
  }
  return out + html.slice(at);
}

/** Links with their text: up to the `</a>` that follows, or the next `<a>` when none does. */
function anchors(body: string): HtmlScan['anchors'] {
  const opens = [...body.matchAll(ANCHOR_OPEN)];
  const found: HtmlScan['anchors'] = [];
  let close: RegExpExecArray | null | undefined;
  opens.forEach((m, i) => {
    const start = m.index + m[0].length;
    // The first </a> after an opener is shared by every opener before it: search only past it.
    if (close !== null && (close === undefined || close.index < start)) {
      ANCHOR_CLOSE.lastIndex = start;
      close = ANCHOR_CLOSE.exec(body);
    }
    const next = opens[i + 1]?.index ?? body.length;
    const href = attribute(m[1] ?? '', 'href');
    if (href !== undefined) found.push({ href, text: textOf(body.slice(start, Math.min(next, close?.index ?? next))) });
  });
  return found;
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
  const re = new RegExp(`<(/?)${name}\\b[^<>]*>`, 'gi');
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
  return decodeEntities(fragment.replace(/<[^<>]*>/g, ' ')).replace(/[\s\u200b-\u200d\u2060\ufeff\u034f]+/g, ' ').trim();
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
