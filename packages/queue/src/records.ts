import type { LogRecord, LogRecordType, Message, PeerAddress, SmtpResponse } from '@mtakit/core';
import type { DeliveryChannel } from './delivery/channel.js';

export interface RecordContext {
  queue: string;
  site?: string;
  response: SmtpResponse;
  peer?: PeerAddress | null;
  channel?: DeliveryChannel;
  egressPool?: string | null;
  egressSource?: string | null;
  sourceAddress?: string | undefined;
  transcript?: string[] | undefined;
  classification?: string;
  nodeId: string;
  now: number;
  providerName?: string | null;
  /** The data's size, for a message loaded without its data. */
  size?: number;
}

/** The 250 of a Reception record: one object for every message (a batch logs thousands). */
export const RECEIVED: SmtpResponse = Object.freeze({ code: 250, enhanced_code: null, content: '', command: null });

let lastNow = NaN;
let lastIso = '';

/** The ISO time of `now`, computed once per distinct millisecond (a recovery logs a million holds at one `now`). */
function isoTime(now: number): string {
  if (now !== lastNow) {
    lastNow = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/** Builds a log record for a message event, with KumoMTA's field names. */
export function messageRecord(type: LogRecordType, message: Message, ctx: RecordContext): LogRecord {
  const tls = ctx.channel?.tls ?? null;
  const record: LogRecord = {
    type,
    id: message.id,
    sender: message.sender,
    recipient: message.recipient,
    queue: ctx.queue,
    site: ctx.site ?? '',
    size: ctx.size ?? message.size,
    response: ctx.response,
    peer_address: ctx.peer ?? ctx.channel?.peer ?? null,
    timestamp: Math.floor(ctx.now / 1000),
    event_time: isoTime(ctx.now),
    created: Math.floor(message.createdAt / 1000),
    num_attempts: message.numAttempts,
    bounce_classification: ctx.classification ?? 'Uncategorized',
    egress_pool: ctx.egressPool ?? null,
    egress_source: ctx.egressSource ?? null,
    source_address: ctx.sourceAddress ? { address: ctx.sourceAddress, protocol: null, server: null } : null,
    meta: message.meta,
    headers: {},
    delivery_protocol: ctx.channel?.protocol ?? null,
    reception_protocol: (message.metaString('reception_protocol') as LogRecord['reception_protocol']) ?? null,
    nodeid: ctx.nodeId,
    tls_cipher: tls?.cipher ?? null,
    tls_protocol_version: tls?.protocol ?? null,
    tls_peer_subject_name: tls?.peerSubject ?? null,
    session_id: null,
    provider_name: ctx.providerName ?? null,
  };
  if (ctx.transcript && ctx.transcript.length > 0) record.transcript = ctx.transcript;
  return record;
}
