import { ConfigError, INTERNAL_RESPONSE_PREFIX, responseLine, type LogRecord, type JsonValue } from '@mtakit/core';
import { normalizeRecipient, normalizeTenant, type SuppressionEntry, type SuppressionKey, type SuppressionReason } from './entry.js';

const DAY = 86_400_000;

/** Which inbound reports may change the list (anyone can send a bounce or a complaint). */
export type ReportTrust = 'any' | 'correlated' | 'verified';

export interface SuppressionPolicyOptions {
  /**
   * Categories whose hard bounces suppress at once: problems with the address itself. Default
   * InvalidRecipient, InactiveMailbox, BadDomain. Never put sender-side categories (SpamBlock,
   * AuthenticationFailed…) here: they say nothing about the recipient.
   */
  hardCategories?: readonly string[];
  /**
   * Categories counted as soft bounces: transient failures and delayed-DSN recipients in these
   * categories, and hard bounces in them that are not in `hardCategories`. Default QuotaIssues,
   * InvalidRecipient, InactiveMailbox, BadDomain (a 4xx "user unknown" is usually real).
   */
  softCategories?: readonly string[];
  /** Soft bounces of distinct messages that suppress the address. Default 3; 0 = never. */
  softCount?: number;
  /** The window they must fall in, ms. Default 7 days. */
  softWindowMs?: number;
  /** Entry lifetimes in ms; null = never expires. */
  ttl?: Partial<Record<SuppressionReason, number | null>>;
  /** Scope of bounce suppressions. Default `global`: a dead address is dead for every tenant. */
  bounceScope?: 'global' | 'tenant';
  /** Scope of complaints and opt-outs. Default `tenant`: the recipient objected to that sender. Global without a tenant. */
  feedbackScope?: 'global' | 'tenant';
  /**
   * Which OOB and Feedback records count: `correlated` (default) — tied to a message we sent by
   * trace header or VERP; `verified` — by a signed trace header that verified (needs the trace
   * secret on the listener); `any` — every parsed report.
   */
  trust?: ReportTrust;
}

/** What a log record means for the list. */
export type SuppressionDecision =
  | { action: 'suppress'; entry: SuppressionEntry }
  | {
      action: 'count-soft';
      key: SuppressionKey;
      messageId: string;
      at: number;
      windowMs: number;
      /** Suppress with `entry` once the count reaches this. */
      threshold: number;
      entry: SuppressionEntry;
    }
  | { action: 'none'; why: string };

/** Default lifetimes: a year for bounces, a month for soft bounces, forever for complaints and opt-outs (law in most places). */
export const DEFAULT_SUPPRESSION_TTL: Readonly<Record<SuppressionReason, number | null>> = {
  'bounce': 365 * DAY,
  'soft-bounce': 30 * DAY,
  'complaint': null,
  'unsubscribe': null,
  'manual': null,
};

export const DEFAULT_HARD_CATEGORIES: readonly string[] = ['InvalidRecipient', 'InactiveMailbox', 'BadDomain'];
export const DEFAULT_SOFT_CATEGORIES: readonly string[] = ['QuotaIssues', 'InvalidRecipient', 'InactiveMailbox', 'BadDomain'];

const COMPLAINT_TYPES = new Set(['abuse', 'fraud']);
const OPT_OUT_TYPES = new Set(['opt-out', 'unsubscribe']);

/**
 * Decides, from one log record, whether an address is suppressed now, gets one more soft bounce
 * counted, or is left alone. Pure: the record's own time is used, nothing is read or written.
 *
 * - `Bounce` (5xx at delivery) and failed `OOB` recipients in a hard category → suppress (`bounce`).
 * - `TransientFailure`, delayed `OOB` recipients, and hard bounces in a soft-only category → count.
 * - `Feedback`: abuse/fraud → `complaint`; opt-out → `unsubscribe`; other types → nothing.
 * - Replies mtakit made itself (expiry, admin bounces, suppression refusals) → nothing.
 */
export class SuppressionPolicy {
  readonly hardCategories: ReadonlySet<string>;
  readonly softCategories: ReadonlySet<string>;
  readonly softCount: number;
  readonly softWindowMs: number;
  readonly ttl: Readonly<Record<SuppressionReason, number | null>>;
  readonly bounceScope: 'global' | 'tenant';
  readonly feedbackScope: 'global' | 'tenant';
  readonly trust: ReportTrust;

  constructor(options: SuppressionPolicyOptions = {}) {
    this.hardCategories = new Set(options.hardCategories ?? DEFAULT_HARD_CATEGORIES);
    this.softCategories = new Set(options.softCategories ?? DEFAULT_SOFT_CATEGORIES);
    this.softCount = options.softCount ?? 3;
    if (!Number.isSafeInteger(this.softCount) || this.softCount < 0) throw new ConfigError('softCount', options.softCount, 'must be an integer >= 0');
    this.softWindowMs = options.softWindowMs ?? 7 * DAY;
    if (!(this.softWindowMs > 0)) throw new ConfigError('softWindowMs', options.softWindowMs, 'must be a positive number of ms');
    this.ttl = { ...DEFAULT_SUPPRESSION_TTL, ...options.ttl };
    this.bounceScope = options.bounceScope ?? 'global';
    this.feedbackScope = options.feedbackScope ?? 'tenant';
    this.trust = options.trust ?? 'correlated';
  }

  decide(record: LogRecord): SuppressionDecision {
    switch (record.type) {
      case 'Bounce':
        return this.#bounce(record, true);
      case 'TransientFailure':
        return this.#bounce(record, false);
      case 'OOB':
        return this.#oob(record);
      case 'Feedback':
        return this.#feedback(record);
      default:
        return { action: 'none', why: `${record.type} records do not affect the list` };
    }
  }

  /** The entry a reason would get now (for API additions and imports that leave out the expiry). */
  expiresFor(reason: SuppressionReason, from: number): number | null {
    const ttl = this.ttl[reason];
    return ttl === null ? null : from + ttl;
  }

  #bounce(record: LogRecord, hard: boolean): SuppressionDecision {
    if (record.response.content.startsWith(INTERNAL_RESPONSE_PREFIX)) return { action: 'none', why: 'mtakit made this reply itself' };
    const recipient = firstRecipient(record.recipient);
    if (!recipient) return { action: 'none', why: 'no recipient' };
    return this.#classified(record, recipient, hard, record.id);
  }

  #oob(record: LogRecord): SuppressionDecision {
    const oob = objectField(record.extra, 'oob');
    const action = typeof oob?.['action'] === 'string' ? oob['action'] : '';
    if (action !== 'failed' && action !== 'delayed') return { action: 'none', why: `OOB action "${action}" is not a failure` };
    const untrusted = this.#untrusted(record);
    if (untrusted) return { action: 'none', why: untrusted };
    const recipient = correlatedRecipient(record) ?? firstRecipient(record.recipient);
    if (!recipient) return { action: 'none', why: 'no recipient' };
    // A report without a traced id still counts once per report, not per reported recipient.
    return this.#classified(record, recipient, action === 'failed' && oob?.['hard'] !== false, record.id || `oob:${record.timestamp}`);
  }

  #classified(record: LogRecord, recipientText: string, hard: boolean, messageId: string): SuppressionDecision {
    const category = record.bounce_classification;
    const recipient = tryNormalize(recipientText);
    if (!recipient) return { action: 'none', why: `unusable recipient ${JSON.stringify(recipientText)}` };
    const tenant = this.bounceScope === 'tenant' ? tenantOf(record) : null;
    const at = record.timestamp * 1000;
    const base = { recipient, tenant, category, source_type: record.type, source_id: record.id, created: at, note: responseLine(record.response) };
    if (hard && this.hardCategories.has(category)) {
      return { action: 'suppress', entry: { ...base, reason: 'bounce', expires: this.expiresFor('bounce', at) } };
    }
    if (this.softCount > 0 && this.softCategories.has(category)) {
      return {
        action: 'count-soft', key: { recipient, tenant }, messageId, at, windowMs: this.softWindowMs, threshold: this.softCount,
        entry: { ...base, reason: 'soft-bounce', expires: this.expiresFor('soft-bounce', at) },
      };
    }
    return { action: 'none', why: `category ${category} is not about the recipient's address` };
  }

  #feedback(record: LogRecord): SuppressionDecision {
    const report = record.feedback_report as { feedback_type?: unknown; reporting_mta?: { name?: unknown } | null } | undefined;
    const type = typeof report?.feedback_type === 'string' ? report.feedback_type.toLowerCase() : '';
    const reason: SuppressionReason | undefined = COMPLAINT_TYPES.has(type) ? 'complaint' : OPT_OUT_TYPES.has(type) ? 'unsubscribe' : undefined;
    if (!reason) return { action: 'none', why: `feedback type "${type}" does not suppress` };
    const untrusted = this.#untrusted(record);
    if (untrusted) return { action: 'none', why: untrusted };
    const recipient = tryNormalize(correlatedRecipient(record) ?? firstRecipient(record.recipient) ?? '');
    if (!recipient) return { action: 'none', why: 'the report names no recipient' };
    const at = record.timestamp * 1000;
    const reporter = typeof report?.reporting_mta?.name === 'string' ? ` from ${report.reporting_mta.name}` : '';
    return {
      action: 'suppress',
      entry: {
        recipient, tenant: this.feedbackScope === 'tenant' ? tenantOf(record) : null, reason, category: record.bounce_classification,
        source_type: 'Feedback', source_id: record.id, created: at, expires: this.expiresFor(reason, at), note: `feedback-type ${type}${reporter}`,
      },
    };
  }

  /** Why a report may not change the list, or undefined when it may. */
  #untrusted(record: LogRecord): string | undefined {
    if (this.trust === 'any') return undefined;
    const c = objectField(record.extra, 'correlation');
    if (!c) return 'the report is not tied to a message we sent (no trace header or VERP address)';
    if (this.trust === 'verified' && c['verified'] !== true) return `the report's trace header is not verified (source ${String(c['source'])})`;
    return undefined;
  }
}

function objectField(obj: Record<string, JsonValue> | undefined, key: string): Record<string, JsonValue> | undefined {
  const v = obj?.[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

function correlatedRecipient(record: LogRecord): string | undefined {
  const r = objectField(record.extra, 'correlation')?.['recipient'];
  return typeof r === 'string' && r !== '' ? r : undefined;
}

function firstRecipient(recipient: string | string[]): string | undefined {
  const r = Array.isArray(recipient) ? recipient[0] : recipient;
  return r || undefined;
}

function tenantOf(record: LogRecord): string | null {
  const t = record.meta['tenant'];
  return typeof t === 'string' ? normalizeTenant(t) : null;
}

function tryNormalize(address: string): string | undefined {
  try {
    return normalizeRecipient(address);
  } catch {
    return undefined;
  }
}
