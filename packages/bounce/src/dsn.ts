import { parseEnhancedCode, type SmtpResponse } from '@mtakit/core';
import { addressValue, dateValue, field, hostValue, parseFieldGroups, typedValue, type FieldGroup } from './fields.js';
import { parseReplyText } from './reply.js';
import type { DsnRecipient } from './types.js';

/** Per-message fields of an RFC 3464 report. */
export interface DsnMessageFields {
  reporting_mta: string | null;
  arrival_date: string | null;
  original_envelope_id: string | null;
  /** Extension fields that identify the reporting MTA (X-Postfix-Queue-ID…), lower-cased names. */
  names: Set<string>;
}

/**
 * Parses a `message/delivery-status` body: the first field group describes the message, each
 * later group one recipient. Reporters that put everything in one group are handled too.
 */
export function parseDeliveryStatus(text: string): { message: DsnMessageFields; recipients: DsnRecipient[] } {
  const groups = parseFieldGroups(text);
  // Courier before 0.11 wrote "Final-Receipient"; Sendmail's X-Actual-Recipient stands in when a
  // report lost its Final-Recipient.
  const finalRecipient = (g: FieldGroup) => field(g, 'final-recipient') ?? field(g, 'final-receipient') ?? field(g, 'x-actual-recipient');
  const isRecipient = (g: FieldGroup) => finalRecipient(g) !== null || g.has('original-recipient');
  const messageGroup = groups.find((g) => !isRecipient(g)) ?? groups[0] ?? new Map();
  const message: DsnMessageFields = {
    reporting_mta: hostValue(field(messageGroup, 'reporting-mta'))?.name ?? null,
    arrival_date: dateValue(field(messageGroup, 'arrival-date')),
    original_envelope_id: typedValue(field(messageGroup, 'original-envelope-id'))?.value ?? null,
    names: new Set(groups.flatMap((g) => [...g.keys()])),
  };
  const recipients = groups.filter(isRecipient).flatMap((g): DsnRecipient[] => {
    const recipient = addressValue(finalRecipient(g)) ?? addressValue(field(g, 'original-recipient'));
    if (!recipient) return [];
    const remote = hostValue(field(g, 'remote-mta'));
    const status = statusValue(field(g, 'status'));
    return [
      buildRecipient({
        recipient,
        original_recipient: addressValue(field(g, 'original-recipient')),
        action: (field(g, 'action') ?? '').toLowerCase().split(/[\s(]/, 1)[0] || (status?.startsWith('4') ? 'delayed' : 'failed'),
        status,
        diagnostic_code: field(g, 'diagnostic-code'),
        remote_mta: remote?.name ?? null,
        remote_mta_addr: remote?.addr ?? null,
        last_attempt_date: dateValue(field(g, 'last-attempt-date')),
      }),
    ];
  });
  return { message, recipients };
}

export type RecipientFields = Omit<DsnRecipient, 'response'>;

export function buildRecipient(fields: RecipientFields): DsnRecipient {
  return { ...fields, response: responseFor(fields) };
}

/** "5.1.1 (bad destination mailbox address)" → "5.1.1"; anything that is not a status → null. */
export function statusValue(value: string | null): string | null {
  const code = value?.trim().split(/\s/, 1)[0] ?? '';
  return parseEnhancedCode(code) ? code : null;
}

/**
 * Rebuilds the remote reply from a report: an SMTP diagnostic as it was sent (with the Status
 * supplying the enhanced code when the reply had none); otherwise a reply code implied by the
 * status class (550 / 451 / 250) or the action, with the diagnostic text as content.
 */
export function responseFor(r: Pick<DsnRecipient, 'diagnostic_code' | 'status' | 'action'>): SmtpResponse {
  const status = r.status ? parseEnhancedCode(r.status) ?? null : null;
  const typed = typedValue(r.diagnostic_code);
  const reply = typed && (typed.type === null || typed.type === 'smtp') ? parseReplyText(typed.value) : null;
  if (reply) return { ...reply, enhanced_code: reply.enhanced_code ?? status };
  const cls = status?.class ?? (r.action === 'delayed' ? 4 : r.action === 'failed' ? 5 : 2);
  return {
    code: cls === 5 ? 550 : cls === 4 ? 451 : 250,
    enhanced_code: status,
    content: typed?.value.replace(/\s+/g, ' ') ?? '',
    command: null,
  };
}
