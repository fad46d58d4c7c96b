import { rule } from './rule.js';

/**
 * Wording that means the same thing whoever sends it. `GENERIC_RULES` are specific phrases and
 * come before the status-code rules; `CATCH_ALL_RULES` are single vague words ("policy", "try
 * again later") and come after them, so a decisive code such as 5.1.1 outranks them.
 */
export const GENERIC_RULES = [
  rule('generic.no-such-user', 'InvalidRecipient', /\bno such (?:local )?(?:user|recipient|mailbox|address|account|person)\b|\b(?:user|recipient|addressee|mailbox|account) (?:is )?(?:unknown|not found)\b|\bunknown (?:user|recipient|mailbox|address)\b/i),
  rule('generic.does-not-exist', 'InvalidRecipient', /(?<!sender )\b(?:user|recipient|mailbox|address|account|e-?mail account)(?: \S+)? (?:does not|doesn't|did not) exist\b|\bnot a valid (?:user|mailbox|recipient|address)\b|\binvalid (?:recipient|mailbox|e-?mail address)\b|\bbad destination mailbox\b/i),
  rule('generic.mailbox-unavailable', 'InvalidRecipient', /\bmailbox (?:unavailable|not available|not found)\b|\brecipient (?:unrecognized|rejected|not allowed|invalid)\b/i),
  rule('generic.mailbox-inactive', 'InactiveMailbox', /\b(?:mailbox|account|user|address)(?: has been| is| was)?(?: currently| temporarily)? (?:disabled|deactivated|suspended|inactive|closed|expired|locked|not active|not activated)\b|\b(?:disabled|inactive|deactivated|suspended|dormant|closed) (?:mailbox|account|user)\b|\brecipient address rejected: inactive\b/i),
  rule('generic.mailbox-full', 'QuotaIssues', /\bmailbox (?:is )?(?:temporarily )?full\b|\bover ?quota\b|\bquota (?:exceeded|violation)\b|\bexceeded? (?:the |his |her |their |its )?(?:storage |mailbox )?quota\b|\binsufficient (?:storage|space)\b|\bmailbox size limit\b|\bfull mailbox\b|\bmailbox (?:size )?exceeds (?:the |its )?(?:allowed|maximum) size\b|\bstorage (?:space|limit) (?:exceeded|reached)\b|\bDisk quota exceeded\b|\bnot enough (?:disk )?space\b/i),
  rule('generic.message-too-large', 'QuotaIssues', /\bmessage (?:size )?(?:is )?too (?:large|big)\b|\bmessage size exceeds\b|\bexceeds (?:the )?(?:fixed )?maximum message size\b|\bsize limit exceeded\b/i),
  rule('generic.relay-denied', 'RelayDenied', /\brelay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited|disallowed)\b|\b(?:not|isn't) allowed to relay\b|\bunable to relay\b|\bwe do not relay\b/i),
  // SMTP AUTH wanted by the receiver (Gmail's 530 5.7.0 WantAuthError, Exchange Online's 5.7.1 / 5.7.57).
  rule('generic.smtp-auth-required', 'AuthenticationFailed', /\bauthentication required\b|\bclient was not authenticated\b/i),
  rule('generic.dmarc', 'AuthenticationFailed', /\bDMARC\b/i),
  rule('generic.spf-dkim', 'AuthenticationFailed', /\bSPF unauthori[sz]ed\b|\bdoes not pass DomainKeys\b|\bSPF\b.{0,40}\b(?:fail(?:ed|ure|s)?|check|validation|hard ?fail|not (?:pass|permitted|allowed|authori[sz]ed))\b|\bDKIM\b.{0,40}\b(?:fail(?:ed|ure|s)?|invalid|missing|not (?:pass|valid))\b|\bunauthenticated (?:mail|e-?mail|sender|message)\b|\b(?:prohibited|rejected|refused|blocked|denied) by SPF\b|\bsender is unauthenticated\b|\bnot authori[sz]ed to send (?:mail|e-?mail)? ?(?:on behalf|for|from)\b/i),
  rule('generic.reverse-dns', 'BadConfiguration', /\breverse (?:DNS|hostname|lookup)|\bPTR (?:record|lookup)|\brDNS\b|\bcannot find your hostname\b|\bno (?:PTR|reverse) record\b/i),
  rule('generic.helo', 'BadConfiguration', /\b(?:HELO|EHLO)\b.{0,40}\b(?:invalid|rejected|not (?:allowed|valid|accepted)|must be|fully.qualified|forged)\b|\b(?:bad|invalid) (?:HELO|EHLO)\b|\b(?:invalid|bad|bogus|forged) (?:host ?name|domain|name) in (?:HELO|EHLO)\b/i),
  rule('generic.tls-required', 'BadConfiguration', /\b(?:STARTTLS|TLS|encryption) (?:is )?required\b|\bmust issue a STARTTLS\b|\brequires (?:TLS|encryption)\b|\bfailed (?:MTA-STS|DANE) validation\b|\bstarttls-not-supported\b|\bcertificate-(?:expired|host-mismatch)\b|\b(?:tlsa|dnssec)-invalid\b|\bserver certificate not verified\b|\b(?:required|requires|must) (?:to )?(?:send |deliver )?(?:via|over|using|use) (?:an? )?(?:encrypted|TLS|SSL|secure)\b/i),
  rule('generic.virus', 'VirusRelated', /\bvirus\b|\bmalware\b|\binfected\b|\btrojan\b|\bmalicious (?:content|attachment|payload)\b|\bunsafe content\b/i),
  rule('generic.attachment', 'ProhibitedAttachment', /\b(?:attachment|file type|file extension|extension)s? .{0,40}\b(?:not allowed|prohibited|blocked|banned|forbidden|not permitted|rejected)\b|\b(?:prohibited|banned|blocked|forbidden|dangerous|illegal|executable) (?:file )?attachments?\b|\bpassword[- ]protected (?:file |zip )?(?:attachment|archive)s?\b/i),
  // The recipient's own list of refused senders: a recipient-side policy, not the sender's reputation.
  rule('generic.recipient-blocklist', 'PolicyRelated', /\b(?:sender|you) (?:is |are |was |has been )?(?:on|in) the recipient'?s? (?:block|black|deny) ?list\b|\bsender (?:is |was |has been )?(?:blocked|blacklisted|banned) by (?:the )?recipient\b|\bblocked by (?:the )?recipient'?s? (?:settings|rules|filters)\b/i),
  rule('generic.blocklist', 'SpamBlock', /\bblocked using\b|\b(?:black|block|deny) ?list(?:ed|s)?\b|\b(?:RBL|DNSBL|DNSBLs|RBLs)\b|\bSpamhaus\b|\bSpamCop\b|\bsorbs\b|\babuseat\b|\bcloudmark\b|\bpoor reputation\b|\bbad reputation\b|\blow reputation\b|\breputation (?:is )?too low\b/i),
  rule('generic.spam-content', 'SpamContent', /\b(?:message|mail|e-?mail|content)s? (?:was |has been |is )?(?:rejected|blocked|refused|identified|classified|detected|flagged|considered|marked) (?:as|due to|because of|for) (?:\S+ ){0,2}spam\b|\bspam (?:content|detected|score|signature|message rejected|rejected)\b|\blooks like spam\b|\bscored too high\b|\breject(?:ed)?,? id=\S+ - spam\b|\bspamtext\b|\bJunkMail rejected\b/i),
  // A refusal of the content that does not call it spam (a content policy, restrictions).
  rule('generic.content-policy', 'ContentRelated', /^(?!.*\b(?:spam|UBE|junk|unsolicited|bulk)\b).*?(?:\bcontent (?:restrictions?|polic(?:y|ies)|not accepted|violations?|rejected)\b|\bmessage content (?:rejected|refused|not accepted)\b|\bunacceptable content\b|\bcontent (?:is )?(?:unacceptable|not acceptable)\b|\bpolicy violation was detected in (?:your|the) message content\b|\bprohibited (?:words|phrases|content|text)\b)/i),
  rule('generic.greylisting', 'TransientFailure', /\bgr[ae]y ?list(?:ed|ing)?\b/i),
  rule('generic.receiving-rate', 'TransientFailure', /\breceiving mail (?:too quickly|at a rate)\b|\btoo many recent messages\b/i),
  rule('generic.too-many-connections', 'TransientFailure', /\btoo many (?:connections|sessions|concurrent|simultaneous)\b|\bconcurrent (?:server )?connections\b|\bconnection (?:rate|limit) (?:exceeded|reached)\b/i),
  rule('generic.too-many-recipients', 'TooManyRecipients', /\btoo many recipients\b/i),
  rule('generic.mail-loop', 'RoutingErrors', /\bmail(?:ing)? loop\b|\bmessage looping\b|\btoo many hops\b|\bhop count exceeded\b|\bexceeded \d+ hops\b|\bloop detected\b|\bmessage is looping\b|\bMX list for \S+ points back to\b|\blisted as a best-preference MX\b/i),
  rule('generic.sender-invalid', 'InvalidSender', /\bsender (?:address )?(?:is )?(?:rejected|invalid|unknown|verify failed)\b|\binvalid sender\b|\bsender domain (?:must exist|does not exist|not found)\b|\bdomain of sender address\b|^\d{3} [45]\.1\.[78] (?:invalid|bad) (?:sender )?address\b/i),
  rule('generic.domain-not-found', 'BadDomain', /\b(?:domain|host) (?:name )?(?:not found|does not exist|doesn't exist)\b|\bDNS domain \S+ does not exist\b|\bNXDOMAIN\b|\bnull MX\b|\bdoes not accept mail\b|\bthe domain \S+ (?:couldn't|could not) be found\b/i),
  rule('generic.protocol', 'ProtocolErrors', /\bRFC ?5322 section 3\.6\.2 compliant\b|\bsyntax error\b|\bbad SMTP command syntax\b|\bwithout (?:a |valid )?(?:To|From|Date|Message-?ID):? (?:header|field)s?\b|\bbad sequence of commands\b|\bcommand (?:not recognized|unrecognized)\b|\bline too long\b|\bbare (?:LF|line ?feeds?)\b|\bnot RFC ?\d* ?compliant\b|\bmalformed\b|\bparameter syntax\b/i),
];

export const CATCH_ALL_RULES = [
  rule('catch-all.spam', 'SpamRelated', /\bspam/i),
  rule('catch-all.dns', 'DNSFailure', /\bDNS (?:error|failure|lookup|problem|timeout)|\bSERVFAIL\b|\blookup failed\b|\bname server timeout\b/i),
  rule('catch-all.connection-lost', 'BadConnection', /\bconnection (?:was |has been )?(?:dropped|closed|lost|reset)\b|\b(?:closed|dropped|reset) (?:the )?connection\b|\b(?:TLS|SSL) (?:handshake|negotiation) (?:failed|failure|error)\b|\bbroken pipe\b|\bunexpected (?:EOF|end of)\b|\bconnection died\b/i),
  rule('catch-all.connection', 'NoAnswerFromHost', /\bconnection (?:timed out|refused)\b|\bcould not initiate SMTP conversation\b|\bdid not accept our requests to connect\b|\bconnection to (?:the )?mail exchanger failed\b|\btimed out\b|\bno route to host\b|\btried all MXs\b|\bnetwork error on destination MXs?\b|\bnetwork is unreachable\b|\b(?:could not|unable to) connect\b/i),
  rule('catch-all.rate-limit', 'TransientFailure', /\brate.?limit|\bthrottl|\btoo many (?:messages|mails|emails)\b|\b(?:e-?mails|messages|mails) per (?:second|minute|hour|day)\b/i),
  rule('catch-all.try-later', 'TransientFailure', /\btry (?:again )?later\b|\btemporar(?:y|ily)\b|\bservice (?:not )?(?:available|unavailable)\b|\bserver busy\b|\binsufficient system (?:storage|resources)\b/i),
  rule('catch-all.expired', 'MessageExpired', /(?<!licen[cs]e |certificate |certificate-|certificate is )\bexpired\b|\bgiving up\b/i),
  rule('catch-all.policy', 'PolicyRelated', /\bpolic(?:y|ies)\b|\badministrative(?:ly)? (?:prohibit\w*|denied|refused)\b|\bnot accepting (?:mail|messages|e-?mail)\b|\bnot (?:authori[sz]ed|permitted|allowed)\b|\bprohibited\b|\baccess denied\b|\brefused\b|\bblocked\b|\brejected\b/i),
];
