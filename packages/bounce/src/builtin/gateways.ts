import { rule } from './rule.js';

/** Replies of filtering gateways and sending platforms that sit in front of many domains. */

const amazonSes = [
  rule('ses.suppression-list', 'InvalidRecipient', /on the suppression list for your account|suppressed sending to this address because it has a recent history of bouncing/i),
  rule('ses.unverified-identity', 'InvalidSender', /Email address is not verified\. The following identities failed the check/i),
  rule('ses.account-paused', 'PolicyRelated', /Sending (?:paused|suspended) for this account/i),
  rule('ses.throttling', 'TransientFailure', /Throttling failure: Maximum sending rate exceeded|Daily message quota exceeded/i),
];

const mimecast = [
  rule('mimecast.invalid-recipient', 'InvalidRecipient', /Invalid Recipient - \S*mimecast/i),
  rule('mimecast.authentication', 'AuthenticationFailed', /(?:SPF|DKIM|DMARC) Sender Invalid - envelope rejected/i),
  rule('mimecast.anti-spoofing', 'PolicyRelated', /header[- ]based Anti-Spoofing policy|Anti-Spoofing policy - inbound not allowed/i),
  rule('mimecast.blocked-senders', 'PolicyRelated', /Envelope blocked - User (?:Domain )?Entry|header[- ]based (?:manually )?Blocked Senders|Administrative prohibition - envelope blocked|block policy for envelope from/i),
  rule('mimecast.security-policies', 'PolicyRelated', /Email rejected due to security policies|Host network,? not allowed/i),
  rule('mimecast.reputation', 'SpamBlock', /Local CT IP Reputation|IP temporarily blacklisted/i),
  rule('mimecast.content-examination', 'ContentRelated', /content examination policy/i),
  rule('mimecast.tls-required', 'BadConfiguration', /This route requires (?:encryption \(TLS\)|TLS version|high-strength ciphers)/i),
  rule('mimecast.open-relay', 'RelayDenied', /Open relay (?:is )?not allowed/i),
  rule('mimecast.temporary', 'TransientFailure', /Internal resources? (?:are )?temporarily unavailable|account service is temporarily unavailable/i),
];

const proofpoint = [
  rule('proofpoint.blocked', 'SpamBlock', /Blocked - see https?:\/\/(?:ipcheck\.proofpoint\.com|support\.proofpoint\.com\/dnsbl-lookup)/i),
  rule('proofpoint.invalid-address', 'InvalidRecipient', /User email address is marked as invalid|This is not a valid email address\. Please verify/i),
];

const barracuda = [
  rule('barracuda.reputation', 'SpamBlock', /Barracuda Reputation|barracudanetworks\.com\/reputation|b\.barracudacentral\.org|Policy Rejection- Abuse/i),
  rule('barracuda.spam-url', 'SpamContent', /rejected due to spam URL in content/i),
  rule('barracuda.banned-content', 'ContentRelated', /(?:rejecting|rejected due to) banned content/i),
  rule('barracuda.spoofed', 'AuthenticationFailed', /rejecting spoofed message/i),
  // "permanent failure for one or more recipients (rcpt:blocked)": the part after the colon is the reason.
  rule('barracuda.recipient-blocked', 'PolicyRelated', /permanent failure for one or more recipients \([^:()]+:blocked\)/i),
];

const cisco = [
  rule('ironport.poor-reputation', 'SpamBlock', /rejected due to (?:the sending MTA's )?poor reputation|Your access to submit messages to this e-mail system has been rejected/i),
  rule('ironport.address-rejected', 'InvalidRecipient', /#5\.1\.0 Address rejected/i),
  rule('ironport.recipient-rate', 'TransientFailure', /Too many recipients received this hour/i),
];

const broadcom = [
  rule('messagelabs.filtered', 'SpamContent', /Message filtered\. Refer to the Troubleshooting page at \S*symanteccloud\.com/i),
  rule('messagelabs.relay', 'RelayDenied', /you are trying to use me \[\S+\] as a relay/i),
];

const trendMicro = [
  rule('trendmicro.invalid-recipient', 'InvalidRecipient', /Recipient address rejected: Invalid-Recipient\b/i),
  rule('trendmicro.blocked', 'PolicyRelated', /Recipient address rejected: BLOCK-(?:SEND-ER|RCPT)\b/i),
];

/** In precedence order. */
export const GATEWAY_RULES = [...amazonSes, ...mimecast, ...proofpoint, ...barracuda, ...cisco, ...broadcom, ...trendMicro];
