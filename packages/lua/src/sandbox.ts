import { lauxlib, lua, lualib, type LuaCFunction, type LuaState } from 'fengari';
import { MtaKitError } from '@mtakit/core';
import { installBudgetedStrings } from './string-lib.js';
import { luaFunction, raise } from './vm/errors.js';
import { readString } from './vm/values.js';

/**
 * The sandbox a policy runs in. Opened: base, coroutine, table, string, math, utf8, and `os` cut
 * down to time/clock/date/difftime and getenv (of the allowed variables). Not opened: io, debug,
 * package, fengari's JS interop; `io.*`, `debug.*`, other `os.*` names, `string.dump`, `dofile` and
 * `loadfile` raise an error saying so. Replaced: `load` (text chunks only), `pcall`/`xpcall` (see
 * below), `print` (goes to the host's log), the string functions that could stall the event loop
 * (see string-lib.ts). `require` is installed by the kumo module with its allowlist.
 */
export interface SandboxOptions {
  /** Largest string `string.rep` may build, in bytes. */
  maxStringBytes: number;
  /** Receives the text of `print(...)`. */
  print: (L: LuaState, text: string) => void;
  /** Environment variables `os.getenv` may read. */
  allowedEnv: readonly string[];
}

const LIBRARIES: ReadonlyArray<[string, LuaCFunction]> = [
  ['_G', lualib.luaopen_base],
  ['coroutine', lualib.luaopen_coroutine],
  ['table', lualib.luaopen_table],
  ['string', lualib.luaopen_string],
  ['math', lualib.luaopen_math],
  ['utf8', lualib.luaopen_utf8],
];
const OS_ALLOWED = ['time', 'clock', 'date', 'difftime'] as const;

export function openSandbox(L: LuaState, options: SandboxOptions): void {
  for (const [name, open] of LIBRARIES) {
    lauxlib.luaL_requiref(L, name, open, 1);
    lua.lua_pop(L, 1);
  }
  openRestrictedOs(L, options.allowedEnv);
  for (const [name, reason] of Object.entries(REFUSED_LIBRARIES)) {
    lua.lua_createtable(L, 0, 0);
    refuseUnknown(L, name, () => true, reason);
    lua.lua_setglobal(L, name);
  }
  for (const name of ['dofile', 'loadfile']) {
    setGlobal(L, name, luaFunction(name, () => {
      throw new MtaKitError('E_POLICY', 'is not available in the sandbox: load modules with require (from the allowed directories)');
    }));
  }
  // init.lua files often extend package.path; it has no effect here (require has its own allowlist).
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushstring(L, '');
  lua.lua_setfield(L, -2, 'path');
  lua.lua_pushstring(L, '');
  lua.lua_setfield(L, -2, 'cpath');
  lua.lua_setglobal(L, 'package');
  textOnlyLoad(L);
  setGlobal(L, 'pcall', luaFunction('pcall', protectedCall));
  setGlobal(L, 'xpcall', luaFunction('xpcall', protectedCallWithHandler));
  setGlobal(L, 'collectgarbage', () => {
    lua.lua_pushinteger(L, 0); // fengari's heap is V8's: there is nothing to collect or count
    return 1;
  });
  setGlobal(L, 'print', (L1) => {
    const parts: string[] = [];
    for (let i = 1; i <= lua.lua_gettop(L1); i++) {
      parts.push(Buffer.from(lauxlib.luaL_tolstring(L1, i)).toString('utf8'));
      lua.lua_pop(L1, 1);
    }
    options.print(L1, parts.join('\t'));
    return 0;
  });
  lua.lua_getglobal(L, 'string');
  lua.lua_pushnil(L);
  lua.lua_setfield(L, -2, 'dump');
  refuseUnknown(L, 'string', (name) => name === 'dump', 'the sandbox does not produce bytecode');
  lua.lua_pop(L, 1);
  installBudgetedStrings(L, options.maxStringBytes);
}

function setGlobal(L: LuaState, name: string, fn: LuaCFunction): void {
  lua.lua_pushcfunction(L, fn);
  lua.lua_setglobal(L, name);
}

const REFUSED_LIBRARIES: Readonly<Record<string, string>> = {
  io: 'policies cannot open files or processes (read data files with kumo.toml_load or kumo.json_load)',
  debug: 'the debug library could disable the execution budget',
};

function openRestrictedOs(L: LuaState, allowedEnv: readonly string[]): void {
  lauxlib.luaL_requiref(L, 'os', lualib.luaopen_os, 0);
  lua.lua_createtable(L, 0, OS_ALLOWED.length + 1);
  for (const name of OS_ALLOWED) {
    lua.lua_getfield(L, -2, name);
    lua.lua_setfield(L, -2, name);
  }
  const allowed = new Set(allowedEnv);
  lua.lua_pushcfunction(L, luaFunction('os.getenv', (L1) => {
    const name = readString(L1, 1);
    if (!allowed.has(name)) {
      throw new MtaKitError('E_POLICY', `${name} is not among the environment variables policies may read: add it to the allowedEnv option (MTAKIT_POLICY_ENV in the example MTA)`);
    }
    const value = process.env[name];
    if (value === undefined) lua.lua_pushnil(L1);
    else lua.lua_pushstring(L1, value);
    return 1;
  }));
  lua.lua_setfield(L, -2, 'getenv');
  refuseUnknown(L, 'os', () => true, `only os.${OS_ALLOWED.join(', os.')} and os.getenv (of the allowed variables) are available`);
  lua.lua_setglobal(L, 'os');
  lua.lua_pop(L, 1);
}

/**
 * Makes reading a missing field of the table on top of the stack raise a clear error (instead of
 * yielding nil and failing later with "attempt to call a nil value") for the names `refused` selects.
 */
function refuseUnknown(L: LuaState, table: string, refused: (name: string) => boolean, reason: string): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushcfunction(L, (L1) => {
    const name = lua.lua_type(L1, 2) === lua.LUA_TSTRING ? readString(L1, 2) : undefined;
    if (name === undefined || !refused(name)) return 0;
    return raise(L1, new MtaKitError('E_POLICY', `${table}.${name} is not available in the sandbox: ${reason}`));
  });
  lua.lua_setfield(L, -2, '__index');
  lua.lua_setmetatable(L, -2);
}

/** `load` that refuses binary (precompiled) chunks, whatever mode the caller asks for. */
function textOnlyLoad(L: LuaState): void {
  lua.lua_getglobal(L, 'load');
  lua.lua_pushcclosure(L, luaFunction('load', (L1) => {
    const mode = lua.lua_isnoneornil(L1, 3) ? 't' : readString(L1, 3);
    if (mode !== 't') throw new MtaKitError('E_POLICY', `mode "${mode}" refused: the sandbox loads text chunks only`);
    if (lua.lua_type(L1, 1) === lua.LUA_TFUNCTION) readChunk(L1);
    const chunk = lua.lua_tostring(L1, 1);
    if (chunk !== null && chunk[0] === 0x1b) throw new MtaKitError('E_POLICY', 'binary (precompiled) chunks are refused by the sandbox');
    if (chunk !== null && chunk.length > MAX_LOAD_CHUNK) {
      throw new MtaKitError('E_POLICY', `a chunk of ${chunk.length} bytes is over the sandbox's ${MAX_LOAD_CHUNK}-byte limit (the parser cannot be interrupted; put long code in a module and require it)`);
    }
    if (lua.lua_gettop(L1) < 3) lua.lua_settop(L1, 2); // keep 'env' absent, as the caller did
    lua.lua_pushstring(L1, 't');
    if (lua.lua_gettop(L1) > 3) lua.lua_replace(L1, 3);
    return callUpvalue(L1, lua.LUA_MULTRET);
  }), 1);
  lua.lua_setglobal(L, 'load');
}

/**
 * Largest text `load` parses while a policy runs. Lua's parser runs inside one VM instruction that
 * the budget hook cannot interrupt: parsing 1 MiB of `1+1+…` took 0.9 s, a 1 MiB table constructor
 * 1.8 s (load average 16). Policy files and their modules are parsed at load time, not here.
 */
const MAX_LOAD_CHUNK = 32 * 1024;

/** Replaces a reader function (argument 1) by the text it gives, refusing more than the limit. */
function readChunk(L: LuaState): void {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    lua.lua_pushvalue(L, 1);
    lua.lua_call(L, 0, 1);
    if (lua.lua_isnil(L, -1)) {
      lua.lua_pop(L, 1);
      break;
    }
    if (!lua.lua_isstring(L, -1)) throw new MtaKitError('E_POLICY', 'reader function must return a string');
    const piece = lua.lua_tostring(L, -1) as Uint8Array;
    lua.lua_pop(L, 1);
    if (piece.length === 0) break;
    size += piece.length;
    if (size > MAX_LOAD_CHUNK) throw new MtaKitError('E_POLICY', `a chunk of over ${MAX_LOAD_CHUNK} bytes is over the sandbox's limit (the parser cannot be interrupted; put long code in a module and require it)`);
    parts.push(piece);
  }
  const text = Buffer.concat(parts, size);
  lua.lua_pushlstring(L, text, text.length);
  lua.lua_replace(L, 1);
}

/** Calls the original function kept as upvalue 1 with every argument; returns its results. */
function callUpvalue(L: LuaState, nresults: number): number {
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  lua.lua_call(L, lua.lua_gettop(L) - 1, nresults);
  return lua.lua_gettop(L);
}

/**
 * `pcall` without a continuation. fengari's yieldable pcall loses the "hooks allowed" flag when it
 * recovers from an error inside a coroutine (lua_pcallk sets the saved flag with `&=` instead of
 * `|=`), which would switch the budget hook off for the rest of the call: a policy could then
 * loop forever after catching one error. The non-yieldable path restores the flag correctly.
 */
const protectedCall: LuaCFunction = (L) => {
  lauxlib.luaL_checkany(L, 1);
  lua.lua_pushboolean(L, true);
  lua.lua_insert(L, 1);
  if (lua.lua_pcall(L, lua.lua_gettop(L) - 2, lua.LUA_MULTRET, 0) !== lua.LUA_OK) {
    lua.lua_pushboolean(L, false);
    lua.lua_insert(L, -2);
    return 2;
  }
  return lua.lua_gettop(L);
};

const protectedCallWithHandler: LuaCFunction = (L) => {
  lauxlib.luaL_checktype(L, 2, lua.LUA_TFUNCTION);
  const nargs = lua.lua_gettop(L) - 2;
  lua.lua_pushvalue(L, 2);
  lua.lua_remove(L, 2);
  lua.lua_insert(L, 1); // handler, f, args...
  lua.lua_pushboolean(L, true);
  lua.lua_insert(L, 2); // handler, true, f, args...
  if (lua.lua_pcall(L, nargs, lua.LUA_MULTRET, 1) !== lua.LUA_OK) {
    lua.lua_pushboolean(L, false);
    lua.lua_replace(L, 2);
    return 2;
  }
  return lua.lua_gettop(L) - 1;
};
