import { createHmac, timingSafeEqual } from 'node:crypto';
import { MtaKitError, type JsonValue, type MessageMeta } from '@mtakit/core';

/**
 * The trace header ties a bounce or complaint back to the message that caused it. mtakit adds
 * `X-MtaKit-Ref` at send time; receivers that quote the original headers in their DSN or ARF
 * report hand it back. The value is base64url JSON, optionally followed by `.` and a truncated
 * HMAC-SHA256 so a forged report cannot suppress addresses or blame a tenant:
 *
 *   X-MtaKit-Ref: eyJtdGFraXQiOjEsImlkIjoi…  [.Q2hlY2tzdW0…]
 *   {"mtakit":1,"id":"<message id>","recipient":"…","tenant":"…","campaign":"…","queue":"…","meta":{…}}
 *
 * KumoMTA's `X-KumoRef` (base64 JSON with the marker `"_@_":"\\_/"`, the recipient and chosen meta)
 * is decoded too, so reports for mail sent by KumoMTA correlate the same way.
 */
export const TRACE_HEADER = 'X-MtaKit-Ref';
export const KUMO_TRACE_HEADER = 'X-KumoRef';

/** What the trace header carries. */
export interface TraceData {
  /** The original message's id (its queue/spool id). */
  id?: string;
  recipient?: string;
  tenant?: string;
  campaign?: string;
  queue?: string;
  /** Further meta chosen at send time (`includeMeta`). */
  meta?: MessageMeta;
}

export interface DecodedTrace extends TraceData {
  header: typeof TRACE_HEADER | typeof KUMO_TRACE_HEADER;
  /** true: signature checked; false: signature wrong or missing while a secret was given; null: no secret given. */
  verified: boolean | null;
}

/** Message fields the header is built from; a core `Message` fits as is. */
export interface TraceSource {
  id: string;
  recipient: string;
  meta?: MessageMeta;
}

export interface TraceOptions {
  /** Meta keys to embed besides `tenant`, `campaign` and `queue`. Default: none. */
  includeMeta?: readonly string[];
  /** Signs the value (HMAC-SHA256); decoding with the same secret verifies it. Default: unsigned. */
  secret?: string | Buffer;
}

/** Longest value accepted: the header line must stay under the 998-octet line limit. */
const MAX_VALUE = 900;
const SIGNATURE_CHARS = 22;

/** Builds the `X-MtaKit-Ref` value for a message, e.g. `msg.prependHeader(TRACE_HEADER, buildTraceHeader(msg))`. */
export function buildTraceHeader(source: TraceSource, options: TraceOptions = {}): string {
  const meta = source.meta ?? {};
  const payload: Record<string, JsonValue> = { mtakit: 1, id: source.id, recipient: source.recipient };
  for (const key of ['tenant', 'campaign', 'queue'] as const) {
    const value = meta[key];
    if (typeof value === 'string' && value !== '') payload[key] = value;
  }
  const extra: MessageMeta = {};
  for (const key of options.includeMeta ?? []) {
    const value = meta[key];
    if (value !== undefined) extra[key] = value;
  }
  if (Object.keys(extra).length > 0) payload['meta'] = extra;
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const value = options.secret === undefined ? encoded : `${encoded}.${sign(encoded, options.secret)}`;
  if (value.length > MAX_VALUE) {
    throw new MtaKitError('E_MESSAGE', `${TRACE_HEADER} value would be ${value.length} characters (max ${MAX_VALUE}); embed fewer meta keys`);
  }
  return value;
}

/** Decodes an `X-MtaKit-Ref` value; null when it is not one. */
export function decodeTraceHeader(value: string, options: { secret?: string | Buffer } = {}): DecodedTrace | null {
  const compact = value.replace(/\s+/g, '');
  const [encoded = '', signature] = compact.split('.', 2);
  const payload = decodeJson(encoded);
  if (!payload || payload['mtakit'] !== 1) return null;
  let verified: boolean | null = null;
  if (options.secret !== undefined) verified = signature !== undefined && safeEqual(signature, sign(encoded, options.secret));
  return { header: TRACE_HEADER, ...traceFields(payload), ...metaOf(payload['meta']), verified };
}

/** Decodes KumoMTA's `X-KumoRef` value; tenant, campaign and queue come from the embedded meta. */
export function decodeKumoRef(value: string): DecodedTrace | null {
  const payload = decodeJson(value.replace(/\s+/g, ''));
  if (!payload || payload['_@_'] !== '\\_/') return null;
  const meta: MessageMeta = {};
  for (const [key, v] of Object.entries(payload)) if (key !== '_@_' && key !== 'recipient') meta[key] = v;
  const trace = traceFields({ ...meta, recipient: payload['recipient'] ?? null });
  return { header: KUMO_TRACE_HEADER, ...trace, ...metaOf(meta), verified: null };
}

function traceFields(payload: Record<string, JsonValue>): TraceData {
  const out: TraceData = {};
  for (const key of ['id', 'recipient', 'tenant', 'campaign', 'queue'] as const) {
    const v = payload[key];
    if (typeof v === 'string' && v !== '') out[key] = v;
  }
  return out;
}

function metaOf(value: JsonValue | undefined): { meta?: MessageMeta } {
  return value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 ? { meta: value } : {};
}

function decodeJson(encoded: string): Record<string, JsonValue> | null {
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(encoded)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, JsonValue>) : null;
  } catch {
    return null;
  }
}

function sign(encoded: string, secret: string | Buffer): string {
  return createHmac('sha256', secret).update(encoded).digest('base64url').slice(0, SIGNATURE_CHARS);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
