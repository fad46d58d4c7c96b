import { systemClock, isMessageId, messageIdTime, withLogRecordDefaults, type Clock, type JsonValue, type MessageMeta, type LogRecord, type SmtpResponse } from '@mtakit/core';
import { defaultBounceClassifier, type BounceClassification, type BounceClassifier } from './classifier.js';
import type { BounceReport, Correlation, DsnRecipient, FeedbackReportData, OriginalMessage } from './types.js';

export interface ReportRecordOptions {
  /** Default: the shared classifier with the built-in rules. */
  classifier?: BounceClassifier;
  /** Default: the system clock. */
  clock?: Clock;
  /** Node id stamped on the records. Default: "". */
  nodeid?: string;
  /** Size in bytes of the inbound report message. Default: 0. */
  size?: number;
}

/** How a reported recipient is classified: the rebuilt reply through the classifier. */
export interface RecipientClassification extends BounceClassification {
  /** Permanent: the report says `failed` (a `delayed` report is never hard). */
  readonly hard: boolean;
}

/**
 * RFC 3463 X.4.7, delivery time expired: the reporting MTA gave up because the message aged out
 * in its queue. The reply it quotes (a 421 "try again later", a timeout) is only why the last try
 * failed, so the Status field decides: MessageExpired, message-level, never address-level.
 */
const EXPIRED_STATUS = /^[45]\.4\.7$/;
/**
 * A final report (`Action: failed`) with a temporary status (4.x.x) is the MTA giving up after its
 * retries: the message expired (Postfix's maximal_queue_lifetime report, Exim's retry timeout).
 * The last temporary reason stays the category when it names something more specific than "try
 * later" (a full mailbox, a block), as with the expiry texts.
 */
const GAVE_UP_STATUS = /^4\.\d{1,3}\.\d{1,3}$/;
const TRANSIENT_REASONS: ReadonlySet<string> = new Set(['TransientFailure', 'NoAnswerFromHost', 'BadConnection', 'DNSFailure', 'Uncategorized']);
/** The same giving up said in words by a report without a Status field (sendmail, qmail, Exim texts). */
const GAVE_UP_TEXT = /\b(?:could not be delivered|Cannot send message) for (?:\d+|zero) (?:days?|hours?)|\bin the queue too long\b|\bretry timeout exceeded\b|\bgiving up\b/i;

export function classifyRecipient(recipient: DsnRecipient, classifier: BounceClassifier = defaultBounceClassifier()): RecipientClassification {
  const classified = classifier.classify(recipient.response);
  const status = recipient.status ?? '';
  const transientFinal = recipient.action === 'failed' && TRANSIENT_REASONS.has(classified.category);
  const basis = classified.category === 'MessageExpired' ? null
    : EXPIRED_STATUS.test(status) || (transientFinal && GAVE_UP_STATUS.test(status)) ? 'dsn-status'
    : transientFinal && GAVE_UP_TEXT.test(`${recipient.response.content} ${recipient.diagnostic_code ?? ''}`) ? 'expiry-text'
    : null;
  const result: BounceClassification = basis
    ? { category: 'MessageExpired', hard: classified.hard, rule: Object.freeze({ kind: 'fallback', basis, code: status }) }
    : classified;
  const hard = recipient.action === 'failed' ? true : recipient.action === 'delayed' ? false : result.hard;
  return { ...result, hard };
}

/** Categories that say the address itself is bad (given a permanent failure). */
const ADDRESS_CATEGORIES: ReadonlySet<string> = new Set(['InvalidRecipient', 'BadDomain', 'InactiveMailbox']);

/**
 * Address-level hardness: the failure is permanent and about the address (unknown user, no such
 * domain or null MX, disabled mailbox), so the address will never work. A permanent policy, spam,
 * content, quota or expiry failure is message-level: another message, sender or day may pass.
 */
export function addressLevel(c: { category: string; hard: boolean }): boolean {
  return c.hard && ADDRESS_CATEGORIES.has(c.category);
}

/** The category a feedback report gets in `mtakit bounce parse` output (its type is `action`). */
export const FEEDBACK_CATEGORY = 'FeedbackReport';

/**
 * The category a feedback type maps to: complaints are spam signals, opt-outs unsubscribes.
 * RFC 5965 and RFC 6591 types; anything else is Uncategorized.
 */
export function feedbackCategory(feedbackType: string): string {
  switch (feedbackType) {
    case 'abuse':
    case 'fraud':
      return 'SpamRelated';
    case 'opt-out':
    case 'unsubscribe':
      return 'Unsubscribe';
    case 'virus':
      return 'VirusRelated';
    case 'auth-failure':
      return 'AuthenticationFailed';
    default:
      return 'Uncategorized';
  }
}

/**
 * Turns a parsed report into log records: one `OOB` record per reported recipient, one
 * `Feedback` record for an ARF report, and one `OOB` record classified `AutoReply` for an
 * automatic reply. The original message's id, queue, tenant and campaign come from the
 * correlation (trace header or VERP); `extra.oob` keeps the report's own fields.
 */
export function reportToLogRecords(report: BounceReport, options: ReportRecordOptions = {}): LogRecord[] {
  const now = (options.clock ?? systemClock).now();
  const base = (c: Correlation | null): Omit<LogRecord, 'type' | 'recipient' | 'response' | 'bounce_classification' | 'peer_address'> => withLogRecordDefaults({
    id: c?.id ?? '',
    sender: '',
    queue: c?.queue ?? '',
    site: '',
    size: options.size ?? 0,
    timestamp: Math.floor(now / 1000),
    event_time: new Date(now).toISOString(),
    created: c?.id && isMessageId(c.id) ? Math.floor(messageIdTime(c.id) / 1000) : Math.floor(now / 1000),
    num_attempts: 0,
    meta: metaOf(c),
    reception_protocol: 'ESMTP',
    nodeid: options.nodeid ?? '',
  });
  switch (report.kind) {
    case 'dsn':
      return report.recipients.map((r) => {
        const classification = classifyRecipient(r, options.classifier);
        return {
          ...base(report.correlation),
          type: 'OOB',
          recipient: r.recipient,
          response: r.response,
          peer_address: r.remote_mta ? { name: r.remote_mta, addr: r.remote_mta_addr ?? '' } : null,
          bounce_classification: classification.category,
          extra: {
            oob: {
              action: r.action,
              status: r.status,
              diagnostic_code: r.diagnostic_code,
              original_recipient: r.original_recipient,
              reporting_mta: report.reporting_mta,
              arrival_date: report.arrival_date,
              format: report.format,
              reporter: report.reporter,
              // Suppression reads `hard`: address-level only (see addressLevel).
              hard: addressLevel(classification),
              permanent: classification.hard,
              rule: classification.rule ? { ...classification.rule } : null,
              extractor: r.extractor ?? report.format,
            },
            ...correlationExtra(report.correlation),
          },
        };
      });
    case 'arf':
      return [{
        ...base(report.correlation),
        type: 'Feedback',
        recipient: feedbackRecipient(report.feedback_report, report.correlation, report.original ?? null),
        response: accepted(),
        peer_address: report.feedback_report.reporting_mta ? { name: report.feedback_report.reporting_mta.name, addr: report.feedback_report.source_ip ?? '' } : null,
        bounce_classification: feedbackCategory(report.feedback_report.feedback_type),
        feedback_report: report.feedback_report as unknown as JsonValue,
        extra: correlationExtra(report.correlation),
      }];
    case 'autoreply':
      return [{
        ...base(report.correlation),
        type: 'OOB',
        recipient: report.correlation?.recipient ?? report.from ?? '',
        response: accepted(),
        peer_address: null,
        bounce_classification: 'AutoReply',
        extra: { oob: { action: 'autoreply', subject: report.subject, from: report.from }, ...correlationExtra(report.correlation) },
      }];
  }
}

/** The reported recipient of a complaint: from the trace, the report, or the returned headers. */
export function feedbackRecipient(report: FeedbackReportData, c: Correlation | null, original: OriginalMessage | null): string {
  // Microsoft's JMRP reports name no Original-Rcpt-To and redact the To; Hotmail stamps the
  // recipient on the returned message as X-HmXmrOriginalRecipient.
  const stamped = original?.headers.find(([name]) => name.toLowerCase() === 'x-hmxmroriginalrecipient')?.[1] ?? null;
  const address = (value: string | null | undefined) => value?.match(/[^\s<>,"]+@[^\s<>,"]+/)?.[0];
  return c?.recipient ?? report.original_rcpto_to[0] ?? address(stamped) ?? address(original?.to) ?? '';
}

function metaOf(c: Correlation | null): MessageMeta {
  if (!c) return {};
  const meta: MessageMeta = { ...c.meta };
  if (c.tenant) meta['tenant'] = c.tenant;
  if (c.campaign) meta['campaign'] = c.campaign;
  return meta;
}

function correlationExtra(c: Correlation | null): Record<string, JsonValue> {
  return c ? { correlation: { source: c.source, verified: c.verified, recipient: c.recipient } } : {};
}

function accepted(): SmtpResponse {
  return { code: 250, enhanced_code: null, content: '', command: null };
}

