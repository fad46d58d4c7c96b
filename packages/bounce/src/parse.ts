/**
 * `@mtakit/bounce/parse`: the offline reader alone — report parsing, classification and rule
 * files — without the plugin, the suppression list and its HTTP routes (which load the HTTP
 * layer of @mtakit/core). For tools that start once per file, such as `mtakit bounce parse`.
 */
export {
  BounceClassifier, defaultBounceClassifier,
  type BounceClassifierOptions, type BounceClassification, type RuleMatch, type FallbackMatch,
} from './classifier.js';
export { parseRuleFile, loadRuleFile, type BounceRuleSet } from './rules.js';
export { parseReport, BounceParseError, type ParseReportOptions } from './report.js';
export { reportToLogRecords, addressLevel } from './records.js';
export { parseBounceMessage, classifyResponseText, summarize, type BounceSummary, type ParseBounceOptions, type ClassifiedReply } from './cli.js';
export { buildClassifier, type BounceHooks } from './plugin/hooks.js';
