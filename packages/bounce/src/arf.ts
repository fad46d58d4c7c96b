import { addressValue, dateValue, field, fields, hostValue, parseFieldGroups, typedValue } from './fields.js';
import type { FeedbackReportData } from './types.js';

const KNOWN = new Set([
  'feedback-type', 'user-agent', 'version', 'arrival-date', 'received-date', 'incidents', 'original-envelope-id',
  'original-mail-from', 'reporting-mta', 'source-ip', 'authentication-results', 'original-rcpt-to',
  'reported-domain', 'reported-uri',
]);

/**
 * Parses a `message/feedback-report` body (RFC 5965) into KumoMTA's `feedback_report` shape.
 * Unknown fields land in `extensions` under their lower-cased names. `Received-Date` (used by
 * some older generators) stands in for `Arrival-Date`.
 */
export function parseFeedbackReport(text: string, originalMessage: string | null): FeedbackReportData {
  const group = parseFieldGroups(text)[0] ?? new Map<string, string[]>();
  const extensions: Record<string, string[]> = {};
  for (const [name, values] of group) if (!KNOWN.has(name)) extensions[name] = values;
  const reporting = typedValue(field(group, 'reporting-mta'));
  const incidents = Number.parseInt(field(group, 'incidents') ?? '', 10);
  return {
    feedback_type: (field(group, 'feedback-type') ?? 'other').toLowerCase(),
    user_agent: field(group, 'user-agent'),
    version: field(group, 'version'),
    arrival_date: dateValue(field(group, 'arrival-date') ?? field(group, 'received-date')),
    incidents: Number.isNaN(incidents) ? null : incidents,
    original_envelope_id: field(group, 'original-envelope-id'),
    original_mail_from: addressValue(field(group, 'original-mail-from')),
    reporting_mta: reporting ? { mta_type: reporting.type, name: hostValue(field(group, 'reporting-mta'))?.name ?? reporting.value } : null,
    source_ip: field(group, 'source-ip'),
    authentication_results: fields(group, 'authentication-results'),
    original_rcpto_to: fields(group, 'original-rcpt-to').map((v) => addressValue(v) ?? v),
    reported_domain: fields(group, 'reported-domain'),
    reported_uri: fields(group, 'reported-uri'),
    extensions,
    original_message: originalMessage,
    supplemental_trace: null,
  };
}
