import { lauxlib, lua, type LuaState } from 'fengari';
import { MtaKitError, type ConnectionMeta } from '@mtakit/core';
import { luaFunction } from '../vm/errors.js';
import { pushUserdata, pushValue, readString, readValue, typeName } from '../vm/values.js';

/**
 * KumoMTA's envelope address objects (`msg:sender()`, `msg:recipient()`, the address given to
 * smtp_server_mail_from / smtp_server_rcpt_to): fields `user`, `domain` and `email`, and
 * `tostring(addr)` gives the address. The null sender `<>` has empty fields. Read-only userdata.
 */
export const ENVELOPE_TYPE = 'kumo.EnvelopeAddress';
const CONN_META_TYPE = 'kumo.ConnectionMeta';

/** An address to give Lua as an envelope object (pushValue's special pusher recognises it). */
export class EnvelopeArg {
  constructor(readonly address: string) {}
}

/** Connection metadata to give Lua as a table that also answers `conn:get_meta(key)`. */
export class ConnMetaArg {
  constructor(readonly meta: ConnectionMeta) {}
}

function fields(address: string): Record<string, string> {
  const at = address.lastIndexOf('@');
  return at < 0 ? { email: address, user: address, domain: '' } : { email: address, user: address.slice(0, at), domain: address.slice(at + 1) };
}

export function registerEnvelopeTypes(L: LuaState): void {
  lauxlib.luaL_newmetatable(L, ENVELOPE_TYPE);
  lua.lua_pushcfunction(L, luaFunction('EnvelopeAddress', (L1) => {
    const address = lauxlib.luaL_checkudata(L1, 1, ENVELOPE_TYPE)['address'] as string;
    const key = lua.lua_type(L1, 2) === lua.LUA_TSTRING ? readString(L1, 2) : '';
    const value = fields(address)[key];
    if (value === undefined) throw new MtaKitError('E_POLICY', `an envelope address has user, domain and email, not ${key || typeName(L1, 2)}`);
    lua.lua_pushstring(L1, value);
    return 1;
  }));
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pushcfunction(L, (L1) => {
    lua.lua_pushstring(L1, lauxlib.luaL_checkudata(L1, 1, ENVELOPE_TYPE)['address'] as string);
    return 1;
  });
  lua.lua_setfield(L, -2, '__tostring');
  lua.lua_pushcfunction(L, (L1) => {
    const a = lauxlib.luaL_testudata(L1, 1, ENVELOPE_TYPE)?.['address'];
    const b = lauxlib.luaL_testudata(L1, 2, ENVELOPE_TYPE)?.['address'];
    lua.lua_pushboolean(L1, a !== undefined && a === b);
    return 1;
  });
  lua.lua_setfield(L, -2, '__eq');
  lua.lua_pop(L, 1);

  lauxlib.luaL_newmetatable(L, CONN_META_TYPE);
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushcfunction(L, (L1) => {
    lua.lua_settop(L1, 2);
    lua.lua_rawget(L1, 1);
    return 1;
  });
  lua.lua_setfield(L, -2, 'get_meta');
  lua.lua_pushcfunction(L, (L1) => {
    lua.lua_settop(L1, 3);
    lua.lua_rawset(L1, 1);
    return 0;
  });
  lua.lua_setfield(L, -2, 'set_meta');
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pop(L, 1);
}

export function pushEnvelope(L: LuaState, address: string): void {
  pushUserdata(L, ENVELOPE_TYPE, 'address', address);
}

/** For pushValue: envelope and connection arguments. */
export function pushEnvelopeSpecial(L: LuaState, value: object): boolean {
  if (value instanceof EnvelopeArg) {
    pushEnvelope(L, value.address);
    return true;
  }
  if (value instanceof ConnMetaArg) {
    pushValue(L, value.meta);
    lauxlib.luaL_setmetatable(L, CONN_META_TYPE);
    return true;
  }
  return false;
}

/** The address of the envelope object at `idx`, if it is one. */
export function envelopeAt(L: LuaState, idx: number): string | undefined {
  return lauxlib.luaL_testudata(L, idx, ENVELOPE_TYPE)?.['address'] as string | undefined;
}

/** An address given as a string or an envelope object. */
export function readAddress(L: LuaState, idx: number, what: string): string {
  const address = envelopeAt(L, idx);
  if (address !== undefined) return address;
  if (lua.lua_type(L, idx) === lua.LUA_TSTRING) return readString(L, idx);
  throw new MtaKitError('E_POLICY', `${what} must be an address (a string or an envelope address), not ${typeName(L, idx)}`);
}

/** One address or a list of them (msg:set_recipient accepts both). */
export function readAddressList(L: LuaState, idx: number, what: string): string[] {
  if (lua.lua_type(L, idx) !== lua.LUA_TTABLE) return [readAddress(L, idx, what)];
  const list = readValue(L, idx, { listKeys: new Set(), special: envelopeAt }, what);
  if (!Array.isArray(list) || list.some((a) => typeof a !== 'string')) throw new MtaKitError('E_POLICY', `${what} must be a list of addresses`);
  return list as string[];
}
