import { defaultBounceClassifier, type BounceClassifier } from '../classifier.js';
import { parseReplyText } from '../reply.js';
import { MtaKitError, parseEnhancedCode } from '@mtakit/core';
import { toEntry, type SuppressionEntry } from './entry.js';
import { csvRow, parseCsv } from './csv.js';
import { SuppressionPolicy } from './policy.js';

/**
 * CSV import and export of suppression lists, in three shapes:
 *
 * - `mtakit`: our columns, `recipient,tenant,reason,category,source_type,source_id,created,expires,note`
 *   (times as RFC 3339 on export; RFC 3339, Unix seconds or Unix ms on import; empty tenant = global,
 *   empty expires = never);
 * - `pmta`: PowerMTA accounting files (`type,timeLogged,orig,rcpt,…,dsnStatus,dsnDiag,…,bounceCat`,
 *   any subset and order, as its `record-fields` allow): `b`/`rb` bounce records in an address
 *   category (bad-mailbox, bad-domain, inactive-mailbox; records without a usable bounceCat are
 *   classified from dsnStatus/dsnDiag) and `f` feedback-loop records are imported; the rest are skipped;
 * - `lines`: one address per line (PowerMTA-style suppression files and most ESP exports),
 *   with or without a one-column header.
 */
export type SuppressionCsvFormat = 'mtakit' | 'pmta' | 'lines';

export const MTAKIT_COLUMNS = ['recipient', 'tenant', 'reason', 'category', 'source_type', 'source_id', 'created', 'expires', 'note'] as const;
export const PMTA_EXPORT_COLUMNS = ['type', 'timeLogged', 'orig', 'rcpt', 'dsnStatus', 'dsnDiag', 'bounceCat', 'feedbackType'] as const;

/** PowerMTA's bounce categories and KumoMTA's names for them. */
export const PMTA_BOUNCE_CATEGORIES: Readonly<Record<string, string>> = {
  'bad-mailbox': 'InvalidRecipient',
  'bad-domain': 'BadDomain',
  'inactive-mailbox': 'InactiveMailbox',
  'quota-issues': 'QuotaIssues',
  'bad-configuration': 'BadConfiguration',
  'bad-connection': 'BadConnection',
  'content-related': 'ContentRelated',
  'invalid-sender': 'InvalidSender',
  'message-expired': 'MessageExpired',
  'no-answer-from-host': 'NoAnswerFromHost',
  'policy-related': 'PolicyRelated',
  'protocol-errors': 'ProtocolErrors',
  'relaying-issues': 'RelayingIssues',
  'routing-errors': 'RoutingErrors',
  'spam-related': 'SpamRelated',
  'virus-related': 'VirusRelated',
};

export interface ImportOptions {
  /** Default: detected from the header row. */
  format?: SuppressionCsvFormat;
  /** Scope of rows that name none (every `pmta` and `lines` row). Default: global. */
  tenant?: string | null;
  /** Reason of `lines` rows. Default `manual`. */
  reason?: SuppressionEntry['reason'];
  /** Which PowerMTA categories suppress, and the expiry of imported entries. Default policy. */
  policy?: SuppressionPolicy;
  /** Classifies PowerMTA rows without a usable bounceCat. Default: the built-in classifier. */
  classifier?: BounceClassifier;
  /** Unix ms for rows without a time. */
  now: number;
}

export interface ImportResult {
  format: SuppressionCsvFormat;
  entries: SuppressionEntry[];
  /** Rows not imported, with why (row 1 is the file's first record, the header if it has one). */
  skipped: Array<{ row: number; reason: string }>;
}

/** Reads a suppression CSV; rows that cannot be used are skipped with a reason, never fatal. */
export function importSuppressionCsv(text: string, options: ImportOptions): ImportResult {
  const rows = parseCsv(text);
  const header = (rows[0] ?? []).map((h) => h.trim());
  const format = options.format ?? detectFormat(header);
  const hasHeader = format !== 'lines' || (header.length === 1 && !(header[0] ?? '').includes('@'));
  const columns = new Map(header.map((h, i) => [h.toLowerCase(), i]));
  // Column names are matched case-insensitively; each name is looked up once, not once per row.
  const positions = new Map<string, number | undefined>();
  const position = (name: string): number | undefined => {
    if (!positions.has(name)) positions.set(name, columns.get(name.toLowerCase()));
    return positions.get(name);
  };
  const policy = options.policy ?? new SuppressionPolicy();
  const result: ImportResult = { format, entries: [], skipped: [] };
  const read = format === 'mtakit' ? mtakitRow : format === 'pmta' ? pmtaRow : linesRow;
  let row: string[] = [];
  const field = (name: string): string => {
    const at = position(name);
    return at === undefined ? '' : (row[at] ?? '').trim();
  };
  for (let i = hasHeader ? 1 : 0; i < rows.length; i++) {
    row = rows[i] as string[];
    try {
      const entry = read(row, field, options, policy);
      if (typeof entry === 'string') result.skipped.push({ row: i + 1, reason: entry });
      else result.entries.push(entry);
    } catch (error) {
      result.skipped.push({ row: i + 1, reason: (error as Error).message });
    }
  }
  return result;
}

function detectFormat(header: readonly string[]): SuppressionCsvFormat {
  const names = new Set(header.map((h) => h.toLowerCase()));
  if (names.has('recipient') && header.length > 1) return 'mtakit';
  if (names.has('rcpt') && names.has('type')) return 'pmta';
  return 'lines';
}

type RowReader = (row: string[], field: (name: string) => string, options: ImportOptions, policy: SuppressionPolicy) => SuppressionEntry | string;

const mtakitRow: RowReader = (_row, field, options) => {
  const expires = field('expires');
  return toEntry({
    recipient: field('recipient'),
    tenant: field('tenant') || options.tenant || null,
    reason: (field('reason') || 'manual') as SuppressionEntry['reason'],
    category: field('category'),
    source_type: field('source_type') || 'import',
    source_id: field('source_id'),
    created: parseTime(field('created')) ?? options.now,
    expires: expires === '' ? null : requireTime(expires, 'expires'),
    note: field('note'),
  }, options.now);
};

const linesRow: RowReader = (row, _field, options, policy) => {
  const reason = options.reason ?? 'manual';
  return toEntry({
    recipient: row[0] ?? '', tenant: options.tenant ?? null, reason, source_type: 'import',
    created: options.now, expires: policy.expiresFor(reason, options.now),
  }, options.now);
};

const pmtaRow: RowReader = (_row, field, options, policy) => {
  const type = field('type').toLowerCase();
  const created = parseTime(field('timeLogged')) ?? options.now;
  const common = { recipient: field('rcpt'), tenant: options.tenant ?? null, source_type: 'import', created };
  if (type === 'f' || type === 'feedback') {
    const feedbackType = (field('feedbackType') || field('feedback-type') || 'abuse').toLowerCase();
    const reason = feedbackType === 'opt-out' || feedbackType === 'unsubscribe' ? 'unsubscribe' : 'complaint';
    return toEntry({ ...common, reason, category: reason === 'complaint' ? 'SpamRelated' : 'Unsubscribe', expires: policy.expiresFor(reason, created), note: `feedback-type ${feedbackType}` }, options.now);
  }
  if (type !== 'b' && type !== 'bounce' && type !== 'rb') return `record type "${field('type')}" is not a bounce or feedback record`;
  const diag = field('dsnDiag');
  const category = PMTA_BOUNCE_CATEGORIES[field('bounceCat').toLowerCase()] ?? classifyDiagnostic(diag, field('dsnStatus'), options.classifier);
  if (!policy.hardCategories.has(category)) return `bounce category ${category} is not about the address`;
  return toEntry({ ...common, reason: 'bounce', category, expires: policy.expiresFor('bounce', created), note: diag.replace(/^smtp;\s*/i, '') }, options.now);
};

/** The category of a PowerMTA row without a usable bounceCat, from its diagnostic and status. */
function classifyDiagnostic(diag: string, status: string, classifier: BounceClassifier = defaultBounceClassifier()): string {
  const response = parseReplyText(diag)
    ?? parseReplyText(`${status.startsWith('4') ? 451 : 550} ${parseEnhancedCode(status) ? `${status} ` : ''}${diag.replace(/^\w+;\s*/, '')}`);
  return response ? classifier.classify(response).category : 'Uncategorized';
}

/** RFC 3339, PowerMTA's `yyyy-mm-dd hh:mm:ss-zzzz`, Unix seconds or Unix ms; undefined when empty. */
export function parseTime(text: string): number | undefined {
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n < 1e11 ? Math.round(n * 1000) : n;
  }
  const iso = text.replace(/^(\d{4}-\d\d-\d\d) (\d)/, '$1T$2').replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new MtaKitError('E_MESSAGE', `time ${JSON.stringify(text)} is not RFC 3339, "yyyy-mm-dd hh:mm:ss-zzzz" or Unix seconds`);
  return t;
}

function requireTime(text: string, name: string): number {
  const t = parseTime(text);
  if (t === undefined) throw new MtaKitError('E_MESSAGE', `${name} is empty`);
  return t;
}

/** Renders entries as CSV in our columns or PowerMTA's (see the module comment). */
export function exportSuppressionCsv(entries: Iterable<SuppressionEntry>, format: 'mtakit' | 'pmta' = 'mtakit'): string {
  const out: string[] = [csvRow(format === 'mtakit' ? MTAKIT_COLUMNS : PMTA_EXPORT_COLUMNS)];
  for (const e of entries) out.push(format === 'mtakit' ? mtakitLine(e) : pmtaLine(e));
  return out.join('');
}

export function mtakitLine(e: SuppressionEntry): string {
  return csvRow([e.recipient, e.tenant ?? '', e.reason, e.category, e.source_type, e.source_id,
    new Date(e.created).toISOString(), e.expires === null ? '' : new Date(e.expires).toISOString(), e.note]);
}

const PMTA_CATEGORY_OF = new Map(Object.entries(PMTA_BOUNCE_CATEGORIES).map(([pmta, kumo]) => [kumo, pmta]));

export function pmtaLine(e: SuppressionEntry): string {
  const feedback = e.reason === 'complaint' || e.reason === 'unsubscribe';
  const status = /^\d{3} ([245]\.\d{1,3}\.\d{1,3}) /.exec(e.note)?.[1] ?? (feedback ? '' : '5.0.0');
  return csvRow([feedback ? 'f' : 'b', pmtaTime(e.created), '', e.recipient, status,
    feedback || e.note === '' ? '' : `smtp;${e.note}`, PMTA_CATEGORY_OF.get(e.category) ?? (feedback ? '' : 'other'),
    e.reason === 'complaint' ? 'abuse' : e.reason === 'unsubscribe' ? 'opt-out' : '']);
}

/** PowerMTA's default time format, in UTC: `2026-01-15 14:23:11+0000`. */
function pmtaTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+0000`;
}
