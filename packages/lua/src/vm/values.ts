import { lauxlib, lua, to_jsstring, to_luastring, type LuaState, type LuaString } from 'fengari';
import { MtaKitError } from '@mtakit/core';

/**
 * Values crossing the JS/Lua boundary: plain objects and arrays become tables, tables become
 * arrays (keys exactly 1..n) or objects. Lua has one empty table for both `[]` and `{}`; an empty
 * table becomes `{}` unless its key is listed in `listKeys` (config keys documented as lists).
 */

/** Pushes values that are not plain data (a Message, say); returns false to fall back. */
export type SpecialPusher = (L: LuaState, value: object) => boolean;
/** Reads userdata (or tables) the host knows about; returns undefined to leave them to the default. */
export type SpecialReader = (L: LuaState, idx: number) => unknown;

export interface ReadOptions {
  /** Keys whose empty table means an empty list. */
  listKeys?: ReadonlySet<string>;
  special?: SpecialReader;
}

const MAX_DEPTH = 32;

export function pushValue(L: LuaState, value: unknown, special?: SpecialPusher): void {
  pushAt(L, value, special, 0);
}

function pushAt(L: LuaState, value: unknown, special: SpecialPusher | undefined, depth: number): void {
  if (depth > MAX_DEPTH) throw new MtaKitError('E_POLICY', `value nested deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case 'undefined':
      lua.lua_pushnil(L);
      return;
    case 'boolean':
      lua.lua_pushboolean(L, value);
      return;
    case 'number':
      // fengari's integers are 32-bit: larger whole numbers travel as floats.
      if ((value | 0) === value) lua.lua_pushinteger(L, value);
      else lua.lua_pushnumber(L, value);
      return;
    case 'string':
      lua.lua_pushstring(L, value);
      return;
    case 'bigint':
      lua.lua_pushnumber(L, Number(value));
      return;
    case 'object':
      break;
    default:
      throw new MtaKitError('E_POLICY', `cannot pass a ${typeof value} to Lua`);
  }
  if (value === null) {
    lua.lua_pushnil(L);
    return;
  }
  if (value instanceof Uint8Array) {
    lua.lua_pushstring(L, value);
    return;
  }
  if (value instanceof Date) {
    lua.lua_pushstring(L, value.toISOString()); // TOML dates
    return;
  }
  if (special?.(L, value)) return;
  lua.lua_checkstack(L, 3);
  if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    value.forEach((item, i) => {
      pushAt(L, item, special, depth + 1);
      lua.lua_rawseti(L, -2, i + 1);
    });
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  lua.lua_createtable(L, 0, entries.length);
  for (const [k, v] of entries) {
    pushAt(L, v, special, depth + 1);
    lua.lua_setfield(L, -2, luaKey(k));
  }
}

const KEY_CACHE_LIMIT = 4096;
const keyCache = new Map<string, LuaString>();

/** Table keys repeat (config and meta names): their Lua form is cached, up to a bound. */
function luaKey(key: string): LuaString {
  let bytes = keyCache.get(key);
  if (bytes === undefined) {
    bytes = to_luastring(key);
    if (keyCache.size < KEY_CACHE_LIMIT) keyCache.set(key, bytes);
  }
  return bytes;
}

/** A Lua string (or number) as a JS string; invalid UTF-8 becomes U+FFFD. */
export function readString(L: LuaState, idx: number): string {
  const s = lua.lua_tostring(L, idx);
  if (s === null) throw new MtaKitError('E_POLICY', `expected a string, got ${typeName(L, idx)}`);
  return to_jsstring(s, 0, s.length, true);
}

/** A Lua string's raw bytes. */
export function readBytes(L: LuaState, idx: number): Buffer {
  const s = lua.lua_tostring(L, idx);
  if (s === null) throw new MtaKitError('E_POLICY', `expected a string, got ${typeName(L, idx)}`);
  return Buffer.from(s.buffer, s.byteOffset, s.length);
}

export function typeName(L: LuaState, idx: number): string {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TNONE:
      return 'no value';
    case lua.LUA_TNIL:
      return 'nil';
    case lua.LUA_TBOOLEAN:
      return 'boolean';
    case lua.LUA_TNUMBER:
      return 'number';
    case lua.LUA_TSTRING:
      return 'string';
    case lua.LUA_TTABLE:
      return 'table';
    case lua.LUA_TFUNCTION:
      return 'function';
    case lua.LUA_TTHREAD:
      return 'thread';
    default:
      return 'userdata';
  }
}

/** Converts the Lua value at `idx` to JS. Throws an MtaKitError naming the path of what cannot cross. */
export function readValue(L: LuaState, idx: number, options: ReadOptions = {}, path = 'value'): unknown {
  return readAt(L, lua.lua_absindex(L, idx), options, path, new Set(), undefined);
}

function readAt(L: LuaState, idx: number, options: ReadOptions, path: string, seen: Set<object>, key: string | undefined): unknown {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TNONE:
    case lua.LUA_TNIL:
      return undefined;
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, idx);
    case lua.LUA_TNUMBER:
      return lua.lua_isinteger(L, idx) ? lua.lua_tointeger(L, idx) : lua.lua_tonumber(L, idx);
    case lua.LUA_TSTRING:
      return readString(L, idx);
    case lua.LUA_TTABLE:
      return options.special?.(L, idx) ?? readTable(L, idx, options, path, seen, key);
    case lua.LUA_TUSERDATA:
    case lua.LUA_TLIGHTUSERDATA: {
      const v = options.special?.(L, idx);
      if (v !== undefined) return v;
      break;
    }
    default:
      break;
  }
  throw new MtaKitError('E_POLICY', `${path}: a ${typeName(L, idx)} cannot be converted to data`);
}

function readTable(L: LuaState, idx: number, options: ReadOptions, path: string, seen: Set<object>, key: string | undefined): unknown {
  const identity = lua.lua_topointer(L, idx) as object;
  if (seen.has(identity)) throw new MtaKitError('E_POLICY', `${path}: table refers to itself`);
  if (seen.size >= MAX_DEPTH) throw new MtaKitError('E_POLICY', `${path}: nested deeper than ${MAX_DEPTH} levels`);
  seen.add(identity);
  lua.lua_checkstack(L, 4);
  const entries: Array<[string | number, unknown]> = [];
  let sequential = true;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx)) {
    const k = tableKey(L, path);
    if (typeof k !== 'number' || k !== entries.length + 1) sequential = false;
    entries.push([k, readAt(L, lua.lua_gettop(L), options, `${path}${typeof k === 'number' ? `[${k}]` : `.${k}`}`, seen, String(k))]);
    lua.lua_pop(L, 1);
  }
  seen.delete(identity);
  if (entries.length === 0) return key !== undefined && options.listKeys?.has(key) ? [] : {};
  // lua_next may visit integer keys out of order; a dense 1..n set is still a list.
  if (!sequential && entries.every(([k]) => typeof k === 'number')) {
    entries.sort((a, b) => (a[0] as number) - (b[0] as number));
    sequential = entries.every(([k], i) => k === i + 1);
  }
  if (sequential) return entries.map(([, v]) => v);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) if (v !== undefined) out[String(k)] = v;
  return out;
}

function tableKey(L: LuaState, path: string): string | number {
  const t = lua.lua_type(L, -2);
  if (t === lua.LUA_TSTRING) return readString(L, -2);
  if (t === lua.LUA_TNUMBER) return lua.lua_isinteger(L, -2) ? lua.lua_tointeger(L, -2) : lua.lua_tonumber(L, -2);
  throw new MtaKitError('E_POLICY', `${path}: table keys must be strings or numbers, found a ${typeName(L, -2)} key`);
}

/** Pushes a userdata of the registered metatable `type` carrying `value` under `key` (read with luaL_checkudata). */
export function pushUserdata(L: LuaState, type: string, key: string, value: unknown): void {
  const ud = lua.lua_newuserdata(L, 0);
  ud[key] = value;
  lauxlib.luaL_setmetatable(L, type);
}
