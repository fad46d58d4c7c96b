import {
  internalResponse, logRecord, parseQueueName, queueNameFor, systemClock,
  type Clock, type JsonValue, type LogRecord, type Message, type PreSendContext, type PreSendResult, type ReceptionProtocol, type SmtpResponse,
} from '@mtakit/core';
import { domainPart } from './content/address.js';
import { holdOverrideJson, type HoldOverride } from './override.js';

export interface VerdictRecordOptions {
  /** Default: the system clock. */
  clock?: Clock;
  /** This node's id. Default `""`. */
  nodeid?: string;
}

/**
 * The `PreSendVerdict` log record of a scored message: verdict, score, threshold, breakdown,
 * actions and skipped stages in `extra`. A reject carries the 550 5.7.1 the ingress replies with;
 * other verdicts a 250 (the message is accepted, held or not). A `pass` — nearly every message —
 * keeps its log lean: the breakdown is the score per dimension, without reasons or actions.
 */
export function preSendLogRecord(result: PreSendResult, message: Message, context: PreSendContext, options: VerdictRecordOptions = {}): LogRecord {
  const text = `pre-send ${result.verdict}: risk score ${result.score}, threshold ${result.threshold}`;
  const pass = result.verdict === 'pass';
  const breakdown: Record<string, JsonValue> = {};
  // for…in, not Object.entries: no array per dimension (the breakdown is a plain object).
  for (const name in result.breakdown) {
    const d = result.breakdown[name]!;
    breakdown[name] = pass ? d.score : { score: d.score, weight: d.weight, reasons: d.reasons };
  }
  // Assigned one by one onto a copy of `extra`: the same keys in the same order as
  // Object.assign({}, extra, { verdict, … }), without the object in between.
  const extra: Record<string, JsonValue> = Object.assign({}, result.extra);
  extra.verdict = result.verdict;
  extra.score = result.score;
  extra.threshold = result.threshold;
  extra.breakdown = breakdown;
  if (!pass) extra.actions = result.actions;
  if (result.skipped) extra.skipped = result.skipped;
  const response = result.verdict === 'reject' ? internalResponse(550, '5.7.1', text) : internalResponse(250, null, text);
  return verdictRecord(message, context.reception, response, extra, options);
}

/**
 * The `PreSendVerdict` record of a held message released (or bounced) by an override: who
 * acknowledged which risks, in `extra.override` (without the message ids: the record names its
 * message). Its reception protocol is the message's `reception_protocol` meta (default ESMTP).
 */
export function overrideLogRecord(override: HoldOverride, message: Message, options: VerdictRecordOptions = {}): LogRecord {
  const decision = holdOverrideJson(override);
  delete decision.messageIds;
  const risks = override.risks.map((r) => r.dimension).join(', ') || 'none';
  const text = `pre-send hold ${override.action === 'release' ? 'released' : 'bounced'} by ${override.acknowledgedBy} (override ${override.id}); acknowledged risks: ${risks}`;
  const reception = message.metaString('reception_protocol') === 'HTTP' ? 'HTTP' : 'ESMTP';
  return verdictRecord(message, reception, internalResponse(250, null, text), { action: override.action, override: decision }, options);
}

function verdictRecord(message: Message, reception: ReceptionProtocol, response: SmtpResponse, extra: Record<string, JsonValue>, options: VerdictRecordOptions): LogRecord {
  const now = (options.clock ?? systemClock).now();
  // One literal with core's defaults (`logRecord`): not a spread (on Node 20 a spread followed
  // by more properties builds a new hidden class per record), nor Object.assign onto the defaults.
  return logRecord({
    type: 'PreSendVerdict',
    id: message.id,
    sender: message.sender,
    recipient: message.recipient,
    queue: queueNameFor(message.meta, domainPart(message.recipient)),
    site: '',
    size: message.size,
    response,
    peer_address: null,
    timestamp: Math.floor(now / 1000),
    event_time: new Date(now).toISOString(),
    created: Math.floor(message.createdAt / 1000),
    num_attempts: message.numAttempts,
    bounce_classification: 'Uncategorized',
    meta: { ...message.meta },
    reception_protocol: reception,
    nodeid: options.nodeid ?? '',
    extra,
  });
}

/** The tenant a log record belongs to: its `tenant` meta, else the tenant part of its queue name, else `""`. */
export function tenantOfRecord(record: LogRecord): string {
  const meta = record.meta.tenant;
  return typeof meta === 'string' ? meta : (parseQueueName(record.queue).tenant ?? '');
}
