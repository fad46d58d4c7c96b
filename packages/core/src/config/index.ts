export { parseDuration, durationOption, formatDuration } from './duration.js';
export { parseRateSpec, parseLimitSpec, type RateSpec, type LimitSpec } from './rate.js';
export { FieldReader, type Duration, type ConfigInput } from './fields.js';
export {
  resolveQueueConfig, parseMxListEntry, UNSPECIFIED,
  type QueueConfig, type QueueConfigInput, type Protocol, type ProtocolInput, type MxListEntry, type MxListEntryInput,
  type CustomDeliver, type CustomDeliveryResult,
} from './queue-config.js';
export {
  resolveEgressPathConfig, EGRESS_PATH_KEYS, INERT_KEYS, TIMEOUT_DEFAULTS, TLS_MODES, DEFAULT_PROHIBITED_HOSTS,
  type EgressPathConfig, type EgressPathConfigInput, type TlsMode, type ReconnectStrategy, type IpLookupStrategy, type TimeoutName,
} from './egress-path.js';
export { resolveEgressSource, UNSPECIFIED_SOURCE, type EgressSource, type EgressSourceInput } from './egress-source.js';
export { resolveEgressPool, UNSPECIFIED_POOL, type EgressPool, type EgressPoolInput } from './egress-pool.js';
