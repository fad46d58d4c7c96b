import { lauxlib, lua, type LuaCFunction, type LuaState } from 'fengari';
import ldo from 'fengari/src/ldo.js';
import { MtaKitError, SmtpReplyError, type MtaKitErrorCode } from '@mtakit/core';
import { pushUserdata, readString } from './values.js';

/** Where in a policy file something happened. */
export interface LuaLocation {
  file: string;
  line: number;
}

export interface LuaPolicyErrorOptions {
  code?: MtaKitErrorCode;
  location?: LuaLocation | undefined;
  traceback?: string | undefined;
  cause?: unknown;
}

/**
 * An error raised by (or while loading) a Lua policy. `location` is the file and line Lua reported;
 * the message starts with `file:line:` whenever Lua knew it.
 */
export class LuaPolicyError extends MtaKitError {
  readonly location: LuaLocation | undefined;
  readonly traceback: string | undefined;

  constructor(message: string, options: LuaPolicyErrorOptions = {}) {
    super(options.code ?? 'E_POLICY', message, { cause: options.cause });
    this.name = 'LuaPolicyError';
    this.location = options.location;
    this.traceback = options.traceback;
  }
}

const LOCATION = /^(?:\.\.\.)?([^\s:][^:]*):(\d+): /;

/** Extracts `file:line` from a Lua error message (`init.lua:12: attempt to ...`). */
export function parseLocation(message: string): LuaLocation | undefined {
  const m = LOCATION.exec(message);
  return m ? { file: m[1] as string, line: Number(m[2]) } : undefined;
}

/** Metatable name of error values that carry a JS error through Lua (kumo.reject, budget overruns). */
export const ERROR_TYPE = 'mtakit.Error';

/** Registers the error metatable in a fresh state. */
export function registerErrorType(L: LuaState): void {
  lauxlib.luaL_newmetatable(L, ERROR_TYPE);
  lua.lua_pushcfunction(L, (L1) => {
    const ud = lauxlib.luaL_checkudata(L1, 1, ERROR_TYPE);
    lua.lua_pushstring(L1, (ud['error'] as Error).message);
    return 1;
  });
  lua.lua_setfield(L, -2, '__tostring');
  lua.lua_pop(L, 1);
}

/** Errors that must reach the host as they are, not as text: replies and budget overruns. */
function travelsAsObject(error: Error): boolean {
  return error instanceof SmtpReplyError || (error instanceof MtaKitError && error.code === 'E_POLICY_TIMEOUT');
}

/** The Lua location of the caller of the running JS function, e.g. `init.lua:12: `. */
export function callerWhere(L: LuaState, level = 1): string {
  lauxlib.luaL_where(L, level);
  const where = readString(L, -1);
  lua.lua_pop(L, 1);
  return where;
}

/**
 * Raises a JS error inside Lua. Ordinary errors become strings (`file:line: fn: message`), as Lua
 * code expects from `pcall`; replies and budget overruns travel as userdata so the host gets the
 * typed error back. fengari's own control-flow throws (errors, yields) pass through untouched.
 */
export function raise(L: LuaState, error: unknown, fnName?: string): never {
  if (!(error instanceof Error)) throw error;
  if (travelsAsObject(error)) {
    pushErrorObject(L, error);
    return lua.lua_error(L);
  }
  lua.lua_pushstring(L, `${callerWhere(L)}${fnName ? `${fnName}: ` : ''}${error.message}`);
  return lua.lua_error(L);
}

function pushErrorObject(L: LuaState, error: Error): void {
  lua.lua_checkstack(L, 2); // raised from inside an instruction, the frame's stack may be full
  pushUserdata(L, ERROR_TYPE, 'error', error);
}

/**
 * Raises a budget overrun from the budget hook. `lua_error` would run the message handler of an
 * enclosing `xpcall` right there, inside the hook, where Lua turns hooks off: a handler that loops
 * would then never be stopped. Thrown this way the error unwinds to the protected call without
 * running the handler; the code after it fails again at its next instruction.
 */
export function throwPastHandler(L: LuaState, error: Error): never {
  pushErrorObject(L, error);
  return ldo.luaD_throw(L, lua.LUA_ERRRUN);
}

/** Wraps a JS implementation of a Lua function so thrown JS errors become Lua errors naming it. */
export function luaFunction(name: string, impl: LuaCFunction): LuaCFunction {
  return (L) => {
    try {
      return impl(L);
    } catch (error) {
      return raise(L, error, name);
    }
  };
}

/** Reads an error value: a JS error carried through Lua, or the text of anything else. */
export function readError(L: LuaState, idx: number): { error?: Error; message: string } {
  const ud = lauxlib.luaL_testudata(L, idx, ERROR_TYPE);
  if (ud) {
    const error = ud['error'] as Error;
    return { error, message: error.message };
  }
  if (lua.lua_type(L, idx) === lua.LUA_TSTRING) return { message: readString(L, idx) };
  const raw = lua.lua_type(L, idx) === lua.LUA_TLIGHTUSERDATA ? lua.lua_touserdata(L, idx) : undefined;
  if (raw instanceof Error) return { error: raw, message: raw.message }; // a JS exception fengari caught
  // Read after the call ended, outside its budget: a __tostring metamethod must not run here.
  if (lauxlib.luaL_getmetafield(L, idx, '__tostring') !== lua.LUA_TNIL) {
    lua.lua_pop(L, 1);
    return { message: `(error object is a ${Buffer.from(lauxlib.luaL_typename(L, idx)).toString()} value with __tostring, not called outside the policy's budget)` };
  }
  const text = lauxlib.luaL_tolstring(L, idx);
  lua.lua_pop(L, 1);
  return { message: Buffer.from(text).toString('utf8') };
}
