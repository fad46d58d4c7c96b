import { MtaKitError } from '@mtakit/core';

/**
 * Why an address is suppressed:
 * - `bounce`: a hard bounce about the address itself (unknown user, disabled mailbox, no such domain);
 * - `soft-bounce`: repeated soft bounces (mailbox full…) within a window;
 * - `complaint`: a spam complaint (ARF abuse or fraud report);
 * - `unsubscribe`: an opt-out (ARF opt-out report, one-click List-Unsubscribe);
 * - `manual`: added by an operator or an import.
 */
export const SUPPRESSION_REASONS = ['bounce', 'soft-bounce', 'complaint', 'unsubscribe', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * One suppression. Its scope is `tenant`: a tenant's own entry blocks only that tenant's mail; a
 * global entry (`tenant: null`) blocks everyone's. A recipient has at most one entry per scope.
 */
export interface SuppressionEntry {
  /** The address, normalized by `normalizeRecipient` (lower case, no angle brackets). */
  recipient: string;
  /** Tenant scope; null = global. */
  tenant: string | null;
  reason: SuppressionReason;
  /** Bounce category that caused it (`InvalidRecipient`, `SpamRelated`, `Unsubscribe`…); "" if none. */
  category: string;
  /** What produced it: a log record type (`Bounce`, `OOB`, `Feedback`, `TransientFailure`), `api`, `import`, `unsubscribe`. */
  source_type: string;
  /** The source record's message id, or an import/API reference; "" if none. */
  source_id: string;
  /** Unix ms. */
  created: number;
  /** Unix ms after which the entry no longer applies; null = never. */
  expires: number | null;
  /** Free text: the reply that bounced, the feedback type, an operator's note. */
  note: string;
}

/** Identifies an entry: recipient and scope. */
export interface SuppressionKey {
  recipient: string;
  tenant: string | null;
}

/**
 * The form addresses are stored and looked up in: trimmed, angle brackets removed, lower case.
 * Local parts are case-sensitive in theory, but no mailbox provider treats them so, and a list
 * that missed `Jane@` because it holds `jane@` would fail at its one job.
 */
export function normalizeRecipient(address: string): string {
  const bare = address.trim().replace(/^<(.*)>$/, '$1').trim().toLowerCase();
  const at = bare.lastIndexOf('@');
  if (at <= 0 || at === bare.length - 1 || /\s/.test(bare.slice(at + 1))) {
    throw new MtaKitError('E_ADDRESS', `invalid address ${JSON.stringify(address)}: expected local-part@domain`);
  }
  return bare;
}

/** An empty tenant is the global scope. */
export function normalizeTenant(tenant: string | null | undefined): string | null {
  const t = tenant?.trim();
  return t ? t : null;
}

/** The map key of a scope + recipient (tenant names may contain anything but a NUL). */
export function entryKey(recipient: string, tenant: string | null): string {
  return `${tenant ?? ''}\u0000${recipient}`;
}

export function isLive(entry: SuppressionEntry, now: number): boolean {
  return entry.expires === null || entry.expires > now;
}

/**
 * Checks and normalizes an entry from outside (API, import); fills what may be left out.
 * Errors name the field, e.g. `invalid suppression entry: reason "spam" must be one of …`.
 */
export function toEntry(input: Partial<SuppressionEntry> & { recipient: string }, now: number): SuppressionEntry {
  const reason = input.reason ?? 'manual';
  if (!(SUPPRESSION_REASONS as readonly string[]).includes(reason)) {
    throw new MtaKitError('E_CONFIG', `invalid suppression entry: reason ${JSON.stringify(reason)} must be one of ${SUPPRESSION_REASONS.join(', ')}`);
  }
  for (const field of ['created', 'expires'] as const) {
    const v = input[field];
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new MtaKitError('E_CONFIG', `invalid suppression entry: ${field} ${JSON.stringify(v)} must be Unix milliseconds`);
    }
  }
  return {
    recipient: normalizeRecipient(input.recipient),
    tenant: normalizeTenant(input.tenant),
    reason,
    category: input.category ?? '',
    source_type: input.source_type ?? 'api',
    source_id: input.source_id ?? '',
    created: input.created ?? now,
    expires: input.expires ?? null,
    note: input.note ?? '',
  };
}

/** Keeps the stronger of two entries for one key: the one that lasts longer (never beats any time). */
export function outlasts(a: SuppressionEntry, b: SuppressionEntry): boolean {
  if (a.expires === null) return true;
  return b.expires !== null && a.expires >= b.expires;
}
