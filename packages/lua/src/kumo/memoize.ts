import { lauxlib, lua, type LuaState } from 'fengari';
import { MtaKitError, parseDuration } from '@mtakit/core';
import { luaFunction } from '../vm/errors.js';
import { readString } from '../vm/values.js';

/**
 * kumo.memoize and kumo.set_lruttl_cache_capacity, in Lua so the memoized function runs (and may
 * wait for the host) like any policy code: results are cached per argument list (their JSON),
 * for `ttl`, at most `capacity` entries per cache (least recently used dropped first).
 */
const SOURCE = String.raw`
local kumo, ttl_seconds = ...
local caches = {}

local function evict(cache)
  while cache.size > cache.capacity do
    local oldest, oldest_used
    for key, entry in pairs(cache.entries) do
      if not oldest_used or entry.used < oldest_used then oldest, oldest_used = key, entry.used end
    end
    cache.entries[oldest] = nil
    cache.size = cache.size - 1
  end
end

function kumo.memoize(fn, params)
  if type(params) ~= 'table' or type(params.name) ~= 'string' then
    error('kumo.memoize: params must be a table with name, ttl and capacity', 2)
  end
  local cache = { entries = {}, size = 0, capacity = params.capacity or 1024, ttl = ttl_seconds(params.ttl or '5 minutes'), tick = 0 }
  caches[params.name] = cache
  return function(...)
    local key = kumo.json_encode({ ... })
    local now = os.time()
    cache.tick = cache.tick + 1
    local entry = cache.entries[key]
    if entry and entry.expires > now then
      entry.used = cache.tick
      return table.unpack(entry.values, 1, entry.values.n)
    end
    local values = table.pack(fn(...))
    if not entry then cache.size = cache.size + 1 end
    cache.entries[key] = { values = values, expires = now + cache.ttl, used = cache.tick }
    evict(cache)
    return table.unpack(values, 1, values.n)
  end
end

function kumo.set_lruttl_cache_capacity(name, capacity)
  local cache = caches[name]
  if not cache then error(string.format("kumo.set_lruttl_cache_capacity: no memoize cache named '%s'", tostring(name)), 2) end
  cache.capacity = capacity
  evict(cache)
end
`;

/** Adds memoize and set_lruttl_cache_capacity to the kumo table on top of the stack. */
export function installMemoize(L: LuaState): void {
  if (lauxlib.luaL_loadbufferx(L, Buffer.from(SOURCE), SOURCE.length, '=kumo.memoize', 't') !== lua.LUA_OK) {
    throw new MtaKitError('E_INTERNAL', readString(L, -1));
  }
  lua.lua_pushvalue(L, -2);
  lua.lua_pushcfunction(L, luaFunction('kumo.memoize ttl', (L1) => {
    lua.lua_pushnumber(L1, parseDuration(lua.lua_type(L1, 1) === lua.LUA_TNUMBER ? lua.lua_tonumber(L1, 1) * 1000 : readString(L1, 1)) / 1000);
    return 1;
  }));
  lua.lua_call(L, 2, 0);
}
