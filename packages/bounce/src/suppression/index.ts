/**
 * @mtakit/bounce/suppression — the suppression list: entries per tenant and global, the store
 * interface with an embedded durable store, the policy that turns bounces, complaints and
 * opt-outs into entries (and the log consumer that applies it), the replies and records for
 * suppressed recipients, CSV import/export (ours and PowerMTA's), the HTTP API and one-click
 * unsubscribe. See docs/suppression.md.
 */
export {
  SUPPRESSION_REASONS, normalizeRecipient, normalizeTenant, toEntry, isLive,
  type SuppressionEntry, type SuppressionKey, type SuppressionReason,
} from './entry.js';
export type { SuppressionStore, SuppressionFilter } from './store.js';
export { SUPPRESSION_STORE_CONTRACT, type ContractCheck, type ContractClock } from './contract.js';
export { MemorySuppressionStore, type MemorySuppressionStoreOptions } from './memory-store.js';
export { FileSuppressionStore, type FileSuppressionStoreOptions, type JournalLoadStats } from './file-store.js';
export {
  ReplicaSuppressionStore, serveSuppressionStore, type SuppressionCall, type SuppressionChange, type SuppressionLink,
} from './node-store.js';
export {
  SuppressionPolicy, DEFAULT_SUPPRESSION_TTL, DEFAULT_HARD_CATEGORIES, DEFAULT_SOFT_CATEGORIES,
  type SuppressionPolicyOptions, type SuppressionDecision, type ReportTrust,
} from './policy.js';
export { suppressionConsumer, type SuppressionConsumerOptions } from './consumer.js';
export { suppressionReply, suppressionError, suppressionResponse, suppressedRecord } from './refusal.js';
export { parseCsv, csvRow } from './csv.js';
export {
  importSuppressionCsv, exportSuppressionCsv, parseTime, MTAKIT_COLUMNS, PMTA_EXPORT_COLUMNS, PMTA_BOUNCE_CATEGORIES,
  type SuppressionCsvFormat, type ImportOptions, type ImportResult,
} from './import.js';
export { registerSuppressionRoutes, type SuppressionRoutesOptions } from './http.js';
export {
  createUnsubscribeToken, verifyUnsubscribeToken, unsubscribeHeaders, oneClickUnsubscribeHandler,
  type UnsubscribeData, type OneClickHandlerOptions,
} from './unsubscribe.js';
