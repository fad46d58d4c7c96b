// Expectations of ../shared/data/bounces-dev/labels.jsonl, turned from each project's own test
// vocabulary into the fields mtakit reports. Each source states different things (addresses,
// a reason word, a status code, bounce or not); only what a source states is checked.

/** What kind of message the source's test says it is. */
export type ExpectedKind = 'bounce' | 'autoreply' | 'feedback' | 'none';

export interface Expectation {
  file: string;
  source: string;
  kind: ExpectedKind | null;
  /** Failed recipients the source names (lower-cased); all must be reported. */
  recipients: string[] | null;
  /** Accepted mtakit categories for the source's reason word (lenient: a family). */
  categories: readonly string[] | null;
  /** The source's reason, as written there (for the report). */
  reason: string | null;
  /** Enhanced status code. */
  status: string | null;
  /** Permanent (true) or temporary failure. */
  permanent: boolean | null;
  /** ARF feedback type. */
  feedbackType: string | null;
  /** The source says no recipient can be named: not counted in the share parsed. */
  noRecipient: boolean;
}

const ADDRESS_LEVEL = ['InvalidRecipient', 'InactiveMailbox', 'BadDomain', 'DNSFailure'];
const SPAM_FAMILY = ['SpamBlock', 'SpamContent', 'SpamRelated', 'PolicyRelated', 'ContentRelated', 'VirusRelated', 'AuthenticationFailed', 'RelayDenied'];

/**
 * Mail::DeliveryStatus::BounceParser's std_reason and the PHP handler's BounceReason. Each word
 * maps to the KumoMTA categories of everything BounceParser files under it: its `_std_reason`
 * (lib/Mail/DeliveryStatus/BounceParser.pm, commit 3133a16) decides by the diagnostic's wording,
 * and its buckets are wider than KumoMTA's.
 * - `user_unknown` also takes disabled and closed accounts: "account has been disabled or
 *   suspended", "suspended|discontinued", "is a deactivated mailbox", "inactive user", status
 *   5.2.1 — KumoMTA's InactiveMailbox. Both are address-level failures.
 * - `domain_error` also takes relaying refusals ("Relaying denied", "Relay access denied", "as a
 *   relay, but I have not been configured", "not in my list of allowed rcpthosts": the recipient
 *   domain is not served by the host its MX names) and unreachable hosts ("timed out", "connection
 *   refused", "route to host", "Malformed name server reply") — KumoMTA's RelayDenied,
 *   NoAnswerFromHost and BadConnection, besides BadDomain, DNSFailure and RoutingErrors.
 */
const REASONS: Record<string, readonly string[]> = {
  user_unknown: ['InvalidRecipient', 'InactiveMailbox'],
  user_disabled: ['InactiveMailbox', 'InvalidRecipient'],
  domain_error: ['BadDomain', 'DNSFailure', 'RoutingErrors', 'RelayDenied', 'NoAnswerFromHost', 'BadConnection'],
  over_quota: ['QuotaIssues'],
  spam: SPAM_FAMILY,
  'BounceReason::UserUnknown': ['InvalidRecipient'],
};

type Raw = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const addrs = (v: unknown): string[] | null => {
  const list = Array.isArray(v) ? v : typeof v === 'string' ? [v] : null;
  if (!list) return null;
  const out = list.flatMap((a) => String(a).match(/[^\s<>;"']+@[^\s<>;"']+/g) ?? []).map((a) => a.toLowerCase());
  return out.length > 0 ? out : null;
};
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : v === 1 ? true : v === 0 ? false : null);

function kindOf(source: string, e: Raw): ExpectedKind | null {
  const bounced = bool(e['is_bounce'] ?? e['bounced?'] ?? e['bounced'] ?? e['IsBounce'] ?? e['bounce'] ?? e['is_bounce()']);
  switch (source) {
    case 'alaveteli':
      return e['exit status'] === 2 ? 'autoreply' : 'bounce';
    case 'tmail-bouncer': {
      const cls = str(e['undeliverable_info class']) ?? '';
      return cls.endsWith('NoBouncer') ? 'none' : cls.endsWith('OutOfOfficeBouncer') ? 'autoreply' : 'bounce';
    }
    case 'mail-manager':
      return e['bounce.status'] === 'unsubscribed' ? 'none' : 'bounce';
    case 'stalwart-mail-auth':
      return 'feedback';
    case 'node-baunsu':
      // EarthLink's auto-response is "not bounced" for that project: for us it is an auto-reply.
      return bounced === false ? (e['score < threshold'] === true ? 'none' : null) : 'bounce';
    default:
      if (bounced === true) return 'bounce';
      if (bounced === false) return 'none';
      return Object.keys(e).some((k) => /addresses|recipient|status/i.test(k)) ? 'bounce' : null;
  }
}

/**
 * The source's test says no recipient can be named ("reports: 0", an empty address list): such
 * a file is not required to yield a record.
 */
export function namesNoRecipient(e: Raw): boolean {
  if (e['reports'] === 0 || (Object.hasOwn(e, 'first report') && e['first report'] === null)) return true;
  return Object.entries(e).some(([k, v]) => /addresses$/.test(k) && Array.isArray(v) && v.length === 0);
}

/**
 * Unlabelled files that are not bounces, by reading them (the source keeps them as negatives or
 * ordinary mail without saying so in a test). Listed in docs/bounces.md.
 */
export const NOT_BOUNCES_BY_READING: Record<string, string> = {
  'messages/php-bounce-handler/arf6.txt': 'a newsletter (the original of a complaint, without the report)',
  'messages/php-bounce-handler/unsubscribe.txt': 'an unsubscribe request',
  'messages/node-baunsu/encoded_spam.txt': 'spam sent to the bounce address',
  'messages/bounceparser/spam-with-badly-parsed-email.msg': 'spam sent to the bounce address (the source tests it with no expectation)',
};

/**
 * Files a source calls "not a bounce" that are automatic replies by reading: for us they are
 * AutoReply records, as issue 14 asks. Listed in docs/bounces.md.
 */
export const AUTO_REPLIES_BY_READING: Record<string, string> = {
  'messages/bounce-email-rb/tt_1234211024.txt': 'a Gmail vacation reply ("Atvaļinājums", X-Autoreply: yes), saved with its mbox From_ line',
};

function recipientsOf(source: string, e: Raw): string[] | null {
  const permanent = Object.entries(e).filter(([k]) => /: (?:permanent|temporary) addresses$|: addresses$/.test(k));
  if (permanent.length > 0) return addrs(permanent.flatMap(([, v]) => (Array.isArray(v) ? v : [])));
  switch (source) {
    case 'alaveteli': return e['exit status'] === 1 ? addrs(e['stdout']) : null;
    case 'bounceparser': return addrs(e['addresses'] ?? e['addresses (prefer_final_recipient => 1)']);
    case 'crisp-email-bounce-parser': return addrs(e['recipient']);
    case 'mail-gem': return addrs(e['final_recipient']);
    case 'mailbouncedetector': return addrs(e['FinalRecipient']);
    case 'mimekit': return addrs(e['status group 1 Final-Recipient']);
    case 'php-bounce-handler': case 'php-bounce-handler-zoon': return addrs(e['recipient']);
    case 'tmail-bouncer': return kindOf(source, e) === 'bounce' ? addrs(e['original_recipient']) : null;
    default: return null;
  }
}

function statusOf(e: Raw): string | null {
  const s = str(e['error.code.enhanced'] ?? e['code'] ?? e['error_status'] ?? e['status group 1 Status'] ?? e['deliveryStatus'] ?? e['status']);
  if (s && /^[245]\.\d+\.\d+$/.test(s)) return s;
  const combined = str(e['CombinedStatus']);
  const primary = str(e['PrimaryStatus']);
  if (combined && primary) return `${primary[0]}.${combined[0]}.${combined.split(' ')[0]?.slice(1)}`;
  return null;
}

function permanentOf(e: Raw): boolean | null {
  const p = bool(e['error.permanent'] ?? e['IsHard'] ?? e['isHard()']);
  if (p !== null) return p;
  const type = str(e['type']);
  if (type) return /HARD/.test(type);
  const retry = bool(e['retryable?']);
  return retry === null ? null : !retry;
}

export function expectationOf(line: { file: string; source: string; expected: Raw }): Expectation {
  const e = line.expected;
  const reasonWord = str(e['std_reason'] ?? e['reason']);
  const kind = NOT_BOUNCES_BY_READING[line.file] ? 'none' : AUTO_REPLIES_BY_READING[line.file] ? 'autoreply'
    : namesNoRecipient(e) ? null : kindOf(line.source, e);
  return {
    file: line.file,
    source: line.source,
    kind,
    recipients: kind === 'bounce' ? recipientsOf(line.source, e) : null,
    categories: kind === 'autoreply' ? ['AutoReply'] : kind === 'feedback' ? ['FeedbackReport'] : reasonWord ? (REASONS[reasonWord] ?? null) : null,
    reason: reasonWord,
    status: kind === 'bounce' ? statusOf(e) : null,
    permanent: kind === 'bounce' ? permanentOf(e) : null,
    noRecipient: namesNoRecipient(e),
    feedbackType: str(e['feedback_type'])?.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase() ?? null,
  };
}

export { ADDRESS_LEVEL };
