/**
 * @mtakit/bounce — bounce classification (KumoMTA rule files plus mtakit's built-in rules),
 * DSN / ARF / plain-text bounce parsing, and the trace header and VERP formats that tie reports
 * back to the messages that caused them. See docs/bounces.md.
 */
export {
  BounceClassifier, defaultBounceClassifier,
  type BounceClassifierOptions, type BounceClassification, type RuleMatch, type FallbackMatch,
} from './classifier.js';
export { BOUNCE_CATEGORIES, isPredefinedCategory, type BounceCategory, type PredefinedBounceCategory } from './categories.js';
export {
  parseRuleFile, loadRuleFile, ruleFromRegExp,
  type BounceRule, type BounceRuleSet, type ParseRuleFileOptions, type RuleFileFormat,
} from './rules.js';
export { BUILTIN_RULES } from './builtin/index.js';
export type { MatchStrategy } from './matcher.js';
export { parseReplyText } from './reply.js';
export { parseReport, BounceParseError, type ParseReportOptions, type BounceParseErrorReason } from './report.js';
export type {
  BounceReport, DeliveryReport, FeedbackReport, AutoReplyReport, DsnRecipient, FeedbackReportData, OriginalMessage,
  Correlation, Reporter, ReportFormat,
} from './types.js';
export {
  reportToLogRecords, classifyRecipient, feedbackCategory, addressLevel, FEEDBACK_CATEGORY, type ReportRecordOptions, type RecipientClassification,
} from './records.js';
export {
  parseBounceMessage, classifyResponseText, summarize,
  type BounceSummary, type ParseBounceOptions, type ClassifiedReply,
} from './cli.js';
export {
  TRACE_HEADER, KUMO_TRACE_HEADER, buildTraceHeader, decodeTraceHeader, decodeKumoRef,
  type TraceData, type TraceSource, type TraceOptions, type DecodedTrace,
} from './trace.js';
export { encodeVerp, decodeVerp, type VerpOptions, type VerpData } from './verp.js';
export { readInboundReport, type ReportListenerDomain, type InboundReportOptions } from './report-listener.js';
export { bouncePlugin, type BouncePluginOptions } from './plugin/plugin.js';
export { resolveBounceSettings, type BounceSettings, type BounceOptions } from './plugin/settings.js';
export { buildClassifier, loadBounceHooks, type BounceHooks } from './plugin/hooks.js';
export { bouncesPolicy, checkMessage, type BouncesPolicyDeps } from './plugin/policy.js';
