import { createRequire } from 'node:module';

type LibMime = typeof import('libmime').default;
let loaded: LibMime | null = null;
/**
 * libmime (with iconv-lite and encoding-japanese, ~35 ms of CPU to load) on first need: ASCII and
 * UTF-8 bounces without encoded words, most of them, never load it, and a single file parsed cold
 * answers sooner.
 */
function libmime(): LibMime {
  loaded ??= createRequire(import.meta.url)('libmime') as LibMime;
  return loaded;
}

/** What the report parsers need from a message: its headers, readable text and MIME parts. */
export interface MimeMessage {
  /** Top-level header fields, raw (folded), in order; `key` lower-cased. */
  headerLines: HeaderLine[];
  /** Subject, RFC 2047 words decoded. */
  subject: string;
  /** The `From` address, lower-cased. */
  from: string | null;
  /** Human-readable text: the text/plain parts (or text/html stripped of tags), decoded to Unicode. */
  text: string;
  /** Non-text parts (reports, returned messages, attachments), transfer-decoded. */
  parts: MimePart[];
}

export interface HeaderLine {
  key: string;
  line: string;
}

export interface MimePart {
  /** Lower-cased MIME type, e.g. `message/delivery-status`. */
  contentType: string;
  content: Buffer;
}

interface Entity {
  headers: HeaderLine[];
  body: Buffer;
}

/** Deepest multipart nesting followed; bounces of bounces rarely go past four. */
const MAX_DEPTH = 8;

/**
 * A small MIME walker for reports (mailparser was four times slower on bounces and folded parts
 * we need apart). Multiparts are split on their boundary; text/* parts are transfer-decoded
 * (base64, quoted-printable) and converted from their charset (libmime: iconv-lite, plus
 * encoding-japanese for ISO-2022-JP); message/rfc822 and report parts are kept as bytes.
 * Never throws on malformed structure: what cannot be split is read as one text body.
 */
export function parseMime(bytes: Buffer): MimeMessage {
  const top = splitEntity(withoutMboxLine(bytes));
  const texts: string[] = [];
  const htmls: string[] = [];
  const parts: MimePart[] = [];
  walk(top, 0, texts, htmls, parts);
  const subject = decodeWords(headerOf(top.headers, 'subject') ?? '');
  const fromHeader = decodeWords(headerOf(top.headers, 'from') ?? '');
  const from = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/.exec(fromHeader)?.[0]?.replace(/\.$/, '').toLowerCase() ?? null;
  const text = texts.length > 0 ? texts.join('\n') : htmls.map(htmlToText).join('\n');
  return { headerLines: top.headers, subject, from, text, parts };
}

function walk(entity: Entity, depth: number, texts: string[], htmls: string[], parts: MimePart[]): void {
  const type = contentType(entity.headers);
  if (type.value.startsWith('multipart/') && depth < MAX_DEPTH) {
    const boundary = type.params['boundary'];
    const children = boundary ? splitMultipart(entity.body, boundary) : null;
    if (children && children.length > 0) {
      for (const child of children) walk(splitEntity(child), depth + 1, texts, htmls, parts);
      return;
    }
  }
  const body = transferDecode(entity.body, headerOf(entity.headers, 'content-transfer-encoding'));
  const attachment = /^\s*attachment/i.test(headerOf(entity.headers, 'content-disposition') ?? '');
  if (type.value === 'text/plain' && !attachment) texts.push(charsetDecode(body, type.params['charset']));
  else if (type.value === 'text/html' && !attachment) htmls.push(charsetDecode(body, type.params['charset']));
  else parts.push({ contentType: type.value, content: body });
}

/** Headers and body of one entity; a body-only text (no header block) is all body. */
/**
 * Where the header block starts: a message saved from a mailbox begins with its mbox separator
 * (`From sender date`), and one pasted or exported by hand sometimes with blank lines.
 */
function withoutMboxLine(bytes: Buffer): Buffer {
  let start = 0;
  // Blank lines, and mbox separators: `From ` and the `>From ` an mboxrd writer escapes a second
  // one to (a DSN saved twice starts with both).
  for (;;) {
    const eol = bytes.indexOf(10, start);
    const line = bytes.toString('latin1', start, eol < 0 ? bytes.length : eol);
    if (eol < 0 || (line.trim() !== '' && !/^>?From /.test(line))) break;
    start = eol + 1;
  }
  return start > 0 ? bytes.subarray(start) : bytes;
}

function splitEntity(bytes: Buffer): Entity {
  const text = bytes.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  const headEnd = m ? m.index : text.length;
  const head = text.slice(0, headEnd);
  // A field name is a token: a body that starts with "<rcpt@example.com>: …" has no header block.
  if (!/^[!#-'*+.0-9A-Z^-~-]+:/.test(head)) return { headers: [], body: bytes };
  const headers: HeaderLine[] = [];
  for (const line of head.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push({ key: line.slice(0, colon).trim().toLowerCase(), line });
  }
  return { headers, body: m ? bytes.subarray(headEnd + m[0].length) : Buffer.alloc(0) };
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const out: Buffer[] = [];
  let start = -1;
  let at = 0;
  for (;;) {
    const i = text.indexOf(delimiter, at);
    if (i < 0) break;
    const lineStart = i === 0 || text[i - 1] === '\n';
    at = i + delimiter.length;
    if (!lineStart) continue;
    if (start >= 0) out.push(body.subarray(start, i > 0 && text[i - 2] === '\r' ? i - 2 : i - 1));
    if (text.startsWith('--', at)) return out;
    const eol = text.indexOf('\n', at);
    start = eol < 0 ? text.length : eol + 1;
  }
  if (start >= 0 && start < text.length) out.push(body.subarray(start));
  return out;
}

function transferDecode(body: Buffer, encoding: string | null): Buffer {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (e === 'quoted-printable') return decodeQuotedPrintable(body.toString('latin1'));
  return body;
}

function decodeQuotedPrintable(text: string): Buffer {
  const unfolded = text.replace(/=\r?\n/g, '');
  const out = Buffer.alloc(unfolded.length);
  let n = 0;
  for (let i = 0; i < unfolded.length; i++) {
    const c = unfolded.charCodeAt(i);
    if (c === 61 && /^[0-9A-Fa-f]{2}$/.test(unfolded.slice(i + 1, i + 3))) {
      out[n++] = parseInt(unfolded.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      out[n++] = c & 0xff;
    }
  }
  return out.subarray(0, n);
}

/** Unicode text of a part: its declared charset, else UTF-8 when valid, else Latin-1. */
export function charsetDecode(body: Buffer, charset: string | undefined): string {
  let name = (charset ?? '').trim().toLowerCase();
  // Japanese mail of the 1990s and 2000s often sends ISO-2022-JP undeclared (no MIME headers, or
  // "us-ascii"): its escape sequences cannot be anything else.
  if ((name === '' || /^(?:us-)?ascii$/.test(name)) && isIso2022Jp(body)) name = 'iso-2022-jp';
  // ISO-2022-JP is 7-bit: 8-bit bytes under that label are EUC-JP (or UTF-8) that an archive or
  // a gateway re-encoded without changing the header.
  if (name.startsWith('iso-2022-jp') && /[\x80-\xff]/.test(body.toString('latin1'))) {
    name = body.toString('utf8').includes('\uFFFD') ? 'euc-jp' : 'utf-8';
  }
  if (name === '' || /^(?:us-)?ascii$|^utf-?8$/.test(name)) return utf8OrLatin1(body);
  try {
    return libmime().decodeWord(name, 'B', body.toString('base64'));
  } catch {
    return utf8OrLatin1(body);
  }
}

function utf8OrLatin1(body: Buffer): string {
  const text = body.toString('utf8');
  return text.includes('\uFFFD') ? body.toString('latin1') : text;
}

function isIso2022Jp(bytes: Buffer): boolean {
  return bytes.includes('\x1b$B') || bytes.includes('\x1b$@');
}

function decodeWords(value: string): string {
  const raw = Buffer.from(value, 'latin1');
  if (isIso2022Jp(raw)) value = charsetDecode(raw, 'iso-2022-jp');
  // Unencoded 8-bit header text (RFC 6532, and many mailers before it) is UTF-8 when it decodes as such.
  else if (/[\x80-\xff]/.test(value)) value = utf8OrLatin1(raw);
  const unfolded = value.replace(/\r?\n[ \t]+/g, ' ');
  if (!unfolded.includes('=?')) return unfolded.trim();
  try {
    return libmime().decodeWords(unfolded).trim();
  } catch {
    return unfolded.trim();
  }
}

function headerOf(headers: readonly HeaderLine[], key: string): string | null {
  const h = headers.find((x) => x.key === key);
  return h ? h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim() : null;
}

function contentType(headers: readonly HeaderLine[]): { value: string; params: Record<string, string> } {
  const raw = headerOf(headers, 'content-type');
  if (!raw) return { value: 'text/plain', params: {} };
  const parsed = parseHeaderValue(raw);
  return { value: parsed.value.toLowerCase().replace(/\s+/g, ''), params: parsed.params };
}

/**
 * `type/subtype; name=value; name="quoted \"value\""`, parameter names lower-cased. RFC 2231
 * (`name*=`, `name*0=`) and RFC 2047 words in parameters go to libmime.
 */
function parseHeaderValue(raw: string): { value: string; params: Record<string, string> } {
  if (/\*\s*=|\*\d|=\?/.test(raw)) return libmime().parseHeaderValue(raw);
  const semi = raw.indexOf(';');
  const params: Record<string, string> = {};
  if (semi >= 0) {
    for (const m of raw.slice(semi).matchAll(/;\s*([^\s=;"]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"?|([^;]*))/g)) {
      params[(m[1] ?? '').toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    }
  }
  return { value: (semi >= 0 ? raw.slice(0, semi) : raw).trim(), params };
}

/** Readable text of an HTML part: block tags become line breaks, other tags and entities go. */
function htmlToText(html: string): string {
  return html
    .replace(/<(?:style|script|head)\b[\s\S]*?<\/(?:style|script|head)>/gi, '')
    .replace(/<(?:br|\/p|\/div|\/tr|\/h\d|\/li|p|div|tr|li|table)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&amp;/gi, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n');
}

/** Values of a top-level header (unfolded, RFC 2047 words decoded), case-insensitive. */
export function headerValues(message: MimeMessage, name: string): string[] {
  const key = name.toLowerCase();
  return message.headerLines
    .filter((h) => h.key === key)
    .map((h) => decodeWords(h.line.slice(h.line.indexOf(':') + 1)));
}
