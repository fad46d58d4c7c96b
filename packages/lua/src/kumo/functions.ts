import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { lauxlib, lua, type LuaCFunction, type LuaState } from 'fengari';
import { Message, MtaKitError, parseRateSpec, reject, type JsonValue, type PolicyEventName } from '@mtakit/core';
import { stringify as stringifyToml } from 'smol-toml';
import { awaitPromise } from '../vm/runner.js';
import { pushUserdata, pushValue, readBytes, readString, readValue } from '../vm/values.js';
import { configAt, type ConfigKind } from './config-objects.js';
import type { KumoContext } from './context.js';
import { readAddress } from './envelope.js';
import { listFiles } from './file-listing.js';
import { formatConstraints, pathConstraints, queueConstraints, type Ceiling } from './constraints.js';
import { pushMessage, toMessage } from './message.js';

/**
 * The `kumo.*` functions beyond events, config objects and declarations (module.ts): runtime
 * information, memory limits, files listing, config formatting, calling the policy's own
 * handlers, throttles, messages, sleeping and disconnecting. Each behaves as KumoMTA documents it
 * for a single node; where mtakit differs the comment says how.
 */
export const VERSION = 'mtakit 0.1.0 (KumoMTA policy API)';
const THROTTLE_TYPE = 'kumo.Throttle';
/** Longest kumo.sleep: the transaction waits, the event loop does not (waiting is not budgeted). */
const MAX_SLEEP_MS = 10_000;

type MemoryLimit = 'hard' | 'soft' | 'low';
type TraceParams = { header_name?: string; include_meta_names?: string[] };

/** A config object of `kind` (or a plain table) as data. */
function configTable(L: LuaState, idx: number, kind: ConfigKind): Record<string, JsonValue> {
  const object = configAt(L, idx);
  return (object && object.kind === kind ? object.config : readValue(L, idx, {}, 'config')) as Record<string, JsonValue>;
}

export function extraFunctions(ctx: KumoContext): Record<string, LuaCFunction> {
  const memory: Partial<Record<MemoryLimit, number>> = {};
  const monitorGlobs: string[] = [];
  const memoryFunctions = Object.fromEntries((['hard', 'soft', 'low'] as const).flatMap((kind) => {
    const name = kind === 'low' ? 'memory_low_thresh' : `memory_${kind}_limit`;
    return [
      // Recorded and reported back; Node's own heap limit is what bounds the process.
      [`set_${name}`, (L: LuaState) => ((memory[kind] = lauxlib.luaL_checkinteger(L, 1)), 0)],
      [`get_${name}`, (L: LuaState) => (pushValue(L, memory[kind] ?? defaultMemory(kind)), 1)],
    ];
  })) as Record<string, LuaCFunction>;
  return {
    ...memoryFunctions,
    version: (L) => (lua.lua_pushstring(L, VERSION), 1),
    available_parallelism: (L) => (lua.lua_pushinteger(L, availableParallelism()), 1),
    toml_encode_pretty: (L) => (lua.lua_pushstring(L, stringifyToml(readValue(L, 1, {}, 'value') as Record<string, unknown>)), 1),
    format_queue_config_toml: (L) => formatConfig(L, 'queue'),
    format_egress_path_config_toml: (L) => formatConfig(L, 'egress_path'),
    read_dir: (L) => (pushValue(L, listFiles(ctx.files, readString(L, 1), 'kumo.read_dir')), 1),
    glob: (L) => (pushValue(L, listFiles(ctx.files, readString(L, 1), 'kumo.glob', globOptions(L))), 1),
    uncached_glob: (L) => (pushValue(L, listFiles(ctx.files, readString(L, 1), 'kumo.uncached_glob', globOptions(L))), 1),
    set_config_monitor_globs: (L) => {
      monitorGlobs.splice(0, monitorGlobs.length, ...(readValue(L, 1, { listKeys: new Set() }, 'globs') as string[]));
      return 0;
    },
    eval_config_monitor_globs: (L) => (pushValue(L, monitorGlobs.flatMap((g) => listFiles(ctx.files, g, 'kumo.eval_config_monitor_globs'))), 1),
    bump_config_epoch: () => (ctx.requestEpochBump(), 0),
    compute_queue_config_constraints: (L) => (pushValue(L, queueConstraints(configTable(L, 1, 'queue'))), 1),
    compute_egress_path_config_constraints: (L) => {
      const additional = lua.lua_isnoneornil(L, 2) ? undefined : (readValue(L, 2, {}, 'additional') as { ceilings?: Ceiling[] });
      pushValue(L, pathConstraints(configTable(L, 1, 'egress_path'), additional));
      return 1;
    },
    format_egress_path_config_constraints: (L) => (lua.lua_pushstring(L, formatConstraints(readValue(L, 1, {}, 'constraints') as { ceilings?: Ceiling[] })), 1),
    set_diagnostic_log_filter: (L) => {
      const filter = readString(L, 1);
      const level = /(?:^|[=,\s])(trace|debug|info|warn|error)\s*$/.exec(filter)?.[1];
      if (!level) throw new MtaKitError('E_POLICY', `cannot read a level from "${filter}" (e.g. 'kumod=info' or 'warn')`);
      ctx.setLogLevel(level === 'trace' ? 'debug' : (level as 'debug' | 'info' | 'warn' | 'error'));
      return 0;
    },
    spawn_task: (L) => {
      const params = readValue(L, 1, {}, 'params') as { event_name?: unknown; args?: unknown };
      if (typeof params?.event_name !== 'string') throw new MtaKitError('E_POLICY', 'expects { event_name = ..., args = ... }');
      ctx.spawnTask(params.event_name, params.args);
      return 0;
    },
    apply_supplemental_trace_header: (L) => {
      const msg = toMessage(L, 1);
      if (!msg) throw new MtaKitError('E_POLICY', 'expects a message');
      const params = (lua.lua_isnoneornil(L, 2) ? {} : readValue(L, 2, { listKeys: new Set(['include_meta_names']) }, 'params')) as TraceParams;
      const meta = Object.fromEntries((params.include_meta_names ?? []).map((k) => [k, msg.getMeta(k)]));
      const value = Buffer.from(JSON.stringify({ '_@_': '\\_o<', recipient: msg.recipient, ...meta })).toString('base64');
      msg.prependHeader(params.header_name ?? 'X-KumoRef', value);
      return 0;
    },
    disconnect: (L) => {
      const text = lua.lua_isnoneornil(L, 1) ? 'disconnected by policy' : readString(L, 1);
      return reject(421, text, '4.3.2');
    },
    sleep: (L) => {
      const ms = Math.round(lauxlib.luaL_checknumber(L, 1) * 1000);
      if (!(ms >= 0 && ms <= MAX_SLEEP_MS)) throw new MtaKitError('E_POLICY', `sleeps 0 to ${MAX_SLEEP_MS / 1000} s, not ${ms / 1000}`);
      return awaitPromise(L, 'kumo.sleep', new Promise((resolve) => setTimeout(() => resolve(() => 0), ms).unref()));
    },
    make_message: (L) => {
      const message = new Message({ sender: readAddress(L, 1, 'sender'), recipient: readAddress(L, 2, 'recipient'), data: readBytes(L, 3) });
      pushMessage(L, message);
      return 1;
    },
    make_throttle: (L) => {
      pushUserdata(L, THROTTLE_TYPE, 'throttle', new Throttle(readString(L, 1), readString(L, 2), () => ctx.clock.now()));
      return 1;
    },
    invoke_get_queue_config: (L) => invoke(L, ctx, 'get_queue_config', 4),
    invoke_get_egress_pool: (L) => invoke(L, ctx, 'get_egress_pool', 1),
    invoke_get_egress_source: (L) => invoke(L, ctx, 'get_egress_source', 1),
    invoke_get_egress_path_config: (L) => invoke(L, ctx, 'get_egress_path_config', 3),
  };
}

function defaultMemory(kind: MemoryLimit): number {
  const limit = getHeapStatistics().heap_size_limit;
  return kind === 'hard' ? limit : kind === 'soft' ? Math.floor(limit * 0.75) : Math.floor(limit * 0.6);
}

function globOptions(L: LuaState): { path?: string } {
  return lua.lua_isnoneornil(L, 2) ? {} : { path: readString(L, 2) };
}

/** A config object (or plain table) of `kind` as the TOML its make_* function would accept. */
function formatConfig(L: LuaState, kind: ConfigKind): number {
  lua.lua_pushstring(L, stringifyToml(configTable(L, 1, kind)));
  return 1;
}

/**
 * `kumo.invoke_get_*`: calls the policy's own handlers of the event with the given arguments, as
 * the host would, and returns the first non-nil answer (the handlers may wait for the host).
 */
function invoke(L: LuaState, ctx: KumoContext, event: PolicyEventName, nargs: number): number {
  const refs = ctx.handlers(event);
  lua.lua_settop(L, nargs);
  const step = (L1: LuaState, index: number): number => {
    if (index > 0 && !lua.lua_isnil(L1, -1)) return 1;
    if (index > 0) lua.lua_pop(L1, 1);
    if (index >= refs.length) {
      lua.lua_pushnil(L1);
      return 1;
    }
    lua.lua_rawgeti(L1, lua.LUA_REGISTRYINDEX, refs[index] as number);
    for (let i = 1; i <= nargs; i++) lua.lua_pushvalue(L1, i);
    lua.lua_callk(L1, nargs, 1, index + 1, (L2, _status, ctxIndex) => step(L2, ctxIndex));
    return step(L1, index + 1);
  };
  return step(L, 0);
}

/** `kumo.make_throttle(name, spec)`: a throttle of this Lua state (GCRA, `100/s`, `local:` accepted). */
class Throttle {
  readonly #intervalMs: number;
  readonly #burstMs: number;
  #tat = 0;

  constructor(readonly name: string, spec: string, private readonly now: () => number) {
    const rate = parseRateSpec(spec);
    this.#intervalMs = rate.periodMs / rate.limit;
    this.#burstMs = this.#intervalMs * Math.max(0, rate.maxBurst - 1);
  }

  /** Admits one unit; returns the wait in ms when throttled, 0 when admitted. */
  take(): number {
    const now = this.now();
    const tat = Math.max(this.#tat, now);
    const wait = tat - this.#burstMs - now;
    if (wait > 0) return wait;
    this.#tat = tat + this.#intervalMs;
    return 0;
  }
}

export function registerThrottleType(L: LuaState): void {
  lauxlib.luaL_newmetatable(L, THROTTLE_TYPE);
  lua.lua_createtable(L, 0, 2);
  const check = (L1: LuaState) => lauxlib.luaL_checkudata(L1, 1, THROTTLE_TYPE)['throttle'] as Throttle;
  lua.lua_pushcfunction(L, (L1) => {
    const wait = check(L1).take();
    pushValue(L1, { throttled: wait > 0, retry_after: wait > 0 ? wait / 1000 : undefined });
    return 1;
  });
  lua.lua_setfield(L, -2, 'throttle');
  lua.lua_pushcfunction(L, (L1) => {
    const throttle = check(L1);
    const wait = throttle.take();
    if (wait === 0) return 0;
    return awaitPromise(L1, 'throttle:sleep_if_throttled', new Promise((resolve) => setTimeout(() => resolve(() => (throttle.take(), 0)), Math.min(wait, MAX_SLEEP_MS)).unref()));
  });
  lua.lua_setfield(L, -2, 'sleep_if_throttled');
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pop(L, 1);
}
