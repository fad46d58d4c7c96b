import { lauxlib, lua, type LuaState } from 'fengari';
import {
  ConfigError, FieldReader, MtaKitError, resolveEgressPathConfig, resolveEgressPool, resolveEgressSource, resolveQueueConfig,
  type ConfigInput, type EgressPathConfigInput, type EgressPoolInput, type EgressSourceInput, type ListenerDomainInput,
  type QueueConfigInput,
} from '@mtakit/core';
import { luaFunction } from '../vm/errors.js';
import { pushValue, readString, readValue } from '../vm/values.js';

/**
 * The config objects a policy builds with `kumo.make_*`: validated by core's resolvers, then handed
 * to Lua as read-only tables (fields readable, `pairs` works, assignment refused), as opaque as
 * KumoMTA's. The JS side keeps the validated object, so a hook returning one costs no second
 * conversion or validation, and returning the wrong kind is caught. Plain tables are accepted too
 * and validated when a hook returns them.
 */
export interface ConfigKinds {
  queue: QueueConfigInput;
  egress_path: EgressPathConfigInput;
  egress_source: EgressSourceInput;
  egress_pool: EgressPoolInput;
  listener_domain: ListenerDomainInput;
}
export type ConfigKind = keyof ConfigKinds;

interface KindSpec {
  /** The kumo function that builds it. */
  fn: string;
  /** Metatable name. */
  type: string;
  validate(input: ConfigInput): void;
}

/** Config keys whose empty table means an empty list. */
export const LIST_KEYS: ReadonlySet<string> = new Set([
  'prohibited_hosts', 'skip_hosts', 'entries', 'mx_list', 'shrink_policy', 'headers', 'relay_hosts', 'trusted_hosts', 'meta',
  'files', 'extra_files', 'require_authz',
]);

const LOG_DISPOSITIONS = ['Ignore', 'LogThenRelay', 'LogThenDrop'] as const;

function validateListenerDomain(input: ConfigInput): void {
  const r = new FieldReader(input, 'listener_domain');
  if (r.has('relay_from')) {
    throw new ConfigError(r.key('relay_from'), r.raw('relay_from'), 'is not supported; list relaying clients in the listener relay_hosts');
  }
  r.rejectUnknown(new Set(['relay_to', 'log_oob', 'log_arf']));
  r.bool('relay_to', false);
  for (const key of ['log_oob', 'log_arf']) {
    if (typeof r.raw(key) !== 'boolean') r.oneOf(key, LOG_DISPOSITIONS, 'Ignore');
  }
}

export const CONFIG_KINDS: Readonly<Record<ConfigKind, KindSpec>> = {
  queue: { fn: 'kumo.make_queue_config', type: 'kumo.QueueConfig', validate: (i) => resolveQueueConfig(i as QueueConfigInput) },
  egress_path: { fn: 'kumo.make_egress_path', type: 'kumo.EgressPath', validate: (i) => resolveEgressPathConfig(i as EgressPathConfigInput) },
  egress_source: { fn: 'kumo.make_egress_source', type: 'kumo.EgressSource', validate: (i) => resolveEgressSource(i as unknown as EgressSourceInput) },
  egress_pool: { fn: 'kumo.make_egress_pool', type: 'kumo.EgressPool', validate: (i) => resolveEgressPool(i as unknown as EgressPoolInput) },
  listener_domain: { fn: 'kumo.make_listener_domain', type: 'kumo.ListenerDomain', validate: validateListenerDomain },
};

/** Validates a JS value as a config of that kind; errors name the key and value. */
export function validateConfig<K extends ConfigKind>(kind: K, input: unknown): ConfigKinds[K] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new MtaKitError('E_CONFIG', `expected a table of ${kind.replace('_', ' ')} options`);
  }
  CONFIG_KINDS[kind].validate(input as ConfigInput);
  return input as ConfigKinds[K];
}

interface ConfigObject {
  kind: ConfigKind;
  config: Record<string, unknown>;
}

/** Config objects by the identity of their (empty) Lua table. */
const configObjects = new WeakMap<object, ConfigObject>();

/** The config object at `idx`, if the value there is one. */
export function configAt(L: LuaState, idx: number): ConfigObject | undefined {
  if (lua.lua_type(L, idx) !== lua.LUA_TTABLE) return undefined;
  return configObjects.get(lua.lua_topointer(L, idx) as object);
}

function checkConfig(L: LuaState): ConfigObject {
  const found = configAt(L, 1);
  if (!found) throw new MtaKitError('E_POLICY', 'expected a config object');
  return found;
}

/** Registers the config metatables in a fresh state. */
export function registerConfigTypes(L: LuaState): void {
  for (const spec of Object.values(CONFIG_KINDS)) {
    lauxlib.luaL_newmetatable(L, spec.type);
    lua.lua_pushstring(L, spec.type);
    lua.lua_setfield(L, -2, '__name');
    lua.lua_pushcfunction(L, luaFunction(spec.type, (L1) => {
      pushValue(L1, checkConfig(L1).config[readString(L1, 2)]);
      return 1;
    }));
    lua.lua_setfield(L, -2, '__index');
    lua.lua_pushcfunction(L, luaFunction(spec.type, () => {
      throw new MtaKitError('E_POLICY', `config objects are read-only; build a new one with ${spec.fn}{...}`);
    }));
    lua.lua_setfield(L, -2, '__newindex');
    lua.lua_pushcfunction(L, luaFunction(spec.type, (L1) => {
      const keys = Object.keys(checkConfig(L1).config);
      lua.lua_pushcfunction(L1, (L2) => {
        const at = lua.lua_isnil(L2, 2) ? 0 : keys.indexOf(readString(L2, 2)) + 1;
        const key = keys[at];
        if (key === undefined) return 0;
        lua.lua_pushstring(L2, key);
        pushValue(L2, checkConfig(L2).config[key]);
        return 2;
      });
      lua.lua_pushvalue(L1, 1);
      return 2;
    }));
    lua.lua_setfield(L, -2, '__pairs');
    lua.lua_pop(L, 1);
  }
}

/** Pushes a validated config as a read-only config object. */
export function pushConfig(L: LuaState, kind: ConfigKind, config: object): void {
  lua.lua_createtable(L, 0, 0);
  configObjects.set(lua.lua_topointer(L, -1) as object, { kind, config: config as Record<string, unknown> });
  lauxlib.luaL_setmetatable(L, CONFIG_KINDS[kind].type);
}

/** `kumo.make_*`: validates its table argument and returns it as a tagged config object. */
export function makeConfigFunction(kind: ConfigKind) {
  const spec = CONFIG_KINDS[kind];
  return luaFunction(spec.fn, (L) => {
    lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
    const config = validateConfig(kind, readValue(L, 1, { listKeys: LIST_KEYS }, 'params'));
    pushConfig(L, kind, config);
    return 1;
  });
}

/** Reads what a config hook returned: nil, a config object of the expected kind, or a plain table. */
export function readConfigResult<K extends ConfigKind>(L: LuaState, idx: number, kind: K): ConfigKinds[K] | undefined {
  if (lua.lua_isnoneornil(L, idx)) return undefined;
  if (lua.lua_type(L, idx) !== lua.LUA_TTABLE) {
    throw new MtaKitError('E_POLICY', `must return ${CONFIG_KINDS[kind].fn}{...} or nil, not a ${Buffer.from(lauxlib.luaL_typename(L, idx)).toString()}`);
  }
  const made = configAt(L, idx);
  if (made && made.kind !== kind) {
    throw new MtaKitError('E_POLICY', `must return ${CONFIG_KINDS[kind].fn}{...}, not the result of ${CONFIG_KINDS[made.kind].fn}`);
  }
  if (made) return made.config as ConfigKinds[K];
  return validateConfig(kind, readValue(L, idx, { listKeys: LIST_KEYS }, 'result'));
}
