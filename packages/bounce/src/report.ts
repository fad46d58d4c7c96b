import { MtaKitError, type JsonValue } from '@mtakit/core';
import { parseFeedbackReport } from './arf.js';
import { textFeedbackReport } from './feedback-text.js';
import { buildRecipient, parseDeliveryStatus } from './dsn.js';
import { headerValues, parseMime, type MimeMessage } from './mime.js';
import { beforeQuotedOriginal, correlate, ORIGINAL_PART_TYPES, parseOriginal, quotedOriginal, receivedFor, type CorrelationOptions } from './original.js';
import { unwrapForwardedText } from './forwarded.js';
import { genericBounce, looksLikeBounce as failureText } from './generic.js';
import { parsePlainTextBounce, type PlainTextResult } from './plaintext.js';
import type { BounceReport, Correlation, DsnRecipient, Reporter } from './types.js';

export type BounceParseErrorReason = 'empty' | 'unreadable' | 'not-a-report';

/** A message could not be read as a bounce, complaint or automatic reply. Code `E_MESSAGE`. */
export class BounceParseError extends MtaKitError {
  readonly reason: BounceParseErrorReason;

  constructor(reason: BounceParseErrorReason, message: string, options: { cause?: unknown } = {}) {
    super('E_MESSAGE', message, options);
    this.name = 'BounceParseError';
    this.reason = reason;
  }
}

export interface ParseReportOptions extends CorrelationOptions {
  /** The envelope recipient the report was sent to (a VERP address, usually). */
  envelopeRecipient?: string;
}

// text/delivery-status: a label some gateways give the same fields.
const DELIVERY_STATUS = new Set(['message/delivery-status', 'message/global-delivery-status', 'text/delivery-status']);

/**
 * Reads an inbound report: an RFC 5965 feedback report, an RFC 3464 DSN, one of the common
 * plain-text bounce formats, or an automatic reply. Throws `BounceParseError` when it is none.
 */
export async function parseReport(bytes: Buffer, options: ParseReportOptions = {}): Promise<BounceReport> {
  return parseReportAt(bytes, options, 0);
}

/** A report forwarded whole, as the attachment of another message (gateways and filters do it). */
const FORWARDED_REPORT = /^content-type:[ \t]*multipart\/report[^\n]*(?:\n[ \t][^\n]*)*report-type="?(?:delivery-status|feedback-report)/im;

async function parseReportAt(bytes: Buffer, options: ParseReportOptions, depth: number): Promise<BounceReport> {
  if (bytes.length === 0 || bytes.toString('latin1').trim() === '') {
    throw new BounceParseError('empty', 'bounce message is empty');
  }
  let mime: MimeMessage;
  try {
    mime = parseMime(bytes);
  } catch (err) {
    throw new BounceParseError('unreadable', `cannot parse message: ${(err as Error).message}`, { cause: err });
  }
  const originalPart = mime.parts.find((p) => ORIGINAL_PART_TYPES.has(p.contentType));
  const originalText = originalPart?.content.toString('utf8') ?? quotedOriginal(mime.text);
  const original = originalText ? parseOriginal(originalText) : null;
  const texts = [mime.text, ...mime.parts.filter((p) => !p.contentType.startsWith('image/')).map((p) => (p === originalPart && originalText !== null ? originalText : p.content.toString('utf8')))];
  const feedbackPart = mime.parts.find((p) => p.contentType === 'message/feedback-report');
  const feedback = feedbackPart ? parseFeedbackReport(feedbackPart.content.toString('utf8'), originalText)
    : textFeedbackReport(mime, original, originalText);
  const verpCandidates = [
    options.envelopeRecipient,
    feedback?.original_mail_from,
    ...['x-original-to', 'delivered-to', 'envelope-to', 'to'].flatMap((h) => headerValues(mime, h)),
  ];
  const correlation = correlate(original, texts, verpCandidates, options);

  if (feedback) {
    feedback.supplemental_trace = correlation && correlation.source !== 'verp' ? traceJson(correlation) : null;
    return { kind: 'arf', feedback_report: feedback, original, correlation };
  }

  const body = beforeQuotedOriginal(unwrapForwardedText(mime.text || texts.slice(1).join('\n')));
  const failedHeaders = headerValues(mime, 'x-failed-recipients');
  const exclude = [original?.from, original?.return_path, ...['to', 'delivered-to', 'return-path', 'reply-to'].flatMap((h) => headerValues(mime, h))].filter((x): x is string => !!x);
  const readText = (report: boolean) => genericBounce({
    text: body, subject: mime.subject, from: mime.from, failedHeaders, report, exclude,
    originalTo: receivedFor(original) ?? original?.to ?? null,
    originalAddresses: (original?.headers ?? []).filter(([n]) => /^(?:from|to|cc|sender|reply-to|return-path|errors-to)$/i.test(n)).map(([, v]) => v),
  });

  const status = mime.parts.find((p) => DELIVERY_STATUS.has(p.contentType));
  let unroutable: DsnRecipient[] = [];
  const statusText = status?.content.toString('utf8') ?? pastedDeliveryStatus(mime);
  if (statusText) {
    const parsed = parseDeliveryStatus(statusText);
    const message = parsed.message;
    // X.400 and other non-Internet addresses are not recipients we can act on: read the text instead.
    const fields = parsed.recipients.map(routableRecipient).filter((r) => r.recipient.includes('@'));
    // Kept for when no text names an Internet address; the text's line naming one is its reason.
    unroutable = parsed.recipients.filter((r) => !r.recipient.includes('@')).map((r) => {
      const line = r.diagnostic_code ? null : body.split('\n').find((l) => l.includes(r.recipient));
      return line ? buildRecipient({ ...r, diagnostic_code: `X-Generic; ${line.trim()}` }) : r;
    });
    const recipients = fields.some((r) => !r.diagnostic_code) ? withTextDiagnostics(fields, readText(true)) : fields;
    if (recipients.length > 0) {
      return {
        kind: 'dsn',
        format: 'rfc3464',
        reporter: detectReporter(mime, message.reporting_mta, message.names),
        reporting_mta: message.reporting_mta,
        arrival_date: message.arrival_date,
        original_envelope_id: message.original_envelope_id,
        recipients,
        original,
        correlation,
      };
    }
  }

  // A gateway that forwards the report it received as an attachment: the report is inside.
  if (depth === 0 && originalPart && FORWARDED_REPORT.test(originalPart.content.subarray(0, 8192).toString('latin1').split(/\r?\n\r?\n/, 1)[0] ?? '')) {
    const inner = await parseReportAt(originalPart.content, options, depth + 1).catch(() => null);
    if (inner) return inner;
  }

  const plain = parsePlainTextBounce(body) ?? (autoReply(mime, body, failedHeaders) ? null : readText(status !== undefined || isReportMessage(mime)));
  if (plain) {
    return {
      kind: 'dsn',
      format: plain.format,
      reporter: detectReporter(mime, null, new Set()),
      reporting_mta: reportingHost(mime),
      arrival_date: null,
      original_envelope_id: null,
      recipients: plain.recipients,
      original,
      correlation,
    };
  }

  // Only a non-Internet address ("unknown; nair_s") and no text naming one: the report's own recipient.
  if (unroutable.length > 0) return { kind: 'dsn', format: 'rfc3464', reporter: detectReporter(mime, null, new Set()), reporting_mta: reportingHost(mime), arrival_date: null, original_envelope_id: null, recipients: unroutable, original, correlation };

  if (autoReply(mime, body, failedHeaders)) {
    return { kind: 'autoreply', from: mime.from, subject: mime.subject, original, correlation };
  }
  throw new BounceParseError(
    'not-a-report',
    'not a bounce or feedback report: no message/delivery-status or message/feedback-report part, and no known bounce text',
  );
}

/**
 * A Final-Recipient on an internal host name without a domain (Sun SIMS's `user@sims-ms-daemon`)
 * is no address anyone can act on: the Original-Recipient, when it is one, is the address sent to.
 */
function routableRecipient(r: DsnRecipient): DsnRecipient {
  const original = r.original_recipient?.replace(/^rfc822;\s*/i, '').replace(/^<|>$/g, '') ?? '';
  if (/@[^@.]+$/.test(r.recipient) && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(original)) return { ...r, recipient: original };
  return r;
}

/**
 * RFC 3464 groups without a Diagnostic-Code (OpenSMTPD, some Exchange versions) leave the reason
 * to the human-readable part ("email@example.net: Domain does not exist"): take it from there.
 */
function withTextDiagnostics(fields: DsnRecipient[], text: PlainTextResult | null): DsnRecipient[] {
  if (!text) return fields;
  return fields.map((r) => {
    if (r.diagnostic_code) return r;
    const found = text.recipients.find((t) => t.recipient.toLowerCase() === r.recipient.toLowerCase());
    // The preamble ("Delivery to the following recipients failed.") says nothing the Status does not.
    if (!found?.diagnostic_code || /^X-Generic;\s*(?:[\d.]+\s*)?(?:$|.*\bfollowing (?:recipients?|addresses)\b)/i.test(found.diagnostic_code)) return r;
    return buildRecipient({ ...r, status: r.status ?? found.status, diagnostic_code: found.diagnostic_code });
  });
}

function traceJson(c: Correlation): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { source: c.source };
  for (const key of ['id', 'recipient', 'tenant', 'campaign', 'queue'] as const) if (c[key] !== null) out[key] = c[key];
  if (Object.keys(c.meta).length > 0) out['meta'] = c.meta;
  return out;
}

/** Fingerprints of the systems whose bounces we know: headers, fields, fixed sentences. */
function detectReporter(mime: MimeMessage, reportingMta: string | null, dsnFields: Set<string>): Reporter {
  const from = mime.from ?? '';
  const mta = (reportingMta ?? '').toLowerCase();
  const has = (name: string) => headerValues(mime, name).length > 0;
  if (from.endsWith('@amazonses.com') || mta.endsWith('amazonses.com')) return 'ses';
  if (from.endsWith('@googlemail.com') || from.endsWith('@google.com') || mta === 'googlemail.com' || mta.endsWith('.google.com')) return 'gmail';
  if (/\b(?:yahoo|aol)\.com$/.test(from) || /Sorry, we were unable to deliver your message/i.test(mime.text)) return 'yahoo';
  if (mta.endsWith('.outlook.com') || has('x-ms-exchange-message-is-ndr') || /Delivery has failed to these recipients/i.test(mime.text)) return 'exchange';
  if (dsnFields.has('x-postfix-queue-id') || /This is the mail system at host/i.test(mime.text)) return 'postfix';
  if (has('x-failed-recipients') || /This message was created automatically by mail delivery software/i.test(mime.text)) return 'exim';
  if (/This is the qmail-send program/i.test(mime.text)) return 'qmail';
  if (/Transcript of session follows|The following addresses had (?:permanent|transient)/i.test(mime.text)) return 'sendmail';
  return 'unknown';
}

/**
 * DSN fields pasted or saved on their own ("Reporting-MTA: …⏎Final-Recipient: …⏎Action: failed"):
 * they read as a header block, so the header block is the report.
 */
function pastedDeliveryStatus(mime: MimeMessage): string | null {
  const names = new Set(mime.headerLines.map((h) => h.key));
  if (!names.has('final-recipient') || !(names.has('action') || names.has('status'))) return null;
  return mime.headerLines.map((h) => h.line).join('\n');
}

/** For plain-text bounces: the host named in the sender's address (MAILER-DAEMON@host). */
function reportingHost(mime: MimeMessage): string | null {
  return mime.from?.split('@')[1] ?? null;
}

/** Bounces also say "auto-replied"; one we could not read must not pass as an out-of-office. */
function looksLikeBounce(mime: MimeMessage): boolean {
  return /undeliver|delivery status|delivery fail|failure notice|returned mail|could not be delivered|mailer-daemon|postmaster@/i
    .test(`${mime.subject}\n${mime.from ?? ''}`);
}

function isReportMessage(mime: MimeMessage): boolean {
  return headerValues(mime, 'content-type').some((v) => /multipart\/report/i.test(v));
}

/** An automatic reply, unless its text reads as a delivery failure (some bounces say "auto-replied"). */
function autoReply(mime: MimeMessage, body: string, failedHeaders: readonly string[]): boolean {
  return isAutoReply(mime) && !looksLikeBounce(mime) && !failureText({ text: body, subject: mime.subject, from: mime.from, failedHeaders });
}

function isAutoReply(mime: MimeMessage): boolean {
  // A mail client's one-click unsubscribe (a List-Unsubscribe mailto:) marks itself auto-replied
  // too (Apple Mail); it asks to leave a list and is not a reply to read.
  if (/^\s*unsubscribe\b/i.test(mime.subject)) return false;
  const auto = headerValues(mime, 'auto-submitted').some((v) => /^auto-replied/i.test(v));
  const vendor = ['x-autoreply', 'x-autorespond', 'x-autoresponse'].some((h) => headerValues(mime, h).length > 0);
  const precedence = headerValues(mime, 'precedence').some((v) => /auto_reply/i.test(v));
  const subject = /^(?:AUTO:|Auto(?:matic)?[ -]?(?:reply|response|antwort)|Automatische Antwort|Abwesenheitsnotiz|R[ée]ponse automatique|Respuesta autom[aá]tica|Resposta autom[aá]tica|Risposta automatica|Automatisch antwoord|Automatyczna odpowied[zź]|Автоответ|Автоматический ответ|自動(?:返信|応答)|自动回复|自動回覆)|\b(?:is )?out of (?:the )?office\b|\bon (?:vacation|holiday|annual leave)\b|\baway from (?:the |my )?office\b/i.test(mime.subject);
  return auto || vendor || precedence || subject;
}
