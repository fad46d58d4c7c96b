import { TextDecoder } from 'node:util';

/**
 * Byte and charset decoding for MIME parts and RFC 2047 encoded words. Structure is parsed on a
 * latin1 view of the message (one char per byte, so offsets are byte offsets); only text that a
 * stage reads is turned into real strings here.
 */

const decoders = new Map<string, TextDecoder | null>();

/** Decodes bytes in `charset`; `undefined` when the charset is unknown (the caller reports it). */
export function decodeCharset(bytes: Uint8Array, charset: string): string | undefined {
  const label = charset.trim().toLowerCase() || 'utf-8';
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      decoder = null;
    }
    decoders.set(label, decoder);
  }
  return decoder === null ? undefined : decoder.decode(bytes);
}

/** Quoted-printable (RFC 2045 §6.7) from a latin1 string to bytes; malformed escapes are kept as written. */
export function decodeQuotedPrintable(latin1: string, underscoreIsSpace = false): Buffer {
  let s = latin1.replace(/=[ \t]*\r?\n/g, '');
  if (underscoreIsSpace) s = s.replace(/_/g, ' ');
  s = s.replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(s, 'latin1');
}

const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 from a latin1 string to bytes, or `undefined` when it holds characters base64 cannot. */
export function decodeBase64(latin1: string): Buffer | undefined {
  const clean = latin1.replace(/[\r\n\t ]/g, '');
  return BASE64_BODY.test(clean) ? Buffer.from(clean, 'base64') : undefined;
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/** Decodes RFC 2047 encoded words in a header value (`=?utf-8?B?...?=`); unknown charsets stay encoded. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  // Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(ENCODED_WORD, (word, charset: string, enc: string, text: string) => {
    const bytes = enc === 'B' || enc === 'b' ? decodeBase64(text) : decodeQuotedPrintable(text, true);
    if (!bytes) return word;
    return decodeCharset(bytes, charset.split('*')[0] ?? '') ?? word;
  });
}
