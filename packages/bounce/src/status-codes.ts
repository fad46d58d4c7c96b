import type { EnhancedStatusCode } from '@mtakit/core';
import type { PredefinedBounceCategory } from './categories.js';

/**
 * What an enhanced status code (RFC 3463, IANA registry) says about a failure, used when no
 * regex rule matched. `decisive` marks details precise enough to outrank the built-in catch-all
 * wording rules (a 5.1.1 is an unknown mailbox whatever the text says); vague ones such as 5.7.1
 * ("delivery not authorized") only apply when nothing else matched.
 */
export interface StatusMeaning {
  readonly category: PredefinedBounceCategory;
  readonly decisive: boolean;
}

const m = (category: PredefinedBounceCategory, decisive: boolean): StatusMeaning => ({ category, decisive });

/** Keyed by `subject.detail`; the class (4 or 5) does not change the category. */
export const STATUS_DETAILS: ReadonlyMap<string, StatusMeaning> = new Map([
  ['1.0', m('InvalidRecipient', false)],
  ['1.1', m('InvalidRecipient', true)],
  ['1.2', m('BadDomain', true)],
  ['1.3', m('InvalidRecipient', true)],
  ['1.4', m('InvalidRecipient', false)],
  ['1.6', m('InactiveMailbox', true)],
  ['1.7', m('InvalidSender', true)],
  ['1.8', m('InvalidSender', true)],
  ['1.10', m('BadDomain', true)],
  ['2.1', m('InactiveMailbox', true)],
  ['2.2', m('QuotaIssues', true)],
  ['2.3', m('QuotaIssues', true)],
  ['2.4', m('InvalidRecipient', false)],
  ['3.1', m('QuotaIssues', true)],
  ['3.2', m('TransientFailure', false)],
  ['3.3', m('ProtocolErrors', false)],
  ['3.4', m('QuotaIssues', true)],
  ['3.5', m('BadConfiguration', false)],
  ['4.0', m('RoutingErrors', false)],
  ['4.1', m('NoAnswerFromHost', true)],
  ['4.2', m('BadConnection', false)],
  ['4.3', m('DNSFailure', true)],
  ['4.4', m('RoutingErrors', true)],
  ['4.5', m('TransientFailure', false)],
  ['4.6', m('RoutingErrors', true)],
  ['4.7', m('MessageExpired', true)],
  ['5.3', m('TooManyRecipients', true)],
  ['7.0', m('PolicyRelated', false)],
  ['7.1', m('PolicyRelated', false)],
  ['7.2', m('PolicyRelated', false)],
  ['7.4', m('BadConfiguration', false)],
  ['7.10', m('BadConfiguration', false)],
  ['7.13', m('InactiveMailbox', true)],
  ['7.16', m('QuotaIssues', false)],
  ['7.17', m('InvalidRecipient', true)],
  ['7.18', m('BadDomain', true)],
  ['7.20', m('AuthenticationFailed', true)],
  ['7.21', m('AuthenticationFailed', true)],
  ['7.22', m('AuthenticationFailed', true)],
  ['7.23', m('AuthenticationFailed', true)],
  ['7.24', m('AuthenticationFailed', true)],
  ['7.25', m('BadConfiguration', true)],
  ['7.26', m('AuthenticationFailed', true)],
  ['7.27', m('InvalidSender', true)],
  ['7.28', m('SpamBlock', false)],
  ['7.30', m('BadConfiguration', false)],
]);

/** Per-subject defaults for details the table does not list. */
export const STATUS_SUBJECTS: ReadonlyMap<number, PredefinedBounceCategory> = new Map([
  [1, 'InvalidRecipient'],
  [3, 'TransientFailure'],
  [4, 'RoutingErrors'],
  [5, 'ProtocolErrors'],
  [6, 'ProtocolErrors'],
  [7, 'AuthenticationFailed'],
] as const);

export type FallbackBasis = 'status-detail' | 'status-subject' | 'reply-code';

export interface StatusFallback {
  category: PredefinedBounceCategory;
  basis: FallbackBasis;
}

/**
 * The category implied by the codes alone: the status detail, then its subject, then the basic
 * reply code (4xx is a transient failure; a bare 5xx says nothing more).
 */
export function fallbackCategory(code: number, enhanced: EnhancedStatusCode | null): StatusFallback | null {
  if (enhanced) {
    const detail = STATUS_DETAILS.get(`${enhanced.subject}.${enhanced.detail}`);
    if (detail) return { category: detail.category, basis: 'status-detail' };
    const subject = STATUS_SUBJECTS.get(enhanced.subject);
    if (subject) return { category: subject, basis: 'status-subject' };
  }
  if (code >= 400 && code < 500) return { category: 'TransientFailure', basis: 'reply-code' };
  return null;
}
