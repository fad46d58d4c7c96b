/**
 * Types for the part of fengari (Lua 5.3 in JavaScript, no types of its own) this package uses.
 * Lua strings are byte arrays; API functions taking a name also accept a JS string.
 */
declare module 'fengari' {
  export type LuaString = Uint8Array;
  /** An opaque Lua thread (`lua_State*`). */
  export interface LuaState {
    readonly __luaState: unique symbol;
  }
  export type LuaCFunction = (L: LuaState) => number;
  export type LuaKFunction = (L: LuaState, status: number, ctx: number) => number;
  export interface LuaDebug {
    event: number;
    currentline: number;
    short_src: LuaString | null;
  }
  export type LuaHook = (L: LuaState, ar: LuaDebug) => void;
  type Name = string | LuaString;

  export const lua: {
    LUA_OK: 0;
    LUA_YIELD: 1;
    LUA_ERRRUN: 2;
    LUA_ERRSYNTAX: 3;
    LUA_ERRMEM: 4;
    LUA_ERRGCMM: 5;
    LUA_ERRERR: 6;
    LUA_MULTRET: -1;
    LUA_MASKCOUNT: number;
    LUA_REGISTRYINDEX: number;
    LUA_TNONE: -1;
    LUA_TNIL: 0;
    LUA_TBOOLEAN: 1;
    LUA_TLIGHTUSERDATA: 2;
    LUA_TNUMBER: 3;
    LUA_TSTRING: 4;
    LUA_TTABLE: 5;
    LUA_TFUNCTION: 6;
    LUA_TUSERDATA: 7;
    LUA_TTHREAD: 8;
    lua_newthread(L: LuaState): LuaState;
    lua_resume(L: LuaState, from: LuaState | null, nargs: number): number;
    lua_status(L: LuaState): number;
    lua_yield(L: LuaState, nresults: number): number;
    lua_yieldk(L: LuaState, nresults: number, ctx: number, k: LuaKFunction): number;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_call(L: LuaState, nargs: number, nresults: number): void;
    lua_callk(L: LuaState, nargs: number, nresults: number, ctx: number, k: LuaKFunction): void;
    lua_isyieldable(L: LuaState): boolean;
    lua_error(L: LuaState): never;
    lua_sethook(L: LuaState, hook: LuaHook | null, mask: number, count: number): void;
    lua_gettop(L: LuaState): number;
    lua_settop(L: LuaState, idx: number): void;
    lua_pop(L: LuaState, n: number): void;
    lua_pushvalue(L: LuaState, idx: number): void;
    lua_insert(L: LuaState, idx: number): void;
    lua_remove(L: LuaState, idx: number): void;
    lua_replace(L: LuaState, idx: number): void;
    lua_xmove(from: LuaState, to: LuaState, n: number): void;
    lua_absindex(L: LuaState, idx: number): number;
    lua_checkstack(L: LuaState, n: number): boolean;
    lua_type(L: LuaState, idx: number): number;
    lua_isinteger(L: LuaState, idx: number): boolean;
    lua_isnone(L: LuaState, idx: number): boolean;
    lua_isnoneornil(L: LuaState, idx: number): boolean;
    lua_isnil(L: LuaState, idx: number): boolean;
    lua_toboolean(L: LuaState, idx: number): boolean;
    lua_tonumber(L: LuaState, idx: number): number;
    lua_tointeger(L: LuaState, idx: number): number;
    lua_tostring(L: LuaState, idx: number): LuaString | null;
    lua_tolstring(L: LuaState, idx: number): LuaString | null;
    lua_isstring(L: LuaState, idx: number): boolean;
    lua_tojsstring(L: LuaState, idx: number): string | null;
    lua_touserdata(L: LuaState, idx: number): unknown;
    lua_tothread(L: LuaState, idx: number): LuaState | null;
    lua_topointer(L: LuaState, idx: number): object | null;
    lua_rawlen(L: LuaState, idx: number): number;
    lua_pushnil(L: LuaState): void;
    lua_pushboolean(L: LuaState, b: boolean): void;
    lua_pushinteger(L: LuaState, n: number): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushstring(L: LuaState, s: Name): LuaString;
    lua_pushlstring(L: LuaState, s: LuaString, len: number): LuaString;
    lua_gettable(L: LuaState, idx: number): number;
    lua_pushliteral(L: LuaState, s: string): LuaString;
    lua_pushcfunction(L: LuaState, f: LuaCFunction): void;
    lua_pushcclosure(L: LuaState, f: LuaCFunction, n: number): void;
    lua_pushlightuserdata(L: LuaState, p: unknown): void;
    lua_newuserdata(L: LuaState, size: number): Record<string, unknown>;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_newtable(L: LuaState): void;
    lua_getglobal(L: LuaState, name: Name): number;
    lua_setglobal(L: LuaState, name: Name): void;
    lua_getfield(L: LuaState, idx: number, k: Name): number;
    lua_setfield(L: LuaState, idx: number, k: Name): void;
    lua_rawget(L: LuaState, idx: number): number;
    lua_rawset(L: LuaState, idx: number): void;
    lua_rawgeti(L: LuaState, idx: number, n: number): number;
    lua_rawseti(L: LuaState, idx: number, n: number): void;
    lua_next(L: LuaState, idx: number): boolean;
    lua_getmetatable(L: LuaState, idx: number): boolean;
    lua_setmetatable(L: LuaState, idx: number): void;
    lua_upvalueindex(i: number): number;
  };

  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_requiref(L: LuaState, modname: Name, openf: LuaCFunction, glb: number): void;
    luaL_loadbufferx(L: LuaState, buff: LuaString, size: number | null, name: Name | null, mode: Name | null): number;
    luaL_error(L: LuaState, fmt: Name, ...args: unknown[]): never;
    luaL_where(L: LuaState, level: number): void;
    luaL_traceback(L: LuaState, L1: LuaState, msg: Name | null, level: number): void;
    luaL_newmetatable(L: LuaState, tname: Name): boolean;
    luaL_setmetatable(L: LuaState, tname: Name): void;
    luaL_getmetatable(L: LuaState, tname: Name): number;
    luaL_testudata(L: LuaState, ud: number, tname: Name): Record<string, unknown> | null;
    luaL_checkudata(L: LuaState, ud: number, tname: Name): Record<string, unknown>;
    luaL_checkany(L: LuaState, arg: number): void;
    luaL_checkstring(L: LuaState, arg: number): LuaString;
    luaL_checkinteger(L: LuaState, arg: number): number;
    luaL_optinteger(L: LuaState, arg: number, def: number): number;
    luaL_checkstack(L: LuaState, space: number, msg: string): void;
    luaL_checknumber(L: LuaState, arg: number): number;
    luaL_checktype(L: LuaState, arg: number, t: number): void;
    luaL_argerror(L: LuaState, arg: number, extramsg: Name): never;
    luaL_tolstring(L: LuaState, idx: number): LuaString;
    luaL_typename(L: LuaState, idx: number): LuaString;
    luaL_getmetafield(L: LuaState, obj: number, event: Name): number;
    luaL_ref(L: LuaState, t: number): number;
    luaL_unref(L: LuaState, t: number, ref: number): void;
  };

  export const lualib: {
    luaopen_base: LuaCFunction;
    luaopen_coroutine: LuaCFunction;
    luaopen_table: LuaCFunction;
    luaopen_string: LuaCFunction;
    luaopen_math: LuaCFunction;
    luaopen_utf8: LuaCFunction;
    luaopen_os: LuaCFunction;
  };

  export function to_luastring(s: string, cache?: boolean): LuaString;
  export function to_jsstring(s: LuaString, from?: number, to?: number, replacementChar?: boolean): string;
}

/** fengari internals the budget reaches into (see vm/meter.ts and vm/errors.ts). */
declare module 'fengari/src/lobject.js' {
  import type { LuaState, LuaString } from 'fengari';
  interface TString {
    realstring: LuaString;
  }
  const lobject: {
    pushsvalue2s(L: LuaState, ts: TString): void;
    setsvalue2s(L: LuaState, idx: number, ts: TString): void;
  };
  export default lobject;
}

declare module 'fengari/src/ldo.js' {
  import type { LuaState } from 'fengari';
  const ldo: {
    /** Unwinds to the innermost protected call with `status`, without calling its message handler. */
    luaD_throw(L: LuaState, status: number): never;
  };
  export default ldo;
}
