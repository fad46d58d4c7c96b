import { rule } from './rule.js';

/**
 * Replies of the large mailbox providers, matched on wording (and reference codes) that only
 * they use. Written from the replies these systems send; see docs/bounces.md for the sources.
 */

const google = [
  rule('google.no-such-user', 'InvalidRecipient', /account that you tried to reach does not exist|\?p=NoSuchUser/i),
  rule('google.disabled', 'InactiveMailbox', /account that you tried to reach is (?:disabled|inactive)|\?p=DisabledUser/i),
  // Google's own help: a mailbox over quota for a long time ("OverQuotaPerm") is abandoned.
  rule('google.over-quota-inactive', 'InactiveMailbox', /out of storage space and inactive|\?p=OverQuotaPerm/i),
  rule('google.over-quota', 'QuotaIssues', /inbox is out of storage space|account that you tried to reach is over quota|\?p=OverQuotaTemp/i),
  rule('google.unsolicited-rate', 'SpamBlock', /unusual rate of (?:unsolicited )?mail|\?p=UnsolicitedRateLimitError/i),
  rule('google.low-reputation', 'SpamBlock', /very low reputation of the sending (?:IP|domain)/i),
  rule('google.not-authorized-direct', 'SpamBlock', /is not authorized to send email directly to our servers/i),
  rule('google.likely-unsolicited', 'SpamContent', /likely unsolicited mail|\?p=UnsolicitedMessageError/i),
  rule('google.suspicious-content', 'SpamContent', /suspicious due to the nature of the content/i),
  rule('google.sender-authentication', 'AuthenticationFailed', /Gmail requires all (?:\w+ )*senders to (?:authenticate|add a DMARC record)/i),
  rule('google.dmarc', 'AuthenticationFailed', /not accepted due to domain's DMARC policy|\?p=DmarcRejection/i),
  rule('google.spf', 'AuthenticationFailed', /fails to pass SPF checks|has an SPF record with a hard fail|SPF record of the sending domain has one or more suspicious entries/i),
  rule('google.authentication-checks', 'AuthenticationFailed', /does not have authentication information or fails to pass authentication checks/i),
  rule('google.from-alignment', 'AuthenticationFailed', /isn't aligned with either the authenticated SPF or DKIM/i),
  rule('google.ptr', 'BadConfiguration', /(?:does not|doesn't) have a PTR record|does not match the IP address of the hostname specified in the pointer|does not meet IPv6 sending guidelines/i),
  rule('google.tls', 'BadConfiguration', /TLS required for RCPT domain|senders to use TLS\/SSL for SMTP/i),
  rule('google.rfc5322', 'ProtocolErrors', /not RFC 5322 compliant|missing a valid (?:address in (?:the )?From: header|Message-ID: header)|Multiple addresses in From: header|Encoded-word syntax is not permitted|unicode character in a disallowed header/i),
  rule('google.blocked-attachment', 'ProhibitedAttachment', /content presents a potential security issue|illegal attachment on your message/i),
  // Google Groups refusing a post: the group may be gone or closed to this sender, and the notice
  // cannot tell which, so it is not an address-level failure (never suppress a group on it).
  rule('google.groups', 'PolicyRelated', /group you tried to contact \([^)]*\) may not exist, or you may not have permission to post|may not exist, or you may not have permission to post messages to the group/i),
  rule('google.recipient-policy', 'PolicyRelated', /has a policy that prohibited the mail that you sent|IP not in whitelist for RCPT domain/i),
  rule('google.same-message-id', 'PolicyRelated', /quota for sending messages with the same Message-ID/i),
  rule('google.invalid-address', 'InvalidRecipient', /recipient address <[^>]*> is not a valid RFC[- ]?5321 address/i),
  rule('google.size', 'QuotaIssues', /exceeded Google's message size limits|exceeds Google's message size limit/i),
];

const microsoft = [
  // Legacy Hotmail reference codes still seen from outlook.com (SC: reputation, DY: dynamic IP, OU: policy).
  rule('microsoft.legacy-block-code', 'SpamBlock', /\b(?:SC|DY|OU)-00\d\b/),
  rule('microsoft.legacy-rate-code', 'TransientFailure', /\bRP-00\d\b/),
  rule('microsoft.recipient-not-found', 'InvalidRecipient', /RESOLVER\.ADR\.(?:RecipientNotFound|RecipNotFound|ExRecipNotFound)|Recipient not found by SMTP address lookup/i),
  // Directory-based edge blocking: Exchange Online refuses addresses missing from the tenant.
  rule('microsoft.dbeb', 'InvalidRecipient', /^5\d\d (?:5\.\d\.\d+ )?'?5\.(?:4\.1|7\.504) .*Recipient address(?:es)? rejected ?: Access denied|Access denied, banned recipient/i),
  rule('microsoft.network-block-list', 'SpamBlock', /part of their network is on our block list|weren't sent\. Please contact your Internet service provider/i),
  rule('microsoft.banned-sender', 'SpamBlock', /Access denied, banned sending IP|Access denied, banned sender|spam abuse detected|tenant has exceeded threshold|traffic not accepted from this IP|bad outbound sender|has exceeded permitted limits within \S+ range/i),
  rule('microsoft.ip-reputation-deferral', 'SpamBlock', /rate limited due to IP reputation|Server busy\. Please try again later from \[|Access denied, please try again later/i),
  rule('microsoft.dmarc', 'AuthenticationFailed', /does not pass DMARC verification|doesn't meet the required authentication level/i),
  rule('microsoft.bad-helo', 'BadConfiguration', /Access denied, bad HELO/i),
  rule('microsoft.recipient-restriction', 'PolicyRelated', /RESOLVER\.RST\.\w+|only accepts messages from people (?:in|within) its organization|using Customer Block list|Access denied, rejected by recipient|does not allow external forwarding|Client blocked from sending from unregistered domains|Sender not in allowed-senders list|using Tenant Allow Block List|Sender (?:was )?not authenticated (?:by organization|for (?:group|mailbox|public folder))|^5\d\d 5\.7\.136 Sender was not authenticated/i),
  // 5.1.90 / 5.2.2 (Exchange Online NDR list): the sending account's limits — about the sender, never the recipient.
  rule('microsoft.sender-daily-limit', 'PolicyRelated', /reached your daily limit for message recipients|Submission quota (?:was )?exceeded/i),
  rule('microsoft.quota', 'QuotaIssues', /QuotaExceededException|MapiExceptionShutoffQuotaExceeded/i),
  rule('microsoft.recipient-rate', 'TransientFailure', /exceeded (?:their|the) limit for the number of messages they can (?:receive|send)|per hour message receive limit|Organization queue quota exceeded/i),
  rule('microsoft.relay', 'RelayDenied', /Unable to relay recipient in non-accepted domain|TenantAttribution; Relay Access Denied/i),
  rule('microsoft.content-filter', 'SpamContent', /Remote server returned message detected as spam|rejected as spam by Content Filtering/i),
  rule('exchange.bare-linefeeds', 'ProtocolErrors', /BareLinefeedsAreIllegal/i),
  rule('exchange.hop-count', 'RoutingErrors', /Hop count exceeded - possible mail loop/i),
];

const yahoo = [
  // Yahoo/AOL deferral and block reference codes: [TS01], [TSS04], [TSS09], [BL21], [GL01]…
  rule('yahoo.reputation-code', 'SpamBlock', /\[(?:TSS?|BL|GL)\d\d\]/),
  rule('yahoo.phishing', 'SpamContent', /\[PH01\]/),
  // Older Yahoo deprioritisation codes (help.yahoo.com abuse-57): "553 VS99-IP1 deferred", "451 VS1-IP
  // Excessive unknown recipients - possible Open Relay" — about the sending server, not the recipient.
  rule('yahoo.deprioritized', 'SpamBlock', /\bVS\d+-(?:IP|MF)\d*\b/),
  rule('yahoo.policy', 'PolicyRelated', /(?:Message|Email) not accepted for policy reasons|Message not allowed - \[\d+\]/i),
  rule('yahoo.disabled', 'InactiveMailbox', /This mailbox is disabled \(554\.30\)|delivery error: dd \S+ is no longer valid/i),
  rule('yahoo.no-account', 'InvalidRecipient', /This user doesn't have a \S+ account|Requested mail action aborted, mailbox not found/i),
  rule('yahoo.unauthenticated', 'AuthenticationFailed', /Yahoo requires all senders to authenticate/i),
  rule('yahoo.unresolvable-from', 'InvalidSender', /unresolvable RFC\.?5321 (?:from )?domain/i),
  rule('yahoo.connection-limit', 'TransientFailure', /Max message per connection reached/i),
  rule('yahoo.headers', 'ProtocolErrors', /Headers are not RFC compliant/i),
  // AOL's pre-2017 codes (RLY:B1, DYN:T1, HVU:B1…) still appear on aol.com relays.
  // T-Online: "(Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)", BL = blocklisted IP.
  rule('t-online.blocklisted', 'SpamBlock', /\bt-online\.de\b[^()]{0,40}\) ?\(BL\)/i),
  rule('aol.legacy-code', 'SpamBlock', /\b(?:RLY|DYN|HVU|IPTP|MBL|RTR|CON|DNS):[A-Z]{1,2}\d\b/),
];

const apple = [
  rule('apple.content-policy', 'SpamContent', /\[CS\d\d\] Message rejected due to local policy/i),
  rule('apple.dmarc', 'AuthenticationFailed', /rejected due to \S+ DMARC policy|blocked for failing both SPF and DKIM/i),
  rule('apple.inactive', 'InactiveMailbox', /inactive email address|recipient no longer on server/i),
  rule('apple.no-such-user', 'InvalidRecipient', /@(?:icloud|me|mac)\.com>?: user does not exist|unknown or illegal alias/i),
  rule('apple.over-quota', 'QuotaIssues', /user is over ?quota/i),
  rule('apple.excessive-volume', 'TransientFailure', /deferred due to excessive volume/i),
];

const proton = [
  rule('proton.rspamd', 'SpamContent', /rejected by rspamd filter/i),
];

const unitedInternet = [
  // GMX, Web.de, 1&1/IONOS ("Nemesis" MX): the reason follows the generic banner.
  // web.de/GMX: the envelope sender's domain has no usable MX or address record.
  rule('gmx.sender-dns', 'InvalidSender', /Invalid DNS MX or A\/AAAA resource record/i),
  rule('gmx.bad-ptr', 'BadConfiguration', /(?:Bad|invalid) DNS PTR resource record/i),
  rule('gmx.ip-blacklisted', 'SpamBlock', /IP address is black listed/i),
  rule('gmx.policy', 'PolicyRelated', /Reject due to policy restrictions/i),
  rule('gmx.quota', 'QuotaIssues', /exceeded storage allocation/i),
];

const mailru = [
  rule('mailru.disabled', 'InactiveMailbox', /invalid mailbox\.\s+Local mailbox \S+ is unavailable: account is (?:disabled|blocked)/i),
  rule('mailru.invalid-mailbox', 'InvalidRecipient', /Message was not accepted -- invalid mailbox/i),
  rule('mailru.spam', 'SpamContent', /spam message rejected\. Please visit \S*help\.mail\.ru/i),
];

const yandex = [
  rule('yandex.spam', 'SpamContent', /Message rejected under suspicion of SPAM/i),
  rule('yandex.no-such-user', 'InvalidRecipient', /No such user!/),
  rule('yandex.policy', 'PolicyRelated', /Policy rejection on the target address/i),
  rule('yandex.recipient-rate', 'TransientFailure', /recipient has exceeded message rate limit/i),
  // The sender's mail was mostly spam: its messages are refused for a day (a sender block).
  rule('yandex.spam-statistics', 'SpamBlock', /Blocked by spam statistics/i),
];

const zoho = [
  // Zoho Mail: "554 5.2.3 MailPolicy violation Error delivering to mailboxes" (a policy, not the size 5.2.3 names).
  rule('zoho.mail-policy', 'PolicyRelated', /MailPolicy violation/i),
  // The receiving organisation's own filters ("541 5.4.1 Mail rejected by destination domain": not the routing x.4.1 names).
  rule('zoho.destination-filter', 'PolicyRelated', /Mail rejected by destination domain|Mailbox delivery (?:restricted|failure) by policy error|Mailbox delivery failure policy error/i),
];

const coremail = [
  // Coremail, the server of NetEase's and many Chinese organisations' mail: its fixed reasons.
  rule('coremail.sender', 'InvalidSender', /Requested (?:mail )?action not taken: (?:Fake sender|NULL sender is not allowed)|^5\d\d (?:[45]\.\d\.\d+ )?sender is rejected/i),
  rule('coremail.ip', 'SpamBlock', /Requested (?:mail )?action not taken: Invalid IP|^5\d\d (?:[45]\.\d\.\d+ )?IP is rejected/i),
  rule('coremail.user-blacklist', 'PolicyRelated', /^5\d\d (?:[45]\.\d\.\d+ )?User in blacklist/i),
];

const tencent = [
  rule('qq.content-denied', 'SpamContent', /Mail content denied|spam is embedded in the email/i),
  rule('qq.suspected-spam-ip', 'SpamBlock', /suspected spam ip|suspected bounce attacks/i),
  rule('qq.frequency', 'TransientFailure', /(?:IP|Domain|Sender|Connection) frequency limited|frequency of receiving messages is limited/i),
  rule('qq.rejected-by-recipient', 'PolicyRelated', /Mail is rejected by recipients/i),
  rule('qq.deactivated', 'InactiveMailbox', /is a deactivated mailbox/i),
  rule('netease.spam', 'SpamContent', /\bDT:SPM\b/),
];

const orange = [
  // Orange and La Poste reference codes (OFR_416, LPN007_420, OFR005_104 …); the number decides.
  rule('orange.invalid-recipient', 'InvalidRecipient', /\b(?:OFR|LPN)\d*_416\b/),
  rule('orange.over-quota', 'QuotaIssues', /\b(?:OFR|LPN)\d*_417\b/),
  rule('orange.inactive', 'InactiveMailbox', /\b(?:OFR|LPN)\d*_42[06]\b/),
  rule('orange.invalid-sender', 'InvalidSender', /\b(?:OFR|LPN)\d*_(?:403|405|415|421)\b/),
  rule('orange.authentication', 'AuthenticationFailed', /\b(?:OFR|LPN)\d*_(?:305|401|402|517)\b/),
  rule('orange.blocked', 'SpamBlock', /\b(?:OFR|LPN(?:AAA)?)\d*_(?:10[123]|510|999)\b/),
  rule('orange.connections', 'TransientFailure', /\b(?:OFR|LPN)\d*_(?:104|505)\b/),
  rule('orange.spam', 'SpamContent', /\b(?:OFR|LPN)\d*_506\b/),
  rule('orange.size', 'QuotaIssues', /\b(?:OFR|LPN)\d*_514\b/),
];

const comcast = [
  rule('comcast.not-our-customer', 'InvalidRecipient', /Not our Customer|recipient mailbox unallocated/i),
  rule('comcast.account-closed', 'InactiveMailbox', /Account Closed, Please Remove/i),
  rule('comcast.quota', 'QuotaIssues', /extended quota violation/i),
  rule('comcast.blocklist', 'SpamBlock', /smtp-error-codes\.php#BL\d+/i),
  rule('comcast.rate-limit', 'TransientFailure', /smtp-error-codes\.php#RL\d+/i),
  rule('comcast.dmarc', 'AuthenticationFailed', /smtp-error-codes\.php#DM\d+/i),
  rule('comcast.ptr', 'BadConfiguration', /requires that all mail servers must have a PTR record/i),
];

const att = [
  rule('att.dnsbl', 'SpamBlock', /DNSBL:(?:ATT)?RBL\S* \d+<\s*[\d.]+\s*>_is_blocked/i),
  rule('att.ptr', 'BadConfiguration', /Connections not accepted from servers without a valid sender domain/i),
];

/** In precedence order. */
export const MAILBOX_PROVIDER_RULES = [
  ...google, ...microsoft, ...yahoo, ...apple, ...proton, ...unitedInternet, ...mailru, ...yandex, ...zoho, ...tencent, ...coremail,
  ...orange, ...comcast, ...att,
];
