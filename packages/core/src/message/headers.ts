/**
 * Header access on raw RFC 5322 bytes. The header block is handled as a latin1 string so that
 * every byte round-trips unchanged (8-bit and UTF-8 header values included); the body is never
 * touched, which keeps relaying byte-exact.
 */

export interface HeaderField {
  /** Field name as written. */
  readonly name: string;
  /** The whole field as written, including folded continuation lines and the line ending. */
  readonly raw: string;
}

export interface HeaderBlock {
  readonly fields: HeaderField[];
  /** Line ending used by the message ("\r\n" unless the message uses bare "\n"). */
  readonly eol: string;
  /** Byte offset where the body starts (just past the blank separator line), or data.length. */
  readonly bodyStart: number;
  /** Whether a blank line separating headers from body was present. */
  readonly hasSeparator: boolean;
}

export function parseHeaderBlock(data: Buffer): HeaderBlock {
  const crlf = data.indexOf('\r\n\r\n');
  // A bare-LF separator only counts before the CRLF one: no need to scan the body for it.
  const lf = (crlf === -1 ? data : data.subarray(0, crlf)).indexOf('\n\n');
  let headerEnd: number;
  let bodyStart: number;
  let hasSeparator = true;
  if (crlf !== -1 && lf === -1) {
    headerEnd = crlf + 2;
    bodyStart = crlf + 4;
  } else if (lf !== -1) {
    headerEnd = lf + 1;
    bodyStart = lf + 2;
  } else {
    headerEnd = data.length;
    bodyStart = data.length;
    hasSeparator = false;
  }
  if (data[0] === 0x0d || data[0] === 0x0a) {
    // No headers at all: the message starts with the blank line.
    const skip = data[0] === 0x0d ? 2 : 1;
    return { fields: [], eol: skip === 2 ? '\r\n' : '\n', bodyStart: skip, hasSeparator: true };
  }
  const text = data.toString('latin1', 0, headerEnd);
  const eol = text.includes('\r\n') || crlf !== -1 ? '\r\n' : '\n';
  const fields: HeaderField[] = [];
  for (let at = 0; at < text.length; ) {
    const nl = text.indexOf('\n', at);
    const end = nl === -1 ? text.length : nl + 1;
    const line = text.slice(at, end);
    at = end;
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) {
      const last = fields[fields.length - 1] as HeaderField;
      fields[fields.length - 1] = { name: last.name, raw: last.raw + line };
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    fields.push({ name, raw: line });
  }
  return { fields, eol, bodyStart, hasSeparator };
}

/** The unfolded value of a field, decoded as UTF-8. */
export function fieldValue(field: HeaderField): string {
  const colon = field.raw.indexOf(':');
  let value = field.raw.slice(colon + 1);
  if (FOLD.test(value)) value = value.replace(FOLDS, '');
  // trim() also takes the line ending. Most values are ASCII: they are their own UTF-8 reading,
  // without the copy through a Buffer (this runs for several headers of every message).
  value = value.trim();
  return NON_ASCII.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}

const FOLD = /\r?\n(?=[ \t])/;
const FOLDS = /\r?\n(?=[ \t])/g;
const NON_ASCII = /[^\x00-\x7f]/;

/** Renders `Name: value` with the message's line ending; the value is encoded as UTF-8. */
export function renderField(name: string, value: string, eol: string): HeaderField {
  if (!/^[!-9;-~]+$/.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
  // A folded value (RFC 5322 §2.2.3: a line break followed by space or tab) is kept, in the block's line ending.
  const unfolded = value.replace(/\r?\n(?=[ \t])/g, '');
  if (/[\r\n]/.test(unfolded)) throw new TypeError(`header ${name} value must not contain line breaks other than folding`);
  return { name, raw: `${name}: ${Buffer.from(value.replace(/\r?\n(?=[ \t])/g, eol), 'utf8').toString('latin1')}${eol}` };
}

/** The message bytes for a header block (its fields as they are now) followed by the body. */
export function rebuild(block: HeaderBlock, body: Buffer): Buffer {
  const head = block.fields.map((f) => f.raw).join('');
  const separator = block.hasSeparator ? block.eol : '';
  return Buffer.concat([Buffer.from(head + separator, 'latin1'), body]);
}

export function sameName(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}
