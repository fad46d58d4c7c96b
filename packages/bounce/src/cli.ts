import { MtaKitError, type SmtpResponse } from '@mtakit/core';
import { defaultBounceClassifier, type BounceClassification, type BounceClassifier, type FallbackMatch, type RuleMatch } from './classifier.js';
import { classifyRecipient, feedbackCategory, feedbackRecipient } from './records.js';
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
  category: string;
  hard: boolean;
  rule: RuleMatch | FallbackMatch | null;
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
          category: classification.category,
          hard: classification.hard,
          rule: classification.rule,
          ...common,
        };
      });
    case 'arf':
      return [{
        type: 'Feedback',
        recipient: feedbackRecipient(report.feedback_report, c, report.original?.to ?? null),
        action: report.feedback_report.feedback_type,
        status: null,
        diagnostic_code: null,
        remote_mta: report.feedback_report.reporting_mta?.name ?? null,
        category: feedbackCategory(report.feedback_report.feedback_type),
        hard: false,
        rule: null,
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
        category: 'AutoReply',
        hard: false,
        rule: null,
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
