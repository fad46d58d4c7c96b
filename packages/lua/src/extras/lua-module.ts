import { lua, type LuaCFunction, type LuaState } from 'fengari';
import { MtaKitError } from '@mtakit/core';
import type { KumoContext } from '../kumo/context.js';
import { luaFunction } from '../vm/errors.js';
import { readValue } from '../vm/values.js';

/** Helpers shared by the policy-extras modules' Lua bindings. */

/** Pushes a table of named functions (methods called with `:` receive the table as argument 1). */
export function pushFunctionTable(L: LuaState, prefix: string, functions: Record<string, LuaCFunction>): void {
  lua.lua_createtable(L, 0, Object.keys(functions).length);
  for (const [name, fn] of Object.entries(functions)) {
    lua.lua_pushcfunction(L, luaFunction(`${prefix}${name}`, fn));
    lua.lua_setfield(L, -2, name);
  }
}

/** A file list argument: one path or a list of paths. */
export function readFileList(L: LuaState, idx: number, what: string): string[] {
  const v = readValue(L, idx, { listKeys: new Set() }, 'files');
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((f) => typeof f !== 'string')) {
    throw new MtaKitError('E_POLICY', `${what} expects a file name or a list of file names`);
  }
  return list as string[];
}

/** Reads data files (TOML or JSON) on behalf of a helper; only while the policy loads. */
export function loadDataFiles(ctx: KumoContext, files: readonly string[], what: string): Array<{ name: string; data: unknown }> {
  requireLoading(ctx, what);
  return files.map((name) => ({ name, data: ctx.files.loadData(name, what) }));
}

export function requireLoading(ctx: KumoContext, what: string): void {
  if (!ctx.loading) throw new MtaKitError('E_POLICY', `${what} must be set up while the policy loads (top level, pre_init or init)`);
}

/** Registers a JS function as a handler of `event`, as `kumo.on` would. */
export function registerHandler(L: LuaState, ctx: KumoContext, event: string, name: string, fn: LuaCFunction): void {
  lua.lua_pushcfunction(L, luaFunction(name, fn));
  ctx.register(L, event);
}
