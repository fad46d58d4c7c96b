import { systemClock, SmtpReplyError, withLogRecordDefaults, internalResponse, type Clock, type LogRecord, type SmtpResponse, type Message } from '@mtakit/core';
import type { SuppressionEntry } from './entry.js';

/**
 * The reply for a suppressed recipient: 550 5.1.1 when the address bounced (the mailbox is bad),
 * 550 5.7.1 when the recipient complained, opted out or was suppressed by hand (delivery is not
 * authorized). The text names the suppression, so the sending application can update its list.
 */
export function suppressionReply(entry: SuppressionEntry): { code: number; enhanced: string; text: string } {
  const bounced = entry.reason === 'bounce' || entry.reason === 'soft-bounce';
  const scope = entry.tenant === null ? '' : ` for tenant ${entry.tenant}`;
  const category = entry.category ? ` ${entry.category}` : '';
  const since = new Date(entry.created).toISOString().slice(0, 10);
  return {
    code: 550,
    enhanced: bounced ? '5.1.1' : '5.7.1',
    text: `<${entry.recipient}> is on the suppression list${scope} (${entry.reason}${category} since ${since})`,
  };
}

/** The reply as an error a policy hook throws to refuse a recipient (RCPT TO) or a message. */
export function suppressionError(entry: SuppressionEntry): SmtpReplyError {
  const r = suppressionReply(entry);
  return new SmtpReplyError(r.code, r.enhanced, r.text);
}

/**
 * The reply as a delivery outcome (e.g. returned by a queue's `beforeDelivery`). It is marked as
 * made by mtakit, so automation and the suppression consumer do not treat it as a remote bounce.
 */
export function suppressionResponse(entry: SuppressionEntry): SmtpResponse {
  const r = suppressionReply(entry);
  return internalResponse(r.code, r.enhanced, r.text);
}

/** A `Suppressed` log record: a message accepted, then dropped because its recipient is suppressed. */
export function suppressedRecord(message: Message, entry: SuppressionEntry, options: { nodeId?: string; clock?: Clock; queue?: string } = {}): LogRecord {
  const now = (options.clock ?? systemClock).now();
  return withLogRecordDefaults({
    type: 'Suppressed',
    id: message.id,
    sender: message.sender,
    recipient: message.recipient,
    queue: options.queue ?? '',
    site: '',
    size: message.size,
    response: suppressionResponse(entry),
    peer_address: null,
    timestamp: Math.floor(now / 1000),
    event_time: new Date(now).toISOString(),
    created: Math.floor(message.createdAt / 1000),
    num_attempts: message.numAttempts,
    bounce_classification: entry.category || 'Uncategorized',
    meta: message.meta,
    reception_protocol: (message.metaString('reception_protocol') as LogRecord['reception_protocol']) ?? null,
    nodeid: options.nodeId ?? '',
    extra: { suppression: { ...entry } },
  });
}
