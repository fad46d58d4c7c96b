/**
 * @mtakit/shaping — traffic shaping: GCRA throttles and connection leases (in memory or shared
 * through Redis), KumoMTA's shaping.toml rules, traffic shaping automation fed by log records,
 * and IP warm-up plans. `createShaping` assembles them; every piece is usable on its own.
 */
export { createShaping, type CreateShapingOptions, type Shaping, type PathInspection } from './shaping.js';

export { gcra, GCRA_EPSILON_MS, type GcraOutcome, type GcraSpec } from './gcra.js';
export { LeaseTable, DEFAULT_LEASE_TTL_MS, type LeaseAttempt, type LeaseState } from './leases.js';
export { StoreShaper, createShaper, throttleKey, type StoreShaperOptions } from './shaper.js';
export type { ShapingStore, ExpiringRecord } from './stores/store.js';
export { MemoryShapingStore, type MemoryShapingStoreOptions } from './stores/memory.js';
export { remoteShapingStore, serveShapingStore, type ServedShapingStore, type StoreCall } from './stores/remote.js';
export { FailoverShapingStore, SHAPING_DEGRADED_MODE, type FailoverShapingStoreOptions } from './stores/failover.js';
export { limitStates, type LimitState } from './inspect.js';

export {
  loadShapingRules, readShapingFile, ShapingRulesFileLoader, type ShapingSource, type LoadShapingRulesOptions,
} from './rules/loader.js';
export {
  ShapingRuleSet, isDomainName,
  type RouteResolver, type ConfigOverride, type ResolvedPath, type ValueSource, type CandidateRule,
} from './rules/rule-set.js';
export type { Origin, MergeStep } from './rules/params.js';
export { BUILTIN_SHAPING, BUILTIN_SHAPING_DOCUMENT } from './rules/builtin.js';

export {
  TrafficShapingAutomation, type AutomationActions, type TrafficShapingAutomationOptions,
} from './automation/automation.js';
export {
  DEFAULT_SKIP_RECORD_TYPES,
  type AutomationEffect, type ReadyQueueSuspension, type ConfigEffect, type ScheduledSuspension, type ScheduledBounce,
} from './automation/effects.js';
export type { AutomationRule, AutomationAction, AutomationTrigger } from './automation/rule.js';

export { Warmup, DEFAULT_WARMUP_CAPS, type WarmupPlan, type WarmupStatus, type WarmupSnapshot } from './warmup.js';

export { shapingPlugin, type ShapingPluginOptions } from './plugin/plugin.js';
export { QueueAutomationActions } from './plugin/queue-actions.js';
export { registerShapingRoutes, shapedReadyQueueStates, type ShapedReadyQueueState } from './plugin/admin-routes.js';
export { registerShapingMetrics } from './plugin/metrics.js';
