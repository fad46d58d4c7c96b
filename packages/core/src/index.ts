/**
 * @mtakit/core — the contracts every mtakit package shares: the message model, config shapes and
 * parsers, the policy event map, log records, errors, and the interfaces other packages implement
 * (Spool, Shaper, PreSendHook, QueueControl, InboundReportReader). Protocol edges live in subpaths:
 * `/smtp`, `/egress`, `/dns`, `/log`, `/http`, `/metrics`, `/dkim`, `/testing`, and `/mta` (createMta
 * and the plugin contract). Bounce parsing and the suppression list are `@mtakit/bounce`.
 */
export {
  MtaKitError, ConfigError, SmtpReplyError, hasErrorBrand, exhaustedResource, reject, toMtaKitError, parseEnhancedCode, formatEnhancedCode,
  type MtaKitErrorCode, type EnhancedStatusCode, type ExhaustedResource,
} from './errors.js';
export { systemClock, systemTimers, type Clock, type Timers } from './clock.js';
export { AuthFailureLimiter, type AuthFailureLimiterOptions, type AuthAttemptVerdict } from './auth/failure-limiter.js';
export { Batcher } from './util/batcher.js';
export { Message, type MessageInit, type MessageMeta, type JsonValue } from './message/message.js';
export { newMessageId, isMessageId, messageIdTime } from './message/id.js';
export { parseHeaderBlock, fieldValue, type HeaderBlock, type HeaderField } from './message/headers.js';
export { parseAddress, domainOf, type ParsedAddress } from './message/address.js';
export { formatQueueName, parseQueueName, queueNameFor, NULL_QUEUE, type QueueNameParts } from './message/queue-name.js';
export * from './config/index.js';
export {
  POLICY_EVENTS, BROADCAST_EVENTS,
  type Policy, type PolicyEvents, type PolicyEventName, type ConnectionMeta, type AuthInfo, type ListenerDomainInput,
  type QueueConfigContext, type Awaitable,
} from './policy/events.js';
export { composePolicies } from './policy/compose.js';
export { tenantHeaders, importTenantHeaders } from './policy/tenant-headers.js';
export { spoolRecordOf, type Spool, type SpoolRecord } from './contracts/spool.js';
export type { Shaper, ThrottleDecision, ConnectionLease, LeaseResult } from './contracts/shaper.js';
export type { ShapingRules, ShapingRulesLoader, ShapingRulesLoadOptions } from './contracts/shaping-rules.js';
export { pathLimits, queueLimits, type PathLimits, type QueueLimits, type KeyedLimit, type KeyedRate } from './contracts/shaping-keys.js';
export { throttleAll, acquireAll, type Admission, type LeaseSet } from './contracts/shaping-admission.js';
export type {
  QueueControl, QueueSelector, DirectiveTiming, AdminEntry, SuspendRequest, SuspendReadyQueueRequest, BounceRequest, RebindRequest,
  HeldSelector, HeldMessage, MessageInspection,
} from './contracts/queue-control.js';
export {
  reportMode, isReportDomain,
  type ReportMode, type InboundReportReader, type InboundReportOutcome, type InboundReportContext,
} from './contracts/inbound-report.js';
export type { PreSendHook, PreSendResult, PreSendVerdict, PreSendContext, DimensionScore } from './contracts/presend.js';
export type { AcceptedMessage, AcceptMessages } from './contracts/accepted.js';
export type { QueueViews, ReadyQueueView, EgressPathView, EgressPathRequest, EgressPathResolutionView } from './contracts/queue-views.js';
export { chainDeliveryGates, type Classifier, type DeliveryGate } from './contracts/delivery.js';
export { consoleLogger, silentLogger, type Logger, type LogLevel } from './contracts/logger.js';
export {
  LOG_RECORD_TYPES, recordJson, responseLine, internalResponse, INTERNAL_RESPONSE_PREFIX,
  type LogRecord, type LogRecordType, type SmtpResponse, type PeerAddress, type DeliveryProtocol, type ReceptionProtocol,
} from './log/records.js';
export { forRecordTypes, LogBus, type LogConsumer } from './log/bus.js';
export { logRecord, logRecordDefaults, withLogRecordDefaults, type LogRecordDefaults, type LogRecordFields } from './log/record-defaults.js';
export {
  OutsideStoreStatus, OutsideStores, watchConnection, firstConnection, failFastRedisOptions, redactedUrl,
  type OutsideStoreReport, type OutsideStoreStatusOptions, type ConnectionEvents, type ConnectableClient, type FirstConnection, type FailFastOptions,
} from './health/outside-store.js';
