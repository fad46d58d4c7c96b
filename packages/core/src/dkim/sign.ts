import { createHash, sign, type KeyObject } from 'node:crypto';

/**
 * DKIM signing (RFC 6376, and RFC 8463 for Ed25519) with node:crypto, synchronous so that Lua's
 * `msg:dkim_sign(signer)` can sign in place. Canonicalization treats bare LF as CRLF, which is how
 * the message travels over SMTP.
 */
export type Canonicalization = 'relaxed' | 'simple';
export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

export interface DkimSignOptions {
  domain: string;
  selector: string;
  /** Header names to sign, in order. */
  headers: readonly string[];
  privateKey: KeyObject;
  algorithm: DkimAlgorithm;
  headerCanonicalization: Canonicalization;
  bodyCanonicalization: Canonicalization;
  /** Sign each listed header once more than it occurs, so none can be added later. */
  overSign: boolean;
  /** Signature timestamp (t=), Unix seconds. */
  timestamp: number;
  /** Seconds after `timestamp` when the signature expires (x=). */
  expiration?: number | undefined;
}

interface SplitMessage {
  /** Header fields, each with its CRLF, unfolding preserved. */
  fields: string[];
  body: string;
}

const WSP_RUN = /[ \t]+/g;

/** Returns the message with a `DKIM-Signature` field prepended. */
export function signMessage(data: Buffer, options: DkimSignOptions): Buffer {
  const field = signatureField(data, options);
  const lfOnly = !data.includes('\r\n') && data.includes('\n');
  return Buffer.concat([Buffer.from(lfOnly ? field.replace(/\r\n/g, '\n') : field, 'latin1'), data]);
}

/** The `DKIM-Signature: ...` field (ending with CRLF) for this message. */
function signatureField(data: Buffer, options: DkimSignOptions): string {
  const { fields, body } = split(data);
  const bodyHash = createHash('sha256').update(canonicalBody(body, options.bodyCanonicalization), 'latin1').digest('base64');
  const names = signedNames(fields, options);
  // One folded line per group of tags; b= comes last so the signature can be appended.
  const lines = [
    ['v=1', `a=${options.algorithm}`, `c=${options.headerCanonicalization}/${options.bodyCanonicalization}`, `d=${options.domain}`, `s=${options.selector}`],
    [`t=${options.timestamp}`, ...(options.expiration !== undefined ? [`x=${options.timestamp + options.expiration}`] : []), `h=${foldList(names)}`],
    [`bh=${bodyHash}`],
    ['b='],
  ];
  const unsigned = `DKIM-Signature: ${lines.map((tags) => tags.join('; ')).join(';\r\n\t')}`;
  const signedData = selectHeaders(fields, names).map((f) => canonicalHeader(f, options.headerCanonicalization)).join('')
    + canonicalHeader(unsigned, options.headerCanonicalization).replace(/\r\n$/, '');
  const signature = options.algorithm === 'rsa-sha256'
    ? sign('sha256', Buffer.from(signedData, 'latin1'), options.privateKey)
    : sign(null, createHash('sha256').update(signedData, 'latin1').digest(), options.privateKey);
  return `${unsigned}${fold(signature.toString('base64'))}\r\n`;
}

function split(data: Buffer): SplitMessage {
  const text = data.toString('latin1').replace(/\r?\n/g, '\r\n');
  const end = text.startsWith('\r\n') ? 0 : text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end === 0 ? 0 : end + 2);
  const body = end === -1 ? '' : text.slice(end === 0 ? 2 : end + 4);
  const fields: string[] = [];
  for (const line of head.split(/(?<=\r\n)/)) {
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  return { fields, body };
}

function fieldName(field: string): string {
  return field.slice(0, field.indexOf(':')).trim().toLowerCase();
}

/** The h= list: each wanted header as often as it occurs (once more with over-signing, at least once). */
function signedNames(fields: readonly string[], options: DkimSignOptions): string[] {
  const names: string[] = [];
  for (const wanted of new Set(options.headers.map((h) => h.toLowerCase()))) {
    const count = fields.filter((f) => fieldName(f) === wanted).length;
    const times = options.overSign ? count + 1 : Math.max(count, 1);
    for (let i = 0; i < times; i++) names.push(wanted);
  }
  return names;
}

/** Fields in h= order, each occurrence taken from the bottom up (RFC 6376 §5.4.2); absent ones sign as empty. */
function selectHeaders(fields: readonly string[], names: readonly string[]): string[] {
  const used = new Set<number>();
  const out: string[] = [];
  for (const name of names) {
    for (let i = fields.length - 1; i >= 0; i--) {
      if (!used.has(i) && fieldName(fields[i] as string) === name) {
        used.add(i);
        out.push(fields[i] as string);
        break;
      }
    }
  }
  return out;
}

function canonicalHeader(field: string, mode: Canonicalization): string {
  if (mode === 'simple') return field.endsWith('\r\n') ? field : `${field}\r\n`;
  const colon = field.indexOf(':');
  const value = field.slice(colon + 1).replace(/\r\n/g, '').replace(WSP_RUN, ' ').trim();
  return `${field.slice(0, colon).trim().toLowerCase()}:${value}\r\n`;
}

function canonicalBody(body: string, mode: Canonicalization): string {
  let text = body;
  if (mode === 'relaxed') text = text.split('\r\n').map((line) => line.replace(WSP_RUN, ' ').replace(/ $/, '')).join('\r\n');
  text = text.replace(/(\r\n)+$/, '');
  if (text === '') return mode === 'simple' ? '\r\n' : '';
  return `${text}\r\n`;
}

function fold(base64: string): string {
  return base64.replace(/(.{72})(?=.)/g, '$1\r\n\t ');
}

function foldList(names: readonly string[]): string {
  const lines: string[] = [];
  let line = '';
  for (const name of names) {
    if (line && line.length + name.length > 60) {
      lines.push(line);
      line = '';
    }
    line += line ? `:${name}` : name;
  }
  lines.push(line);
  return lines.join('\r\n\t:');
}
