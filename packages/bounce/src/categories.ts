/**
 * Bounce categories, with KumoMTA's names so classifications compare across the two systems.
 * Rule files may also use any other label; those pass through as custom categories.
 */
export const BOUNCE_CATEGORIES = [
  'InvalidRecipient', 'DNSFailure', 'SpamBlock', 'SpamContent', 'ProhibitedAttachment', 'RelayDenied',
  'AutoReply', 'TransientFailure', 'Subscribe', 'Unsubscribe', 'ChallengeResponse', 'BadConfiguration',
  'BadConnection', 'BadDomain', 'ContentRelated', 'InactiveMailbox', 'InvalidSender', 'MessageExpired',
  'NoAnswerFromHost', 'PolicyRelated', 'ProtocolErrors', 'QuotaIssues', 'RelayingIssues', 'RoutingErrors',
  'SpamRelated', 'VirusRelated', 'AuthenticationFailed', 'TooManyRecipients', 'Uncategorized',
] as const;

export type PredefinedBounceCategory = (typeof BOUNCE_CATEGORIES)[number];

/** A predefined category or a custom label from a rule file. */
export type BounceCategory = PredefinedBounceCategory | (string & {});

const PREDEFINED: ReadonlySet<string> = new Set(BOUNCE_CATEGORIES);

export function isPredefinedCategory(name: string): name is PredefinedBounceCategory {
  return PREDEFINED.has(name);
}
