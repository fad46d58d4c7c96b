import { parseFeedbackReport } from './arf.js';
import type { MimeMessage } from './mime.js';
import type { FeedbackReportData, OriginalMessage } from './types.js';

/**
 * Complaints and failure reports sent without a `message/feedback-report` part, read as the
 * feedback reports they are: Microsoft's JMRP complaints and plain-text DMARC failure reports.
 */
export function textFeedbackReport(mime: MimeMessage, original: OriginalMessage | null, originalText: string | null): FeedbackReportData | null {
  return (original ? jmrpReport(mime, original, originalText) : null) ?? dmarcTextReport(mime, originalText);
}

/**
 * Microsoft's JMRP complaints (Hotmail/Outlook.com, before they sent ARF): the complained-about
 * message attached as message/rfc822 under "complaint about message from <ip>", the complaining
 * address in the original's X-HmXmrOriginalRecipient. Read as an `abuse` feedback report.
 */
function jmrpReport(mime: MimeMessage, original: OriginalMessage, originalText: string | null): FeedbackReportData | null {
  const ip = /^complaint about message from (\S+)/i.exec(mime.subject);
  const rcpt = original.headers.find(([n]) => n.toLowerCase() === 'x-hmxmroriginalrecipient')?.[1];
  if (!ip && !(rcpt && mime.from?.endsWith('@hotmail.com'))) return null;
  const fields = ['Feedback-Type: abuse', 'User-Agent: JMRP', `Reporting-MTA: dns; ${mime.from?.split('@')[1] ?? 'hotmail.com'}`];
  if (ip) fields.push(`Source-IP: ${ip[1]}`);
  if (rcpt) fields.push(`Original-Rcpt-To: ${rcpt}`);
  return parseFeedbackReport(fields.join('\n'), originalText);
}

/**
 * A DMARC failure (forensic) report in plain text, as Exim's DMARC support writes it ("A message
 * claiming to be from you has failed the published DMARC policy for your domain", then "Sender
 * Domain:" and "Sender IP Address:"). It reports mail someone else sent in the domain's name: an
 * `auth-failure` report, never a bounce of the address the forged mail went to.
 */
function dmarcTextReport(mime: MimeMessage, originalText: string | null): FeedbackReportData | null {
  if (mime.parts.some((p) => p.contentType.endsWith('delivery-status'))) return null;
  if (!/failed the published DMARC policy|^DMARC (?:Forensic|Failure) Report\b/im.test(`${mime.subject}\n${mime.text}`)) return null;
  const value = (label: string) => new RegExp(`^\\s*${label}:[ \\t]*(\\S[^\\n]*)$`, 'im').exec(mime.text)?.[1]?.trim();
  const fields = ['Feedback-Type: auth-failure', 'Auth-Failure: dmarc'];
  const ip = value('Sender IP Address');
  const domain = value('Sender Domain');
  if (ip) fields.push(`Source-IP: ${ip}`);
  if (domain) fields.push(`Reported-Domain: ${domain}`);
  return parseFeedbackReport(fields.join('\n'), originalText);
}
