import { rule } from './rule.js';

/**
 * Replies and status texts of the common MTAs. `MTA_REPLY_RULES` are what their SMTP servers
 * answer; `MTA_TRANSPORT_RULES` are what they write into bounces about their own delivery attempts
 * (DNS, connections, TLS). `MTA_EXPIRY_RULES` come after the generic wording so that a reason
 * quoted with the expiry ("mailbox is full: retry timeout exceeded") wins.
 */

const postfix = [
  // reject_unlisted_sender / reject_unverified_sender say "User unknown" about the SENDER: before the recipient rules.
  rule('postfix.sender-rejected', 'InvalidSender', /Sender address rejected: (?:User unknown|undeliverable address|unverified address)/i),
  rule('postfix.user-unknown', 'InvalidRecipient', /User unknown in (?:local recipient|virtual (?:mailbox|alias)|relay recipient) table/i),
  rule('postfix.undeliverable', 'InvalidRecipient', /Recipient address rejected: undeliverable address/i),
  rule('postfix.unverified', 'TransientFailure', /Recipient address rejected: unverified address/i),
  rule('postfix.sender-domain', 'InvalidSender', /Sender address rejected: (?:Domain not found|need fully-qualified address|not owned by user)/i),
  rule('postfix.recipient-domain', 'BadDomain', /Recipient address rejected: Domain not found/i),
  rule('postfix.recipient-fqdn', 'InvalidRecipient', /Recipient address rejected: need fully-qualified address/i),
  rule('postfix.client-hostname', 'BadConfiguration', /Client host rejected: cannot find your (?:reverse )?hostname/i),
  rule('postfix.helo', 'BadConfiguration', /Helo command rejected: (?:need fully-qualified hostname|Host not found|invalid ip address)/i),
  rule('postfix.size', 'QuotaIssues', /message size \d+ exceeds size limit \d+/i),
];

const exim = [
  rule('exim.sender-verify', 'InvalidSender', /Sender verify failed|Verification failed for </i),
  rule('exim.unrouteable', 'InvalidRecipient', /Unrouteable address/i),
  rule('exim.callout', 'TransientFailure', /Could not complete (?:sender|recipient) verify callout/i),
  rule('exim.smtp-auth', 'RelayDenied', /Please turn on SMTP Authentication in your mail client/i),
  rule('exim.no-mx-hosts', 'BadDomain', /all relevant MX records point to non-existent hosts/i),
];

const sendmail = [
  rule('sendmail.user-unknown', 'InvalidRecipient', />\.\.\. (?:User|Addressee) unknown/i),
  rule('sendmail.sender-domain', 'InvalidSender', /Domain of sender address \S+ does not exist|Domain name required for sender address/i),
  rule('sendmail.hops', 'RoutingErrors', /Too many hops \d+/i),
  rule('sendmail.disk-space', 'TransientFailure', /Insufficient disk space; try again later/i),
];

const qmail = [
  rule('qmail.no-mailbox', 'InvalidRecipient', /no mailbox here by that name|not in my validrcptto list/i),
  rule('qmail.rcpthosts', 'RelayDenied', /isn't in my list of allowed rcpthosts/i),
  rule('qmail.sender-domain', 'InvalidSender', /your envelope sender domain must exist/i),
  rule('qmail.over-quota', 'QuotaIssues', /mailfolder is over the allowed quota/i),
  rule('qmail.databytes', 'QuotaIssues', /message size exceeds my databytes limit/i),
  rule('qmail.temporary', 'TransientFailure', /qq temporary problem/i),
];

// Lotus Domino: a local part matching several directory entries (RFC 3463 X.1.4, ambiguous address).
const domino = [
  rule('domino.ambiguous', 'InvalidRecipient', /not unique\.? +Several matches found in Domino Directory/i),
];

export const MTA_REPLY_RULES = [...postfix, ...exim, ...sendmail, ...qmail, ...domino];

export const MTA_TRANSPORT_RULES = [
  // Postfix: "Host or domain name not found. Name service error for name=… type=MX: Host not found, try again";
  // a lookup that fails without NXDOMAIN ("Malformed name server reply") is a DNS failure too, not a protocol error.
  rule('postfix.dns-temporary', 'DNSFailure', /Name service error for (?:name=)?\S+(?: type=\S+)?: (?:Host not found, try again|Malformed name server reply)/i),
  rule('postfix.domain-not-found', 'BadDomain', /Host or domain name not found/i),
  // DragonFly dma bounces at once only when the name does not exist (a failing lookup is retried).
  rule('dma.domain-not-found', 'BadDomain', /DNS lookup failure: host \S+ not found/i),
  rule('dma.smtp-login', 'AuthenticationFailed', /SMTP login to \S+ failed/i),
  rule('postfix.loops-back', 'RoutingErrors', /loops back to myself/i),
  rule('postfix.connect', 'NoAnswerFromHost', /connect to \S+: (?:Connection (?:timed out|refused)|No route to host|Network is unreachable)/i),
  rule('postfix.lost-connection', 'BadConnection', /lost connection with \S+ while|conversation with \S+ timed out/i),
  rule('postfix.tls', 'BadConnection', /TLS is required, but (?:was not offered|our TLS engine is unavailable)|Cannot start TLS: handshake failure/i),
  rule('sendmail.host-unknown', 'BadDomain', /Host unknown \(Name server: \S+: host not found\)/i),
  rule('sendmail.deferred-connect', 'NoAnswerFromHost', /Deferred: Connection (?:refused|timed out) (?:by|with) /i),
  rule('qmail.no-host', 'BadDomain', /I couldn't find any host (?:named|by that name)/i),
  rule('qmail.no-connection', 'NoAnswerFromHost', /wasn't able to establish an SMTP connection/i),
  rule('qmail.cname', 'DNSFailure', /CNAME lookup failed temporarily/i),
];

export const MTA_EXPIRY_RULES = [
  rule('sendmail.expired', 'MessageExpired', /(?:Cannot send message|Message could not be delivered) for (?:\d+|zero) (?:days?|hours?|minutes?|seconds?)/i),
  rule('qmail.queue-too-long', 'MessageExpired', /in the queue too long/i),
  rule('exim.retry-timeout', 'MessageExpired', /retry timeout exceeded/i),
  rule('exchange.expired', 'MessageExpired', /QUEUE\.Expired|Message expired/i),
  // Ipswitch IMail (X-Mailer: <SMTP32 …>) gives up with "Delivery failed 20 attempts".
  rule('imail.attempts', 'MessageExpired', /Delivery failed \d+ attempts/i),
];
