import { formatEnhancedCode } from '@mtakit/core';
import { buildRecipient, statusValue } from './dsn.js';
import { parseReplyText } from './reply.js';
import type { DsnRecipient, ReportFormat } from './types.js';

/**
 * Bounces without a `message/delivery-status` part: the recipients and reasons are read from the
 * text the reporting MTA writes. Each extractor recognises one family by its fixed sentences and
 * returns null when the text is not its own.
 */
export interface PlainTextResult {
  format: ReportFormat;
  recipients: DsnRecipient[];
}

type Extractor = (text: string) => PlainTextResult | null;

const ADDRESS = /[^\s<>()"',;]+@[^\s<>()"',;]+[^\s<>()"',;.:]/;

/** qmail and Yahoo: `<rcpt>:` on its own line, then the reason, then a blank line. */
const qmailStyle: Extractor = (text) => {
  if (!/This is the qmail-send program|Sorry, we were unable to deliver your message|I'm afraid I wasn't able to deliver your message/i.test(text)) {
    return null;
  }
  const delayed = /not been delivered yet|will keep trying/i.test(text) && !/permanent error/i.test(text);
  const recipients = [...text.matchAll(/^<([^>\s]+@[^>\s]+)>:[ \t]*\n([\s\S]*?)(?:\n[ \t]*\n|\n-{2,}|(?![\s\S]))/gm)].map((m) => {
    const body = (m[2] as string).trim();
    const said = /Remote host said:\s*([\s\S]*?)(?:\n(?:Giving up on|I'm not going to try again)[\s\S]*)?$/i.exec(body);
    const reply = said ? (said[1] as string).replace(/\s*\[(?:RCPT_TO|MAIL_FROM|DATA|BODY|EOD|CONNECT)\]\s*$/i, '').trim() : null;
    const local = /\(#([245]\.\d{1,3}\.\d{1,3})\)/.exec(body);
    const parsed = reply ? parseReplyText(reply) : null;
    const status = parsed?.enhanced_code ? formatEnhancedCode(parsed.enhanced_code) : statusValue(local?.[1] ?? null);
    const host = /^(?:Connected to )?(\S+?) (?:does not like recipient|but sender was rejected|failed after I sent the message)/m.exec(body);
    return buildRecipient({
      recipient: m[1] as string,
      original_recipient: null,
      action: delayed ? 'delayed' : 'failed',
      status,
      diagnostic_code: reply ? `smtp; ${reply}` : body.replace(/\s+/g, ' '),
      remote_mta: host?.[1] ?? null,
      remote_mta_addr: host && /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host[1] as string) ? (host[1] as string) : null,
      last_attempt_date: null,
    });
  });
  return recipients.length > 0 ? { format: 'qmail', recipients } : null;
};

/** Exim: addresses indented two spaces under "The following address(es) failed:", details four. */
const exim: Extractor = (text) => {
  if (!/This message was created automatically by mail delivery software/i.test(text)) return null;
  const delayed = /has not yet been delivered|Delay reason|This is a temporary error|address\(es\) deferred/i.test(text) && !/permanent error/i.test(text);
  const recipients: DsnRecipient[] = [];
  for (const m of text.matchAll(/^ {2}(\S[^\n]*)\n((?: {4,}[^\n]*(?:\n|$))+)/gm)) {
    const address = ADDRESS.exec(m[1] as string)?.[0];
    if (!address) continue;
    const details = (m[2] as string).split('\n').map((l) => l.trim()).filter(Boolean);
    const host = /^host (\S+) \[([^\]]+)\]/.exec(details[0] ?? '');
    const smtp = details.findIndex((l) => /^(?:Delay reason: )?SMTP error from remote mail server after/i.test(l));
    const reply = smtp >= 0 ? details.slice(smtp + 1).join('\n') : null;
    const parsed = reply ? parseReplyText(reply) : null;
    const reason = details.filter((l) => !/^host \S+ \[/.test(l)).join(' ');
    recipients.push(buildRecipient({
      recipient: address,
      original_recipient: null,
      action: delayed ? 'delayed' : 'failed',
      status: parsed?.enhanced_code ? formatEnhancedCode(parsed.enhanced_code) : null,
      diagnostic_code: reply ? `smtp; ${reply.replace(/\s+/g, ' ')}` : `X-Exim; ${reason}`,
      remote_mta: host?.[1] ?? null,
      remote_mta_addr: host?.[2] ?? null,
      last_attempt_date: null,
    }));
  }
  return recipients.length > 0 ? { format: 'exim', recipients } : null;
};

/** Sendmail without a DSN part: "----- The following addresses had permanent fatal errors -----". */
const sendmail: Extractor = (text) => {
  const header = /-{3,} The following addresses had (permanent fatal|transient non-fatal) errors -{3,}\n([\s\S]*?)(?:\n[ \t]*\n|$)/i.exec(text);
  if (!header) return null;
  const delayed = /transient/i.test(header[1] as string);
  const recipients = [...(header[2] as string).matchAll(/^<?([^\s<>]+@[^\s<>]+?)>?\s*\n(?:\s+\(reason: ([^\n]*)\))?/gm)].map((m) => {
    const reply = m[2] ? parseReplyText(m[2]) : null;
    return buildRecipient({
      recipient: m[1] as string,
      original_recipient: null,
      action: delayed ? 'delayed' : 'failed',
      status: reply?.enhanced_code ? formatEnhancedCode(reply.enhanced_code) : null,
      diagnostic_code: m[2] ? `smtp; ${m[2]}` : null,
      remote_mta: null,
      remote_mta_addr: null,
      last_attempt_date: null,
    });
  });
  return recipients.length > 0 ? { format: 'sendmail', recipients } : null;
};

/** Exchange text NDRs: the recipient line, then "Remote Server returned '<reply>'". */
const exchange: Extractor = (text) => {
  const recipients = [...text.matchAll(/^\s*(\S+@\S+?)(?: \([^)]*\))?\s*\n(?:[^\n]*\n){0,3}?\s*Remote Server returned '([^']+)'/gim)].map((m) => {
    const reply = parseReplyText((m[2] as string).replace(/^<[^>]*>\s*#?/, ''));
    return buildRecipient({
      recipient: (m[1] as string).replace(/^<|>$/g, ''),
      original_recipient: null,
      action: reply && reply.code < 500 ? 'delayed' : 'failed',
      status: reply?.enhanced_code ? formatEnhancedCode(reply.enhanced_code) : null,
      diagnostic_code: `smtp; ${m[2] as string}`,
      remote_mta: null,
      remote_mta_addr: null,
      last_attempt_date: null,
    });
  });
  return recipients.length > 0 ? { format: 'exchange-text', recipients } : null;
};

/** Postfix-style lines: `<rcpt>: host mx[1.2.3.4] said: 550 … (in reply to RCPT TO command)`. */
const postfixText: Extractor = (text) => {
  // Postfix's final report says the message "could not be delivered"; its delay warning says so.
  const warning = /THIS IS A WARNING ONLY|still being retried|will (?:continue to )?(?:try|retry)/i.test(text);
  const final = !warning && /could not\s+be delivered|Undelivered Mail Returned/i.test(text);
  // Continuation lines are indented; a copy that lost the indentation runs on to the blank line.
  // A bounce forwarded as HTML loses its <address> brackets to the tag stripper: a bare address
  // counts when what follows is Postfix's "host mx[ip] said:".
  const entry = /^(?:<([^>\s]+@[^>\s]+)>(?: \(expanded from <[^>]+>\))?|([^\s<>:]+@[^\s<>:]+)(?=: host \S+\[))(?:: )([^\n]*(?:\n(?![ \t]*\n|<[^>\s]+@|[A-Z][\w-]*: )[^\n]*)*)/gm;
  const recipients = [...text.matchAll(entry)].map((m) => {
    const body = (m[3] as string).replace(/\s+/g, ' ').trim();
    const said = /^host (\S+?)\[([^\]]+)\] (?:said|refused to talk to me): (.*?)(?: \(in reply to [^)]*\))?$/.exec(body);
    const reply = said ? parseReplyText(said[3] as string) : null;
    return buildRecipient({
      recipient: (m[1] ?? m[2]) as string,
      original_recipient: null,
      action: warning || (reply && reply.code < 500 && !final) ? 'delayed' : 'failed',
      status: reply?.enhanced_code ? formatEnhancedCode(reply.enhanced_code) : null,
      diagnostic_code: said ? `smtp; ${said[3] as string}` : `X-Postfix; ${body}`,
      remote_mta: said?.[1] ?? null,
      remote_mta_addr: said?.[2] ?? null,
      last_attempt_date: null,
    });
  });
  return recipients.length > 0 ? { format: 'postfix-text', recipients } : null;
};

const EXTRACTORS: readonly Extractor[] = [qmailStyle, exim, sendmail, exchange, postfixText];

/** Reads recipients from the text of a bounce (the part before any quoted original). */
export function parsePlainTextBounce(text: string): PlainTextResult | null {
  const normalized = text.replace(/\r\n?/g, '\n');
  for (const extract of EXTRACTORS) {
    const result = extract(normalized);
    if (result) return result;
  }
  return null;
}
