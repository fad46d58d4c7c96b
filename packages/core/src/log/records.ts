import type { EnhancedStatusCode } from '../errors.js';
import type { JsonValue, MessageMeta } from '../message/message.js';

/** Log record types, with KumoMTA's names. */
export const LOG_RECORD_TYPES = [
  'Reception', 'Delivery', 'Bounce', 'TransientFailure', 'Expiration', 'AdminBounce', 'AdminRebind',
  'Delayed', 'Rejection', 'OOB', 'Feedback', 'PreSendVerdict', 'Suppressed',
] as const;
export type LogRecordType = (typeof LOG_RECORD_TYPES)[number];

/** A reply received (egress) or sent (ingress), split into its parts. */
export interface SmtpResponse {
  code: number;
  enhanced_code: EnhancedStatusCode | null;
  /** Reply text without the codes; multi-line replies joined with "\n". */
  content: string;
  /** The command that drew this reply (e.g. "RCPT TO:<a@b>"), when known. */
  command: string | null;
}

export interface PeerAddress {
  /** MX host name, or the peer's EHLO name for reception. */
  name: string;
  addr: string;
}

export type DeliveryProtocol = 'ESMTP' | 'Maildir' | 'Custom';
export type ReceptionProtocol = 'ESMTP' | 'HTTP' | 'LogRecord';

/**
 * One log record (one JSONL line). Field names follow KumoMTA's records so existing consumers
 * carry over; `transcript` is mtakit's addition (SMTP conversation of an egress attempt).
 */
export interface LogRecord {
  type: LogRecordType;
  /** Message id (32 hex). */
  id: string;
  sender: string;
  recipient: string | string[];
  /** Scheduled queue name. */
  queue: string;
  /** Ready queue name (`source->site@proto`); empty for Reception. */
  site: string;
  size: number;
  response: SmtpResponse;
  peer_address: PeerAddress | null;
  /** Unix seconds. */
  timestamp: number;
  /** RFC 3339 event time. */
  event_time: string;
  /** Message creation, Unix seconds. */
  created: number;
  num_attempts: number;
  bounce_classification: string;
  egress_pool: string | null;
  egress_source: string | null;
  source_address: { address: string; protocol: null; server: null } | null;
  meta: MessageMeta;
  headers: Record<string, JsonValue>;
  delivery_protocol: DeliveryProtocol | null;
  reception_protocol: ReceptionProtocol | null;
  nodeid: string;
  tls_cipher: string | null;
  tls_protocol_version: string | null;
  tls_peer_subject_name: string | null;
  session_id: string | null;
  provider_name: string | null;
  transcript?: string[];
  /** Parsed ARF report (Feedback records). */
  feedback_report?: JsonValue;
  /** Extra structured data for a record type (e.g. scorer breakdown on PreSendVerdict). */
  extra?: Record<string, JsonValue>;
}

/** Renders a response as KumoMTA's one-line form: `"<code> <c.s.d> <content>"`. */
export function responseLine(response: SmtpResponse): string {
  const esc = response.enhanced_code;
  const code = esc ? ` ${esc.class}.${esc.subject}.${esc.detail}` : '';
  return `${response.code}${code} ${response.content.replace(/\r?\n/g, ' ')}`;
}

/** Responses mtakit generates itself carry this prefix (so automation can ignore them). */
export const INTERNAL_RESPONSE_PREFIX = 'KumoMTA internal: ';

export function internalResponse(code: number, enhanced: string | null, text: string): SmtpResponse {
  const m = enhanced ? /^(\d)\.(\d+)\.(\d+)$/.exec(enhanced) : null;
  return {
    code,
    enhanced_code: m ? { class: Number(m[1]), subject: Number(m[2]), detail: Number(m[3]) } : null,
    content: `${INTERNAL_RESPONSE_PREFIX}${text}`,
    command: null,
  };
}

const recordTexts = new WeakMap<LogRecord, string>();

/**
 * A record's JSON text, made once per record object: the log writer and the event hub both need
 * it for every record, and serialising a record is one of the larger costs per message.
 * Records are not changed after they are published, so the text stays right.
 */
export function recordJson(record: LogRecord): string {
  let text = recordTexts.get(record);
  if (text === undefined) {
    text = JSON.stringify(record);
    recordTexts.set(record, text);
  }
  return text;
}
