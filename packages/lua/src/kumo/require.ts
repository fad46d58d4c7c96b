import { lauxlib, lua, type LuaState } from 'fengari';
import { MtaKitError } from '@mtakit/core';
import { EXTRA_MODULES } from '../extras/index.js';
import { LUA_HELPERS } from '../extras/lua-helpers.js';
import { luaFunction } from '../vm/errors.js';
import { readString } from '../vm/values.js';
import type { KumoContext } from './context.js';

/**
 * `require` limited to an allowlist: `kumo`, the policy-extras modules, and `.lua` files below the
 * allowed directories (`require 'lib.routing'` → `lib/routing.lua` or `lib/routing/init.lua`).
 * Modules are loaded once per state, while the policy loads.
 */
export function installRequire(L: LuaState, ctx: KumoContext): void {
  const loaded = new Map<string, number>();
  const inProgress = new Set<string>();

  const store = (L1: LuaState, name: string): number => {
    if (lua.lua_isnil(L1, -1)) {
      lua.lua_pop(L1, 1);
      lua.lua_pushboolean(L1, true);
    }
    lua.lua_pushvalue(L1, -1);
    loaded.set(name, lauxlib.luaL_ref(L1, lua.LUA_REGISTRYINDEX));
    inProgress.delete(name);
    return 1;
  };

  lua.lua_pushcfunction(L, luaFunction('require', (L1) => {
    const name = readString(L1, 1);
    const ref = loaded.get(name);
    if (ref !== undefined) {
      lua.lua_rawgeti(L1, lua.LUA_REGISTRYINDEX, ref);
      return 1;
    }
    if (name === 'kumo') {
      lua.lua_getglobal(L1, 'kumo');
      return 1;
    }
    if (!ctx.loading) throw new MtaKitError('E_POLICY', `module '${name}' must be required while the policy loads`);
    const extra = EXTRA_MODULES[name];
    if (extra) {
      extra(L1, ctx);
      return store(L1, name);
    }
    const helper = LUA_HELPERS[name];
    const path = helper === undefined ? ctx.files.findModule(name) : undefined;
    if (helper === undefined && !path) {
      throw new MtaKitError('E_POLICY', `module '${name}' is not available in the sandbox (allowed: kumo, ${[...Object.keys(EXTRA_MODULES), ...Object.keys(LUA_HELPERS)].join(', ')}, and .lua modules below the allowed directories)`);
    }
    if (inProgress.has(name)) throw new MtaKitError('E_POLICY', `module '${name}' requires itself`);
    inProgress.add(name);
    const source = path ? ctx.files.readBytes(path, `require '${name}'`) : Buffer.from(helper as string);
    const chunkName = path ? ctx.files.chunkName(path) : `=${name}`;
    if (lauxlib.luaL_loadbufferx(L1, source, source.length, chunkName, 't') !== lua.LUA_OK) return lua.lua_error(L1);
    lua.lua_pushstring(L1, name);
    lua.lua_callk(L1, 1, 1, 0, (L2) => store(L2, name));
    return store(L1, name);
  }));
  lua.lua_setglobal(L, 'require');
}
