import { MtaKitError, responseLine, type SmtpResponse } from '@mtakit/core';
import { defaultBounceClassifier, type BounceClassification, type BounceClassifier, type FallbackMatch, type RuleMatch } from './classifier.js';
import { addressLevel, classifyRecipient, FEEDBACK_CATEGORY, feedbackRecipient } from './records.js';
import { parseReplyText } from './reply.js';
import { parseReport, type ParseReportOptions } from './report.js';
import type { BounceReport } from './types.js';

/**
 * Helpers behind `mtakit bounce parse FILE.eml` and `mtakit bounce classify "550 5.1.1 …"`:
 * plain JSON-ready results, and typed errors with messages fit to print.
 */
export interface BounceSummary {
  type: 'OOB' | 'Feedback';
  recipient: string;
  /** RFC 3464 action, "autoreply", or the ARF feedback type for Feedback. */
  action: string;
  status: string | null;
  diagnostic_code: string | null;
  remote_mta: string | null;
  /** The remote reply as the classifier read it (`"550 5.1.1 …"`), empty when there is none. */
  reply: string;
  category: string;
  /**
   * Address-level: the address itself will never work (unknown user, no such domain, disabled
   * mailbox). What suppression acts on. A permanent policy, spam or quota failure is not hard.
   */
  hard: boolean;
  /** The failure is permanent for this message (RFC 3464 `failed`, or a 5xx reply). */
  permanent: boolean;
  rule: RuleMatch | FallbackMatch | null;
  /** Which part of the parser found this recipient (`rfc3464`, a per-format extractor, `generic`…). */
  extractor: string;
  /** Original message id, tenant and campaign, when the report could be correlated. */
  queue_id: string | null;
  tenant: string | null;
  campaign: string | null;
}

export interface ParseBounceOptions extends ParseReportOptions {
  classifier?: BounceClassifier;
}

/** Parses a DSN, ARF report or auto-reply into one summary per reported recipient. */
export async function parseBounceMessage(bytes: Buffer, options: ParseBounceOptions = {}): Promise<BounceSummary[]> {
  return summarize(await parseReport(bytes, options), options.classifier);
}

export function summarize(report: BounceReport, classifier: BounceClassifier = defaultBounceClassifier()): BounceSummary[] {
  const c = report.correlation;
  const common = { queue_id: c?.id ?? null, tenant: c?.tenant ?? null, campaign: c?.campaign ?? null };
  switch (report.kind) {
    case 'dsn':
      return report.recipients.map((r) => {
        const classification = classifyRecipient(r, classifier);
        return {
          type: 'OOB',
          recipient: r.recipient,
          action: r.action,
          status: r.status,
          diagnostic_code: r.diagnostic_code,
          remote_mta: r.remote_mta,
          reply: r.response.code === 250 && !r.response.content ? '' : responseLine(r.response),
          category: classification.category,
          hard: addressLevel(classification),
          permanent: classification.hard,
          rule: classification.rule,
          extractor: r.extractor ?? report.format,
          ...common,
        };
      });
    case 'arf':
      return [{
        type: 'Feedback',
        recipient: feedbackRecipient(report.feedback_report, c, report.original ?? null),
        action: report.feedback_report.feedback_type,
        status: null,
        diagnostic_code: null,
        remote_mta: report.feedback_report.reporting_mta?.name ?? null,
        reply: '',
        category: FEEDBACK_CATEGORY,
        hard: false,
        permanent: false,
        rule: null,
        extractor: 'arf',
        ...common,
      }];
    case 'autoreply':
      return [{
        type: 'OOB',
        recipient: c?.recipient ?? report.from ?? '',
        action: 'autoreply',
        status: null,
        diagnostic_code: null,
        remote_mta: null,
        reply: '',
        category: 'AutoReply',
        hard: false,
        permanent: false,
        rule: null,
        extractor: 'autoreply',
        ...common,
      }];
  }
}

export interface ClassifiedReply {
  response: SmtpResponse;
  classification: BounceClassification;
}

/** Classifies a reply typed or pasted by a person; throws `E_SMTP_REPLY` when it has no reply code. */
export function classifyResponseText(text: string, classifier: BounceClassifier = defaultBounceClassifier()): ClassifiedReply {
  const response = parseReplyText(text);
  if (!response) {
    const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    throw new MtaKitError('E_SMTP_REPLY', `not an SMTP reply: ${JSON.stringify(shown)} (expected a 3-digit code 200-599 first, e.g. "550 5.1.1 user unknown")`);
  }
  return { response, classification: classifier.classify(response) };
}
