/**
 * @mtakit/lua — runs a KumoMTA-style `init.lua` as a core `Policy`: sandboxed (no io, os beyond
 * time, network or bytecode), each hook call under a time budget with a per-event circuit breaker,
 * hot-reloadable. Depends only on @mtakit/core; providers (the shaping rules loader) come from the
 * host.
 */
export { loadLuaPolicy, LuaPolicyHost, type LoadLuaPolicyOptions, type LuaPolicyDefinitions, type ReloadResult } from './host.js';
export { checkPolicy, formatPolicyCheck, type PolicyCheckResult } from './check.js';
export { LuaLoadError, type LuaProblem } from './state.js';
export { LuaPolicyError, type LuaLocation } from './vm/errors.js';
export type { AsyncPolicy, LuaHostEvent, LuaEventStats } from './policy.js';
export type { BreakerOptions, BreakerState } from './breaker.js';
export type { LuaProviders, LuaLogEntry, LuaLogLevel } from './kumo/context.js';
export type {
  PolicyDeclarations, EsmtpListenerDefinition, HttpListenerDefinition, SpoolDefinition, LocalLogsDefinition, KeySource,
} from './kumo/declarative.js';
export type { LogHookDefinition } from './extras/log-hooks.js';
export { KUMO_FUNCTIONS, MESSAGE_METHODS, KUMOD_EVENTS, type CompatEntry, type CompatStatus } from './kumo/compat.js';
export { isSupportedEvent } from './kumo/unsupported.js';
export { luaPolicyPlugin, describeEvents, type LuaPolicyPluginOptions, type LogHookSinkFactory } from './plugin/plugin.js';
export { logHookRecord } from './plugin/log-hooks.js';
export { readsMessageMetadata } from './plugin/message-metadata.js';
export { LuaPolicyMetrics } from './plugin/metrics.js';
