/**
 * @mtakit/scorer — the pre-send risk pipeline (lifecycle stage 2): ten built-in dimensions and
 * custom stages, a 0–100 score with a per-dimension breakdown and recommended actions, per-tenant
 * thresholds and weights, campaign-level caching, time budgets, and a failure policy that never
 * loses mail. Implements core's `PreSendHook`. See docs/scorer.md.
 */
export { Scorer, type ScorerOptions, type Stopwatch } from './pipeline.js';
export type { Stage, StageInput, StageOutcome, StageScope, FailurePolicy, MailClass } from './types.js';
export { Signals } from './signals.js';
export { DEFAULT_THRESHOLD, DEFAULT_FLAG_MARGIN, DEFAULT_REJECT_MARGIN, type TenantSettings } from './settings.js';
export { bandsFor, verdictForScore, combineScores, type Bands } from './verdict.js';
export { mailClassOf } from './evaluation.js';
export { contentVersion, type CampaignCacheOptions } from './campaign-cache.js';
export { parseContent, MAX_ANALYZED_CHARS, type ParsedContent } from './content/parse.js';
export type { Mailbox } from './content/address.js';
export type { HtmlScan } from './content/html.js';
export type { MimeLeaf } from './content/mime.js';

export { builtinStages, type BuiltinStagesOptions } from './stages/builtin.js';
export { subjectStage, type SubjectStageOptions } from './stages/subject.js';
export { contentStage, type ContentStageOptions } from './stages/content.js';
export { linksStage, type LinksStageOptions } from './stages/links.js';
export { fraudStage, type FraudStageOptions } from './stages/fraud.js';
export { offersStage, type OffersStageOptions } from './stages/offers.js';
export { modelStage, type ModelStageOptions } from './stages/model.js';
export { ContentModel, sigmoid } from './model/model.js';
export { extractFeatures as extractModelFeatures, MODEL_TEXT_CHARS, MODEL_LINKS, type Feature } from './model/features.js';
export { CONTENT_MODEL_FILE, shippedContentModel } from './model-file.js';
export { SPAM_TOPICS, findTopics, unobfuscate, type SpamTopic } from './lists/topics.js';
export { reputationStage, type ReputationStageOptions } from './stages/reputation.js';
export { freshnessStage, type FreshnessStageOptions } from './stages/freshness.js';
export { recipientStage, type RecipientStageOptions, type SuppressionLookup } from './stages/recipient.js';
export { providerMixStage, providerFromMx, type ProviderMixStageOptions, type ProviderResolver } from './stages/providers.js';
export { timeOfSendStage, type TimeOfSendStageOptions } from './stages/time-of-send.js';

export {
  ReputationTracker, type ReputationTrackerOptions, type ReputationSnapshot, type OutcomeCounts, type DeliveryOutcome,
} from './reputation-tracker.js';
export { MemoryFreshnessStore, type FreshnessStore, type RecipientHistory, type MemoryFreshnessStoreOptions } from './freshness-store.js';
export { CachedDomainLookup, type DomainLookup, type CachedDomainLookupOptions } from './domain-lookup.js';
export { URL_SHORTENERS, DISPOSABLE_DOMAINS, FREEMAIL_DOMAINS, DOMAIN_TYPOS, ABUSED_TLDS, ROLE_ACCOUNTS } from './lists/domains.js';
export { SPAM_PHRASES } from './lists/phrases.js';
export { BRANDS, type Brand } from './lists/brands.js';
export { FRAUD_ASKS, FRAUD_PRESSURE, AMOUNT, type FraudSignal } from './lists/fraud.js';
export { CREDENTIAL_ASKS } from './lists/credentials.js';
export { maySendAs, sendingDomainsFromPairs, type SendingDomains } from './sending-domains.js';
export { MAX_SAMPLED_LINKS, MAX_SAMPLED_IMAGES } from './stages/links.js';

export { preSendLogRecord, overrideLogRecord, tenantOfRecord, type VerdictRecordOptions } from './log-record.js';
export {
  createHoldOverride, holdOverrideJson, holdOverrideFromJson, heldResultJson, heldResultFromJson, risksOf, type HoldOverride, type HoldOverrideInput, type AcknowledgedRisk,
} from './override.js';

export { scorerPlugin, type ScorerPluginOptions } from './plugin/plugin.js';
export { readScorerConfig, loadScorerModules, type ScorerConfig, type ScorerModules } from './plugin/config.js';
export {
  HeldMail, registerHeldMailRoutes, PRE_SEND_HOLD_META, HOLD_OVERRIDE_META,
  type HeldCampaign, type HeldMailOptions, type HeldSelector, type ReleaseRequest, type ReleaseResult,
} from './plugin/held-mail.js';
export { OverrideJournal } from './plugin/override-journal.js';
export { ScorerMetrics } from './plugin/metrics.js';
