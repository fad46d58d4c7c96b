import { fieldValue, parseHeaderBlock } from '@mtakit/core';
import { decodeKumoRef, decodeTraceHeader, KUMO_TRACE_HEADER, TRACE_HEADER } from './trace.js';
import { correlationFromTrace, type Correlation, type OriginalMessage } from './types.js';
import { decodeVerp, type VerpOptions } from './verp.js';

/** MIME types that carry the returned message or its headers. */
export const ORIGINAL_PART_TYPES = new Set([
  'message/rfc822', 'text/rfc822-headers', 'message/rfc822-headers', 'message/global', 'message/global-headers',
]);

/**
 * Lines after which plain-text bounces quote the original message: one pattern (alternatives of
 * the wordings MTAs use), so a report's text is scanned once.
 */
const COPY_MARKER = new RegExp([
  /-+ ?Below this line is a copy of the message\.?.*/,
  /-+ ?Enclosed is a copy of the message\.?.*/,
  /-+ This is a copy of the message.*-+/,
  /[ \t]*-+ ?(?:Original|Returned|Received) message follows ?-+/,
  /[ \t]*-+ ?Original message ?-+/,
  /[ \t]*-+ ?(?:START OF )?RETURNED (?:MESSAGE|MAIL)(?: FOLLOWS)? ?-*/,
  /[ \t]*-+ ?(?:The )?(?:original|returned|undelivered) message(?: headers?)?(?: follows?)?:? ?-*/,
  /(?:-+ ?)?Original message (?:as received )?(?:is as follows|follows)[:.]?.*/,
  /\*+[ \t]*End of message[ \t]*\*+/,
  /Included is a copy of the message header.*/,
  /-+ ?Headers? of the (?:source|original) (?:mail|message)(?: attached| follows?)? ?-+/,
  /\|?[ \t]*-+ ?Message (?:header|text) follows:? ?-+\|?/,
  /[ \t]*-+ ?Unsent message follows ?-+/,
].map((r) => `^(?:${r.source})$`).join('|'), 'im');

/** The text a plain-text bounce quotes after its "copy of the message" line, if any. */
export function quotedOriginal(text: string): string | null {
  const m = COPY_MARKER.exec(text);
  return m ? text.slice(m.index + m[0].length).replace(/^\s*\n/, '') : null;
}

/** The part of a plain-text bounce before the quoted original. */
export function beforeQuotedOriginal(text: string): string {
  const m = COPY_MARKER.exec(text);
  return m ? text.slice(0, m.index) : text;
}

export function parseOriginal(text: string): OriginalMessage | null {
  // Only the header block is read: cut it off before converting, as the text may carry the whole
  // returned message with its attachments.
  const trimmed = text.replace(/^\s+/, '');
  const end = /\r?\n\r?\n/.exec(trimmed);
  const block = parseHeaderBlock(Buffer.from(end ? trimmed.slice(0, end.index + end[0].length) : trimmed, 'utf8'));
  const headers = block.fields
    .filter((f) => /^[!-9;-~]+$/.test(f.name))
    .map((f): [string, string] => [f.name, fieldValue(f)]);
  if (headers.length === 0) return null;
  const first = (name: string): string | null => headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? null;
  return {
    headers,
    message_id: first('message-id'),
    subject: first('subject'),
    from: first('from'),
    to: first('to'),
    return_path: first('return-path'),
  };
}

/**
 * The envelope recipient named by the returned message's newest Received header with a `for <rcpt>`:
 * the address the reporting host was delivering to, where the report's text names none.
 */
export function receivedFor(original: OriginalMessage | null): string | null {
  for (const [name, value] of original?.headers ?? []) {
    const rcpt = name.toLowerCase() === 'received' ? /\bfor <?([^\s<>;@]+@[^\s<>;]+?)>?\s*;/i.exec(value)?.[1] : undefined;
    if (rcpt) return rcpt;
  }
  return null;
}

export interface CorrelationOptions {
  /** Verifies signed `X-MtaKit-Ref` values (see trace.ts). */
  traceSecret?: string | Buffer;
  /** Restricts VERP decoding to this prefix/domain. */
  verp?: Partial<VerpOptions>;
}

/**
 * Finds what ties a report to its original message: a trace header in the returned headers (or,
 * failing that, anywhere in the report's text, since plain-text bounces quote it in the body),
 * then VERP addresses. A trace header wins; VERP fills what it lacks.
 */
export function correlate(
  original: OriginalMessage | null,
  texts: readonly string[],
  verpCandidates: readonly (string | null | undefined)[],
  options: CorrelationOptions,
): Correlation | null {
  const traceOptions = options.traceSecret === undefined ? {} : { secret: options.traceSecret };
  const traceIn = (candidates: readonly [string, string][]): Correlation | null => {
    for (const [name, value] of candidates) {
      const lower = name.toLowerCase();
      const decoded =
        lower === TRACE_HEADER.toLowerCase() ? decodeTraceHeader(value, traceOptions)
          : lower === KUMO_TRACE_HEADER.toLowerCase() ? decodeKumoRef(value)
            : null;
      if (decoded) return correlationFromTrace(decoded);
    }
    return null;
  };
  // The returned headers first; the report's texts only when they have none, and only their first
  // TRACE_SEARCH_LIMIT characters: a quoted header comes before the returned body and attachments.
  const trace = traceIn(original?.headers ?? [])
    ?? traceIn(texts.flatMap((t) => findHeaderLines(t.length > TRACE_SEARCH_LIMIT ? t.slice(0, TRACE_SEARCH_LIMIT) : t, [TRACE_HEADER, KUMO_TRACE_HEADER])));
  const verp = [...verpCandidates, original?.return_path]
    .flatMap((c) => (c ? addressesIn(c) : []))
    .map((a) => decodeVerp(a, options.verp))
    .find((v) => v !== null);
  if (!verp) return trace;
  if (!trace) {
    return { source: 'verp', id: verp.id, recipient: verp.recipient, tenant: null, campaign: null, queue: null, meta: {}, verified: null };
  }
  return { ...trace, id: trace.id ?? verp.id, recipient: trace.recipient ?? verp.recipient };
}

/** `Name: value` lines (with folding) for the given names anywhere in a text. */
function findHeaderLines(text: string, names: readonly string[]): [string, string][] {
  const key = names.join('|');
  let pattern = HEADER_LINE_PATTERNS.get(key);
  if (!pattern) {
    pattern = new RegExp(`^(${names.map((n) => n.replace(/-/g, '\\-')).join('|')}):[ \\t]*(.*(?:\\r?\\n[ \\t]+.*)*)`, 'gim');
    HEADER_LINE_PATTERNS.set(key, pattern);
  }
  return [...text.matchAll(pattern)].map((m) => [m[1] as string, (m[2] as string).replace(/\s+/g, '')]);
}

const HEADER_LINE_PATTERNS = new Map<string, RegExp>();

/** How far into each text of a report a trace header is looked for (characters). */
const TRACE_SEARCH_LIMIT = 64 * 1024;

function addressesIn(value: string): string[] {
  return [...value.matchAll(/[^\s<>,;:"]+@[^\s<>,;:"]+/g)].map((m) => m[0]);
}
