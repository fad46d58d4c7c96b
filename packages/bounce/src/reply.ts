import type { EnhancedStatusCode, SmtpResponse } from '@mtakit/core';

// Some MTAs put the host before the reply they quote ("smtp;host mx.example:25 says:⏎ 550 …", Exim's "host mx.example [192.0.2.1]: 451 …").
const HEAD = /^(?:smtp\s*;\s*)?(?:(?:remote )?host \S+(?: \[[^\]]+\])?(?: says| said)?:\s*)?([2-5]\d\d)(?:[ -]|:\s*|$)(?:([245])\.(\d{1,3})\.(\d{1,3})(?:\s+|$))?/i;

/**
 * Parses a reply as people copy it (`"550 5.1.1 user unknown"`), as a server sends it over
 * several lines (`550-5.1.1 …\r\n550 5.1.1 …`), or as a bounce quotes it (`smtp; 550-5.1.1 …`,
 * folded, with the continuation prefixes repeated inside the text). Continuation prefixes are
 * removed and whitespace is collapsed, so the result renders to the same one-line form the
 * remote server's reply would have. Returns null when the text does not start with a reply code.
 */
export function parseReplyText(text: string): SmtpResponse | null {
  const trimmed = text.trim();
  const head = HEAD.exec(trimmed);
  if (!head) return null;
  const code = head[1] as string;
  const enhanced: EnhancedStatusCode | null = head[2]
    ? { class: Number(head[2]), subject: Number(head[3]), detail: Number(head[4]) }
    : null;
  const esc = enhanced ? `${enhanced.class}\\.${enhanced.subject}\\.${enhanced.detail}` : '';
  // A repeated "550-5.1.1 " / "550 5.1.1 " / "550-" prefix starts each continuation line.
  const prefix = new RegExp(`(?:^|\\s)${code}(?:[ -]${esc ? `${esc}(?=\\s|$)` : ''}|-)`, 'g');
  const content = trimmed
    .slice(head[0].length)
    .replace(prefix, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { code: Number(code), enhanced_code: enhanced, content, command: null };
}
