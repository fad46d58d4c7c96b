import type { JsonValue, MessageMeta, SmtpResponse } from '@mtakit/core';
import type { DecodedTrace } from './trace.js';

/** Which system wrote a report, as far as its format and headers tell. */
export type Reporter = 'postfix' | 'exim' | 'sendmail' | 'qmail' | 'exchange' | 'gmail' | 'yahoo' | 'ses' | 'unknown';

/** How the recipients were found: the RFC 3464 part, or the text of a non-standard bounce. */
export type ReportFormat = 'rfc3464' | 'qmail' | 'exim' | 'sendmail' | 'postfix-text' | 'exchange-text' | 'generic' | (string & {});

/** One recipient of a delivery status notification. */
export interface DsnRecipient {
  /** Final-Recipient, or the address the bounce text names. */
  recipient: string;
  original_recipient: string | null;
  /** RFC 3464 action: failed, delayed, delivered, relayed, expanded. */
  action: string;
  /** Enhanced status code, e.g. "5.1.1". */
  status: string | null;
  /** The diagnostic as reported, unfolded, e.g. "smtp; 550 5.1.1 user unknown". */
  diagnostic_code: string | null;
  remote_mta: string | null;
  remote_mta_addr: string | null;
  last_attempt_date: string | null;
  /** The remote reply rebuilt from the diagnostic and status (what the classifier reads). */
  response: SmtpResponse;
  /** The extractor that found this recipient, when not the report's format (e.g. `generic`). */
  extractor?: string;
}

/** Headers of the returned original message, when the report includes them. */
export interface OriginalMessage {
  headers: [string, string][];
  message_id: string | null;
  subject: string | null;
  from: string | null;
  to: string | null;
  return_path: string | null;
}

/** What ties a report to the message that caused it. */
export interface Correlation {
  source: 'x-mtakit-ref' | 'x-kumoref' | 'verp';
  /** Original message (queue) id. */
  id: string | null;
  recipient: string | null;
  tenant: string | null;
  campaign: string | null;
  queue: string | null;
  meta: MessageMeta;
  /** Trace signature check (see trace.ts); null when not checked. */
  verified: boolean | null;
}

export interface DeliveryReport {
  kind: 'dsn';
  format: ReportFormat;
  reporter: Reporter;
  reporting_mta: string | null;
  arrival_date: string | null;
  original_envelope_id: string | null;
  recipients: DsnRecipient[];
  original: OriginalMessage | null;
  correlation: Correlation | null;
}

/** RFC 5965 report, field names as in KumoMTA's `feedback_report`. */
export interface FeedbackReportData {
  feedback_type: string;
  user_agent: string | null;
  version: string | null;
  arrival_date: string | null;
  incidents: number | null;
  original_envelope_id: string | null;
  original_mail_from: string | null;
  reporting_mta: { mta_type: string | null; name: string } | null;
  source_ip: string | null;
  authentication_results: string[];
  /** KumoMTA's spelling of Original-Rcpt-To, kept so existing consumers read it. */
  original_rcpto_to: string[];
  reported_domain: string[];
  reported_uri: string[];
  extensions: Record<string, string[]>;
  original_message: string | null;
  supplemental_trace: Record<string, JsonValue> | null;
}

export interface FeedbackReport {
  kind: 'arf';
  feedback_report: FeedbackReportData;
  original: OriginalMessage | null;
  correlation: Correlation | null;
}

/** An out-of-office or similar automatic reply sent to the return path. */
export interface AutoReplyReport {
  kind: 'autoreply';
  from: string | null;
  subject: string;
  original: OriginalMessage | null;
  correlation: Correlation | null;
}

export type BounceReport = DeliveryReport | FeedbackReport | AutoReplyReport;

export function correlationFromTrace(trace: DecodedTrace): Correlation {
  return {
    source: trace.header === 'X-KumoRef' ? 'x-kumoref' : 'x-mtakit-ref',
    id: trace.id ?? null,
    recipient: trace.recipient ?? null,
    tenant: trace.tenant ?? null,
    campaign: trace.campaign ?? null,
    queue: trace.queue ?? null,
    meta: trace.meta ?? {},
    verified: trace.verified,
  };
}
