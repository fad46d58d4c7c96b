import { MtaKitError, SmtpReplyError, toMtaKitError } from '../errors.js';

/** A refusal as smtp-server sends it: `responseCode`, and a message starting with the enhanced code (see server.ts). */
export class ListenerReplyError extends MtaKitError {
  constructor(readonly responseCode: number, enhanced: string, text: string) {
    super('E_SMTP_REPLY', `${enhanced} ${text}`);
    this.name = 'ListenerReplyError';
  }
}

/** An error smtp-server turns into a reply. */
export function replyError(code: number, enhanced: string, text: string): Error {
  return new ListenerReplyError(code, enhanced, text);
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
