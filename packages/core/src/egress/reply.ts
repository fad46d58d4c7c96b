import { parseEnhancedCode } from '../errors.js';
import { internalResponse, type SmtpResponse } from '../log/records.js';

/**
 * Splits a server reply ("250-first\r\n250 2.0.0 last", or one line) into code, enhanced status code
 * and text. Multi-line texts are joined with "\n"; the enhanced code is taken from the first line.
 */
export function parseReply(reply: string, command: string | null = null): SmtpResponse {
  const lines = reply.replace(/\r?\n$/, '').split(/\r?\n/);
  const code = Number(/^(\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  let enhanced: SmtpResponse['enhanced_code'] = null;
  const texts = lines.map((line, i) => {
    let text = line.replace(/^\d{3}[ -]?/, '');
    const m = /^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)/.exec(text);
    if (m) {
      if (i === 0) enhanced = parseEnhancedCode(m[1] as string) ?? null;
      text = text.slice(m[0].length);
    }
    return text;
  });
  return { code, enhanced_code: enhanced, content: texts.join('\n'), command };
}

/** The shape of errors raised by nodemailer's SMTP connection. */
export interface NodemailerError extends Error {
  code?: string;
  originalCode?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  recipient?: string;
}

/**
 * An SMTP-level reply for a failed client operation: the server's own reply when there was one,
 * otherwise a 4xx internal response naming what went wrong (connection, timeout, TLS).
 */
export function errorResponse(error: NodemailerError, host: string): SmtpResponse {
  if (error.response && error.responseCode) return parseReply(error.response, error.command ?? null);
  const what = error.message.replace(/: $/, '');
  if (isTlsFailure(error)) return internalResponse(451, '4.7.5', `TLS with ${host} failed: ${what}`);
  switch (error.code) {
    case 'ETIMEDOUT':
      return internalResponse(451, '4.4.2', `timed out talking to ${host}: ${what}`);
    default:
      return internalResponse(451, '4.4.1', `connection to ${host} failed: ${what}`);
  }
}

/** STARTTLS or certificate failures (nodemailer reports some as socket errors with a TLS cause). */
export function isTlsFailure(error: NodemailerError): boolean {
  return error.code === 'ETLS' || /CERT|SSL|TLS/.test(error.originalCode ?? '') || /certificate/i.test(error.message);
}
