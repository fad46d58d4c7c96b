import { formatEnhancedCode } from '@mtakit/core';
import { buildRecipient, statusValue } from './dsn.js';
import type { PlainTextResult } from './plaintext.js';
import { parseReplyText } from './reply.js';
import type { DsnRecipient } from './types.js';

/**
 * The fallback behind the RFC 3464 reader and the per-format extractors: any bounce, in any
 * wording, yields its failed recipients. It reads the human-readable text (the quoted original
 * already cut off) for addresses, SMTP replies (`550 5.1.1 …`), enhanced codes and the sentence
 * that explains the failure, and falls back on the X-Failed-Recipients header or the returned
 * message's To when the text names nobody. Only what already looks like a bounce (by subject,
 * sender, headers or a failure sentence) is read, so ordinary mail is never taken for one.
 */
export interface GenericInput {
  /** Text of the report, before any quoted original. */
  text: string;
  subject: string;
  /** Sender of the report (lower-cased). */
  from: string | null;
  /** X-Failed-Recipients and similar header values. */
  failedHeaders: readonly string[];
  /** Addresses that are not recipients: the original sender, the report's own addresses. */
  exclude: readonly string[];
  /** The message says it is a delivery report (multipart/report, a delivery-status part). */
  report: boolean;
  /** The returned message's To, when the report carries it. */
  originalTo: string | null;
  /**
   * Addresses of the returned message's headers (From, To, Cc…). Taken only when nothing else
   * is named: a list's bounce names the list in its text, and the subscriber who failed elsewhere.
   */
  originalAddresses: readonly string[];
}

const ADDRESS = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;

/** Subjects and senders of delivery reports, in the languages bounces come in. */
const BOUNCE_SUBJECT = /undeliver|(?:could|can) ?not be delivered|non-?delivery|mail failed|returning (?:mail )?to sender|undelivered|not (?:been )?delivered|delivery (?:status|fail|notification|problem|report|error)|failure notice|failed delivery|delivery has failed|returned mail|returned to sender|mail delivery|nondeliverable|non-deliverable|non remis|non recapitabile|unzustellbar|nicht zugestellt|no entregado|no se pudo entregar|onbestelbaar|niedoręczon|недоставлен|не доставлено|配信|送信できません|エラー|退信|mail system error|mail error|message error|delivery failure|could not send|warning: could not|reject(?:ed|ing) (?:your )?(?:mail|message)|rejected|bounce|受け取ることが(?:出来|でき)ません|user unknown|nondelivery|ndr\b|mail status|退信|退回|失败|無法|无法|未能/i;
const BOUNCE_FROM = /^(?:mailer-daemon|postmaster|mail-daemon|mailer|mail\.?delivery|maildelivery|bounce|bounces|mdaemon|smtp|ndr|no-?reply|microsoftexchange\w*|mailadmin|mail-?system|notifications?)@|mailer-daemon|postmaster/i;
/** Sentences that say a message was not delivered (enough on their own, for body-only reports). */
const FAILURE_SENTENCE = /failed because|did not reach|not reach the following|returned because|encountered an error|did not (?:exactly )?match|intended recipient|addressed to|could not be delivered|couldn't be delivered|was not delivered|wasn't delivered|not be delivered|undeliverable|delivery (?:has )?failed|failed to deliver|permanent(?:ly)? (?:error|fatal|failure)|fatal errors?|unable to deliver|cannot be delivered|can't be delivered|delivery to the following recipients? failed|following (?:address|recipient)(?:e?s|\(es\))? (?:failed|had)|message (?:was |has been )?(?:rejected|returned|bounced|blocked)|returned to sender|no such (?:user|recipient|mailbox)|user unknown|unknown host|rejected due to|mailbox quota|exceeding (?:their|its|the) quota|unknown user|does not exist|mailbox (?:unavailable|full|is full)|not (?:yet )?been delivered|delivery (?:is )?delayed|will (?:continue to )?(?:retry|try)|relaying denied|could not deliver|unable to relay|host unknown|giving up|i'm afraid i wasn't able|may not have permission to post|tried to deliver your message|(?:it|message) was rejected by the (?:server|recipient)|error that the (?:other )?server returned|error has occurred while attempting to deliver|your message is being returned|sorry, we were unable|no mailbox here|account (?:is )?(?:disabled|inactive|suspended)|over ?quota|quota exceeded|spam|blocked|blacklist|denied|zugestellt|non (?:è stato|e' stato) consegnato|n'a pas pu être|n'a pas été|no ha podido|nie może|送信|届きません|宛先|(?:受け取る|お届けする)ことが(?:出来|でき)ません/i;
/** Words of a reason line that is not itself a failure sentence ("The recipient name is not recognized"). */
const REASON_WORDS = /原因|理由|\b(?:reason|cause)\s*:|超過|制限|容量|存在しません|見つかりません|登録されていません|不一致|\b(?:unknown|failed|syntax|connection|network error|not registered|(?:wasn't|was not|couldn't be|could not be) found|isn't on the list|only accepts messages|conversation|not accepted|not enough|not accepting|not known|does(?:n't| not) have|looping|(?:PERM|TEMP)_FAILURE|exceed(?:s|ed)|not listed|not recogni[sz]ed|not found|(?:does|may) not exist|not have permission|invalid|disabled|inactive|quota|full|blocked|denied|refused|rejected|spam|relay|expired|timed? ?out|unreachable|unrouteable)\b/i;
const REPLY = /(?:^|[^\d.\w-])([45][0-5]\d)(?:[ -]|:\s*)(?:([245]\.\d{1,3}\.\d{1,3})\s+)?([^\n]{3,})/;
const ENHANCED = /(?:^|[^\d.])([45]\.\d{1,3}\.\d{1,3})(?![\d.]*\d)/;
const DELAYED = /not (?:yet )?been delivered|\bpostponed\b|will (?:continue to )?(?:retry|try again)|delivery (?:is |has been )?delayed|delay(?:ed)? notification|warning: message|still trying|temporar(?:y|ily) (?:failure|problem|error|unavailable)|will be retried/i;
/** Google Groups names the group it refused, not an address (see groupAddress). */
const GROUP_NOTICE = /group you tried to contact\s*\(([^()\s@]+)\)/i;
/** Mailing-list and robot addresses: a bounce names them as the original's destination, not as the failed recipient. */
const LIST_MACHINERY = /^[^@]*-(?:bounces?|request|admin|owner|errors?|return|unsubscribe|subscribe)(?:[+-][^@]*)?@|^(?:owner|bounce|return)-[^@]*@/i;
const LIST_FIELD = /^\s*(?:x-beenthere|list-(?:post|id|owner|help|subscribe|unsubscribe|archive)|mailing-list|x-mailing-list)\s*:/i;
/** Lines that carry addresses which are not recipients. */
const HEADER_LINE = /^\s*(?:message-id|references|in-reply-to|received|from|return-path|delivered-to|x-original-to|sender|reply-to|errors-to|x-[\w-]+|list-[\w-]+|dkim-signature|authentication-results|arc-[\w-]+|envelope-from|mail from|by|for|id)\s*[:=]/i;
const NOT_RECIPIENT_LINE = new RegExp(`^\\s*>|${HEADER_LINE.source}|https?:\\/\\/|mailto:|^\\s*(?:hello|hi|dear|hallo|bonjour)\\b[^@\\n]{0,40}@\\S+\\s*,?\\s*$|^\\s*(?:for (?:further )?(?:assistance|help|more))|(?:contact|write to|send mail to|e-?mail) (?:the |your )?(?:postmaster|administrator|support|helpdesk)`, 'i');

export function looksLikeBounce(input: Pick<GenericInput, 'text' | 'subject' | 'from' | 'failedHeaders'> & { report?: boolean }): boolean {
  if (input.failedHeaders.length > 0 || input.report) return true;
  if (BOUNCE_SUBJECT.test(input.subject) || (input.from !== null && BOUNCE_FROM.test(input.from))) return true;
  return input.subject === '' && input.from === null && FAILURE_SENTENCE.test(input.text.replace(/\s+/g, ' ')) && (REPLY.test(input.text) || ADDRESS.test(input.text) || GROUP_NOTICE.test(input.text));
}

export function genericBounce(input: GenericInput): PlainTextResult | null {
  if (!looksLikeBounce(input)) return null;
  const text = input.text.replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const addresses = candidateAddresses(lines, input);
  // "You'll be notified if the delivery fails permanently" is a delay notice's promise, not a failure.
  const delayed = DELAYED.test(text) && !/permanent|fatal|could not be delivered|undeliverable/i.test(text.replace(/\bif (?:the )?(?:delivery|message) fails permanently\b/gi, ''));
  const global = diagnosticIn(lines, 0, lines.length);
  const recipients: DsnRecipient[] = [];
  const seen = new Set<string>();
  const single = new Set(addresses.map((a) => a.address.toLowerCase())).size === 1;
  for (const { address, line } of addresses) {
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const local = line >= 0 ? diagnosticIn(lines, line, paragraphEnd(lines, line, address)) : null;
    recipients.push(recipientOf(address, chooseDiagnostic(local, global, single), delayed));
  }
  return recipients.length > 0 ? { format: 'generic', recipients } : null;
}

interface Diagnostic {
  reply: string | null;
  status: string | null;
  sentence: string | null;
}

/**
 * The recipient's own paragraph decides, unless it carries no reply and the report names a single
 * recipient: then the report's reply is that recipient's, however far below the address it is
 * (Gmail's "The error that the other server returned was:" comes five lines down).
 */
function chooseDiagnostic(local: Diagnostic | null, global: Diagnostic | null, single: boolean): Diagnostic | null {
  if (local?.reply) return local;
  if (single && global?.reply) return global;
  return local?.status || local?.sentence ? local : global;
}

function recipientOf(address: string, d: Diagnostic | null, delayed: boolean): DsnRecipient {
  const reply = d?.reply ? parseReplyText(d.reply) : null;
  const status = reply?.enhanced_code ? formatEnhancedCode(reply.enhanced_code) : statusValue(d?.status ?? null);
  const temporary = reply ? reply.code < 500 : status ? status.startsWith('4') : delayed;
  const sentence = d?.sentence ?? '';
  return buildRecipient({
    recipient: address,
    original_recipient: null,
    action: temporary ? 'delayed' : 'failed',
    status,
    diagnostic_code: reply && d?.reply ? `smtp; ${d.reply}` : `X-Generic; ${[status ?? '', sentence].join(' ').trim()}`,
    remote_mta: null,
    remote_mta_addr: null,
    last_attempt_date: null,
  });
}

/** Recipients in order of confidence: failed-recipient headers, addresses the text reports, the original To. */
function candidateAddresses(lines: readonly string[], input: GenericInput): { address: string; line: number }[] {
  const header = input.failedHeaders.flatMap((h) => h.match(ADDRESS) ?? []).map((address) => ({ address, line: -1 }));
  if (header.length > 0) {
    return header.map((h) => ({ address: h.address, line: lines.findIndex((l) => l.toLowerCase().includes(h.address.toLowerCase())) }));
  }
  const excluded = new Set([...input.exclude, input.from ?? ''].flatMap((e) => e.match(ADDRESS) ?? []).map((e) => e.toLowerCase()));
  const strong: { address: string; line: number }[] = [];
  const weak: { address: string; line: number }[] = [];
  lines.forEach((line, i) => {
    if (NOT_RECIPIENT_LINE.test(line) || !line.includes('@')) return;
    let reported: boolean | undefined; // the lines around say "failed" or carry a reply: once per line
    for (const m of line.matchAll(ADDRESS)) {
      const address = m[0].replace(/^(?:smtp|rfc822)[=:]/i, '').replace(/^[.'=]+|[.']+$/g, '');
      const lower = address.toLowerCase();
      // "not accepting mail from <sender>": the address after "from" is the sender's.
      if (/(?<!expanded )\bfrom:?\s*<?$/i.test(line.slice(0, m.index))) continue;
      if (excluded.has(lower) || /^(?:mailer-daemon|postmaster|mail-daemon|no-?reply)@/i.test(lower) || /\.(?:png|gif|jpe?g)$/i.test(lower)) continue;
      const alone = /^\s*(?:[-*•]\s*)?(?:rcpt to:|to:|(?:intended |failed )?recipient(?:\(s\))?:|address:|original-recipient:|final-recipient:|rfc822;)?\s*<?[^\s<>]+>?:?\s*(?:\([^)]*\))?\s*$/i.test(line);
      if (!alone && reported === undefined) {
        const context = `${lines[i - 2] ?? ''} ${lines[i - 1] ?? ''} ${line} ${lines[i + 1] ?? ''} ${lines[i + 2] ?? ''}`;
        reported = REPLY.test(context) || FAILURE_SENTENCE.test(context);
      }
      (alone || reported ? strong : weak).push({ address, line: i });
    }
  });
  // The list a returned message went through (its X-BeenThere, List-Post… fields, wherever they are
  // quoted) is where the message was addressed, not who failed.
  const listFields = lines.filter((l) => LIST_FIELD.test(l));
  const secondary = new Set([...input.originalAddresses, ...listFields].flatMap((e) => e.match(ADDRESS) ?? []).map((e) => e.toLowerCase()));
  const primary = (list: typeof strong) => list.filter((c) => !secondary.has(c.address.toLowerCase()) && !LIST_MACHINERY.test(c.address));
  const strongFirst = primary(strong);
  if (strongFirst.length > 0) return strongFirst;
  const weakFirst = primary(weak);
  if (weakFirst.length > 0 && weakFirst.length <= 3) return weakFirst;
  if (strong.length > 0) return strong;
  if (weak.length > 0 && weak.length <= 3) return weak;
  const bare = bareLocalParts(lines, input.from);
  if (bare.length > 0) return bare;
  const group = groupAddress(lines);
  if (group) return [group];
  const to = input.originalTo?.match(ADDRESS) ?? [];
  return to.slice(0, 1).map((address) => ({ address, line: -1 }));
}

/**
 * Some providers (AOL, a few gateways) list failed recipients by local part only, under a
 * "following recipients" line: the domain is the reporting host's.
 */
function bareLocalParts(lines: readonly string[], from: string | null): { address: string; line: number }[] {
  const domain = from?.split('@')[1]?.replace(/^(?:mail|mx|smtp|mta)\d*\./i, '');
  const start = lines.findIndex((l) => /following (?:recipients?|addresses|users?)/i.test(l));
  if (!domain || start < 0) return [];
  const out: { address: string; line: number }[] = [];
  for (let i = start + 1; i < Math.min(lines.length, start + 12); i++) {
    const m = /^\s+([A-Za-z0-9._+-]{1,64})\s*$/.exec(lines[i] ?? '');
    if (m) out.push({ address: `${m[1]}@${domain}`, line: i });
    else if (out.length > 0 && (lines[i] ?? '').trim() !== '') break;
  }
  return out;
}

/**
 * Google Groups' refusal names the group only by name ("the group you tried to contact (security)");
 * its domain is in the help-center link (`support.google.com/a/<domain>/`), else googlegroups.com.
 */
function groupAddress(lines: readonly string[]): { address: string; line: number } | null {
  const line = lines.findIndex((l) => /group you tried to contact\s*$|group you tried to contact \(/i.test(l));
  if (line < 0) return null;
  const text = lines.slice(line, line + 12).join(' ');
  const name = GROUP_NOTICE.exec(text)?.[1];
  if (!name) return null;
  const domain = /support\.google\.com\/a\/([a-z0-9.-]+\.[a-z]{2,})\//i.exec(text)?.[1] ?? 'googlegroups.com';
  return { address: `${name}@${domain}`.toLowerCase(), line };
}

function paragraphEnd(lines: readonly string[], from: number, address: string): number {
  let end = from + 1;
  while (end < lines.length && end - from < 12 && (lines[end] ?? '').trim() !== '') end++;
  // The reason often follows the address after a blank line or two ("<rcpt>:\n\n550 …", Domino's
  // "because:\n\n  User … not listed"), unless the next recipient comes first.
  if (end - from < 3) {
    const limit = Math.min(lines.length, end + 5);
    // A reply may name another address (a contact, the sender): only a line that is not one starts the next recipient.
    const other = (line: string) => !REPLY.test(line) && (line.match(ADDRESS) ?? []).some((a) => a.toLowerCase() !== address.toLowerCase());
    while (end < limit && !other(lines[end] ?? '')) end++;
  }
  return end;
}

/** A sentence wrapped onto the next line ("… because the domain\nexample.com couldn't be found.") is read whole. */
function wrapped(lines: readonly string[], i: number, to: number): string {
  const line = (lines[i] ?? '').trim();
  const next = (lines[i + 1] ?? '').trim();
  return i + 1 < to && next !== '' && !/[.!?:;)]$/.test(line) && !REPLY.test(next) ? `${line} ${next}` : line;
}

function diagnosticIn(lines: readonly string[], from: number, to: number): Diagnostic | null {
  let reply: string | null = null;
  let status: string | null = null;
  const sentences: string[] = [];
  for (let i = from; i < to; i++) {
    const line = lines[i] ?? '';
    // Header lines carry no reason; a reply that points to a web page or a contact address does.
    if (HEADER_LINE.test(line)) continue;
    if (!reply) {
      const r = REPLY.exec(line);
      if (r && !/^\s*\d{1,3}\.\d/.test(r[3] ?? '')) {
        const continuation: string[] = [];
        for (let j = i + 1; j < Math.min(to, i + 6) && /^\s+\S|^[45]\d\d[ -]/.test(lines[j] ?? ''); j++) continuation.push((lines[j] ?? '').trim());
        reply = `${r[1]} ${r[2] ? `${r[2]} ` : ''}${[r[3] ?? '', ...continuation].join(' ')}`.replace(/\s+/g, ' ').trim();
      }
    }
    if (!status) status = ENHANCED.exec(line)?.[1] ?? null;
    // Several sentences: the classifier's most specific rule among them decides.
    if (sentences.length < 4 && (FAILURE_SENTENCE.test(line) || REASON_WORDS.test(line))) sentences.push(wrapped(lines, i, to));
  }
  const sentence = sentences.length > 0 ? sentences.join(' ') : null;
  return reply || status || sentence ? { reply, status, sentence } : null;
}
