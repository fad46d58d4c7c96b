import { SmtpReplyError, toMtaKitError } from '../errors.js';

/** An error smtp-server turns into a reply; the text starts with the enhanced code (see server.ts). */
export function replyError(code: number, enhanced: string, text: string): Error {
  const err = new Error(`${enhanced} ${text}`) as Error & { responseCode: number };
  err.responseCode = code;
  return err;
}

/** Hook errors become replies: SmtpReplyError as given, anything else as a temporary failure. */
export function asReply(error: unknown, fallbackCode: number, fallbackEnhanced: string): Error {
  if (error instanceof SmtpReplyError) {
    const esc = error.enhanced ? `${error.enhanced.class}.${error.enhanced.subject}.${error.enhanced.detail}` : `${String(error.basic)[0]}.0.0`;
    return replyError(error.basic, esc, error.text);
  }
  if (error instanceof Error && typeof (error as { responseCode?: unknown }).responseCode === 'number') return error;
  const e = toMtaKitError(error);
  const temporary = fallbackCode >= 500 ? 451 : fallbackCode;
  return replyError(temporary, temporary === 451 ? '4.3.0' : fallbackEnhanced, `Local error, try again later (${e.code})`);
}
