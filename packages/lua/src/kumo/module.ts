import { lauxlib, lua, type LuaCFunction, type LuaState } from 'fengari';
import { MtaKitError, reject, type ConfigInput } from '@mtakit/core';
import { stringify as stringifyToml } from 'smol-toml';
import { callerWhere, luaFunction, raise } from '../vm/errors.js';
import { pushValue, readString, readValue } from '../vm/values.js';
import { configAt, LIST_KEYS, makeConfigFunction } from './config-objects.js';
import type { KumoContext } from './context.js';
import { esmtpListener, httpListener, localLogs, spool, type PolicyDeclarations } from './declarative.js';
import { parseJsonText, parseTomlText } from './files.js';
import { envelopeAt } from './envelope.js';
import { pushSpecial, toMessage } from './message.js';
import { extraFunctions } from './functions.js';
import { installMemoize } from './memoize.js';
import { makeSignerFunction, SignerFactory } from './signer.js';
import { inertFunctionReason, isSupportedEvent, isTaskEvent, unsupportedEventMessage, unsupportedFunctionMessage } from './unsupported.js';

/**
 * The `kumo` global: event registration, config constructors, declarative init settings, data
 * helpers, logging and `kumo.reject`. Names mtakit does not provide resolve to a stand-in that
 * raises, when called, an error naming the supported equivalent.
 */
export function installKumo(L: LuaState, ctx: KumoContext): void {
  lua.lua_createtable(L, 0, 32);
  const set = (name: string, fn: LuaCFunction): void => {
    lua.lua_pushcfunction(L, luaFunction(`kumo.${name}`, fn));
    lua.lua_setfield(L, -2, name);
  };

  set('on', (L1) => on(L1, ctx));
  for (const kind of ['queue_config', 'egress_path', 'egress_source', 'egress_pool', 'listener_domain'] as const) {
    lua.lua_pushcfunction(L, makeConfigFunction(kind === 'queue_config' ? 'queue' : kind));
    lua.lua_setfield(L, -2, `make_${kind}`);
  }
  declare(set, ctx, 'start_esmtp_listener', 'esmtpListeners', esmtpListener);
  declare(set, ctx, 'start_http_listener', 'httpListeners', httpListener);
  declare(set, ctx, 'define_spool', 'spools', spool);
  declare(set, ctx, 'configure_local_logs', 'localLogs', localLogs);

  for (const [name, fn] of Object.entries(extraFunctions(ctx))) set(name, fn);
  const serde = serdeFunctions(ctx);
  for (const [name, fn] of Object.entries(serde)) set(name, fn);
  lua.lua_createtable(L, 0, Object.keys(serde).length);
  for (const [name, fn] of Object.entries(serde)) {
    lua.lua_pushcfunction(L, luaFunction(`kumo.serde.${name}`, fn));
    lua.lua_setfield(L, -2, name);
  }
  lua.lua_setfield(L, -2, 'serde');

  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    set(`log_${level}`, (L1) => {
      ctx.log({ level, message: joinArgs(L1, 1), location: callerWhere(L1).replace(/: $/, '') });
      return 0;
    });
  }
  set('reject', rejectFunction);
  set('get_msg_metadata', (L1) => getMsgMetadata(L1, ctx));
  installMemoize(L);

  const signers = new SignerFactory(ctx.files, ctx.clock);
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushcfunction(L, makeSignerFunction(signers, 'rsa-sha256', 'kumo.dkim.rsa_sha256_signer'));
  lua.lua_setfield(L, -2, 'rsa_sha256_signer');
  lua.lua_pushcfunction(L, makeSignerFunction(signers, 'ed25519-sha256', 'kumo.dkim.ed25519_signer'));
  lua.lua_setfield(L, -2, 'ed25519_signer');
  setUnknownHandler(L, 'kumo.dkim', ctx);
  lua.lua_setfield(L, -2, 'dkim');

  setUnknownHandler(L, 'kumo', ctx);
  lua.lua_setglobal(L, 'kumo');
}

function on(L: LuaState, ctx: KumoContext): number {
  const name = readString(L, 1);
  if (!isCallable(L, 2)) throw new MtaKitError('E_POLICY', `the handler for '${name}' must be a function`);
  if (!ctx.loading) throw new MtaKitError('E_POLICY', 'handlers can only be registered while the policy loads');
  if (!isSupportedEvent(name) && !isTaskEvent(name)) {
    ctx.issue(`${callerWhere(L)}${unsupportedEventMessage(name)}`);
    return 0;
  }
  lua.lua_settop(L, 2);
  ctx.register(L, name);
  return 0;
}

function isCallable(L: LuaState, idx: number): boolean {
  const t = lua.lua_type(L, idx);
  if (t === lua.LUA_TFUNCTION) return true;
  if (t !== lua.LUA_TTABLE && t !== lua.LUA_TUSERDATA) return false;
  if (!lua.lua_getmetatable(L, idx)) return false;
  lua.lua_getfield(L, -1, '__call');
  const callable = lua.lua_type(L, -1) === lua.LUA_TFUNCTION;
  lua.lua_pop(L, 2);
  return callable;
}

/** A `kumo.*` function that validates a table and records it in the declarations. */
function declare<K extends keyof PolicyDeclarations>(
  set: (name: string, fn: LuaCFunction) => void,
  ctx: KumoContext,
  name: string,
  list: K,
  build: (input: ConfigInput, warn: (w: string) => void) => PolicyDeclarations[K][number],
): void {
  set(name, (L) => {
    if (!ctx.loading) throw new MtaKitError('E_POLICY', 'can only be called while the policy loads (top level, pre_init or init)');
    lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
    const input = readValue(L, 1, { listKeys: LIST_KEYS }, 'params') as ConfigInput;
    (ctx.declarations[list] as Array<PolicyDeclarations[K][number]>).push(build(input, (w) => ctx.warn(w)));
    return 0;
  });
}

function serdeFunctions(ctx: KumoContext): Record<string, LuaCFunction> {
  const load = (what: string) => (L: LuaState): number => {
    if (!ctx.loading) throw new MtaKitError('E_POLICY', 'files can only be read while the policy loads (top level, pre_init or init)');
    pushValue(L, ctx.files.loadData(readString(L, 1), what));
    return 1;
  };
  const encode = (pretty: boolean) => (L: LuaState): number => {
    lua.lua_pushstring(L, JSON.stringify(readValue(L, 1, { special: readSpecial }, 'value') ?? null, null, pretty ? 2 : undefined));
    return 1;
  };
  return {
    json_encode: encode(false),
    json_encode_pretty: encode(true),
    json_parse: (L) => (pushValue(L, parseJsonText(readString(L, 1), 'JSON text')), 1),
    json_load: load('kumo.json_load'),
    toml_parse: (L) => (pushValue(L, parseTomlText(readString(L, 1), 'TOML text')), 1),
    toml_load: load('kumo.toml_load'),
    toml_encode: (L) => {
      lua.lua_pushstring(L, stringifyToml(readValue(L, 1, {}, 'value') as Record<string, unknown>));
      return 1;
    },
  };
}

function joinArgs(L: LuaState, from: number): string {
  const parts: string[] = [];
  for (let i = from; i <= lua.lua_gettop(L); i++) {
    parts.push(Buffer.from(lauxlib.luaL_tolstring(L, i)).toString('utf8'));
    lua.lua_pop(L, 1);
  }
  return parts.join(' ');
}

const ENHANCED_PREFIX = /^([245]\.\d{1,3}\.\d{1,3})\s+/;

/** `kumo.reject(code, text)`: raises core's SmtpReplyError; an enhanced code may lead the text. */
const rejectFunction: LuaCFunction = (L) => {
  const code = lauxlib.luaL_checkinteger(L, 1);
  if (code < 400 || code > 599) throw new MtaKitError('E_POLICY', `code ${code} is not a 4xx or 5xx SMTP reply code`);
  const text = lua.lua_isnoneornil(L, 2) ? 'rejected by policy' : readString(L, 2);
  const enhanced = ENHANCED_PREFIX.exec(text);
  return enhanced ? reject(code, text.slice(enhanced[0].length), enhanced[1]) : reject(code, text);
};

/**
 * `kumo.get_msg_metadata(name)` (not a KumoMTA function, used by published policies): the meta
 * value of that name of the message the current hook is about, or else its header of that name.
 */
function getMsgMetadata(L: LuaState, ctx: KumoContext): number {
  const name = readString(L, 1);
  const frame = ctx.runner.current;
  if (frame) ctx.markMessageDependent(frame.event);
  const message = frame?.message;
  pushValue(L, message ? (message.getMeta(name) ?? message.getFirstHeader(name)) : undefined, pushSpecial);
  return 1;
}

/**
 * Gives the table on top of the stack an `__index` that answers unknown names: accepted-but-inert
 * kumod settings become no-ops that warn once; anything else a stand-in that raises when called.
 */
function setUnknownHandler(L: LuaState, path: string, ctx: KumoContext): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushcfunction(L, (L1) => {
    const name = readString(L1, 2);
    const reason = inertFunctionReason(name);
    if (reason !== undefined && path === 'kumo') pushInert(L1, `${path}.${name}`, reason, ctx);
    else pushUnsupported(L1, `${path}.${name}`);
    return 1;
  });
  lua.lua_setfield(L, -2, '__index');
  lua.lua_setmetatable(L, -2);
}

function pushInert(L: LuaState, fn: string, reason: string, ctx: KumoContext): void {
  lua.lua_pushcfunction(L, (L1) => {
    ctx.warn(`${callerWhere(L1)}${fn} has no effect in mtakit: ${reason}`);
    return 0;
  });
}

/** A stand-in for an unsupported name: indexing it gives deeper stand-ins, calling it raises. */
function pushUnsupported(L: LuaState, fn: string): void {
  lua.lua_createtable(L, 0, 0);
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushcfunction(L, (L1) => {
    pushUnsupported(L1, `${fn}.${readString(L1, 2)}`);
    return 1;
  });
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pushcfunction(L, (L1) => raise(L1, new MtaKitError('E_POLICY', unsupportedFunctionMessage(fn))));
  lua.lua_setfield(L, -2, '__call');
  lua.lua_setmetatable(L, -2);
}

/** For readers of Lua values: messages and config objects are the host's own objects. */
export function readSpecial(L: LuaState, idx: number): unknown {
  return toMessage(L, idx) ?? configAt(L, idx)?.config ?? envelopeAt(L, idx);
}
