import { lauxlib, lua, type LuaCFunction, type LuaState } from 'fengari';
import { Message, MtaKitError, queueNameFor, type JsonValue } from '@mtakit/core';
import { luaFunction } from '../vm/errors.js';
import { pushUserdata, pushValue, readBytes, readString, readValue, typeName } from '../vm/values.js';
import { MESSAGE_METHODS } from './compat.js';
import { checkFixConformance } from './conformance.js';
import { authenticationResults, importSchedulingHeader, setScheduling } from './message-extras.js';
import { EnvelopeArg, pushEnvelopeSpecial, readAddress, readAddressList } from './envelope.js';
import { readSigner } from './signer.js';

/**
 * A core Message as Lua userdata with KumoMTA's method names (`msg:get_meta('tenant')`, …).
 * Methods edit the Message in place; the host sees the changes when the hook returns.
 */
export const MESSAGE_TYPE = 'kumo.Message';

type Method = (L: LuaState, msg: Message) => number;

function checkMessage(L: LuaState): Message {
  return lauxlib.luaL_checkudata(L, 1, MESSAGE_TYPE)['message'] as Message;
}

function str(L: LuaState, idx: number, what: string): string {
  if (lua.lua_type(L, idx) !== lua.LUA_TSTRING && lua.lua_type(L, idx) !== lua.LUA_TNUMBER) {
    throw new MtaKitError('E_POLICY', `${what} must be a string, not ${typeName(L, idx)}`);
  }
  return readString(L, idx);
}

/** An optional list of names (`{ 'x-tenant' }`) or a single name. */
function optNames(L: LuaState, idx: number): string[] | undefined {
  if (lua.lua_isnoneornil(L, idx)) return undefined;
  const v = readValue(L, idx, { listKeys: new Set() }, 'names');
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  if (v !== null && typeof v === 'object' && Object.keys(v).length === 0) return [];
  throw new MtaKitError('E_POLICY', 'names must be a list of header names');
}

function pushString(L: LuaState, s: string | undefined): number {
  if (s === undefined) lua.lua_pushnil(L);
  else lua.lua_pushstring(L, s);
  return 1;
}

/** The first address of an address header, as KumoMTA exposes it: email, name, user, domain. */
function addressOf(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const angle = /^(.*?)<([^>]*)>/.exec(value);
  const email = (angle ? angle[2] as string : value.split(',')[0] as string).trim();
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  const name = angle ? (angle[1] as string).trim().replace(/^"(.*)"$/, '$1') : '';
  return { email, name, user: email.slice(0, at), domain: email.slice(at + 1).toLowerCase() };
}

const METHODS: Record<string, Method> = {
  id: (L, m) => pushString(L, m.id),
  sender: (L, m) => (pushValue(L, new EnvelopeArg(m.sender), pushSpecial), 1),
  recipient: (L, m) => (pushValue(L, new EnvelopeArg(m.recipient), pushSpecial), 1),
  recipient_list: (L, m) => (pushValue(L, [new EnvelopeArg(m.recipient)], pushSpecial), 1),
  set_sender: (L, m) => ((m.sender = readAddress(L, 2, 'sender')), 0),
  set_recipient: (L, m) => {
    const list = readAddressList(L, 2, 'recipient');
    if (list.length !== 1) throw new MtaKitError('E_POLICY', 'an mtakit message has exactly one recipient');
    m.recipient = list[0] as string;
    return 0;
  },
  get_meta: (L, m) => (pushValue(L, m.getMeta(str(L, 2, 'key'))), 1),
  set_meta: (L, m) => {
    m.setMeta(str(L, 2, 'key'), readValue(L, 3, {}, 'value') as JsonValue | undefined);
    return 0;
  },
  get_data: (L, m) => (lua.lua_pushstring(L, m.getData()), 1),
  set_data: (L, m) => (m.setData(Buffer.from(readBytes(L, 2))), 0),
  get_first_named_header_value: (L, m) => pushString(L, m.getFirstHeader(str(L, 2, 'name'))),
  get_all_named_header_values: (L, m) => (pushValue(L, m.getAllHeaders(str(L, 2, 'name'))), 1),
  get_all_headers: (L, m) => (pushValue(L, m.headers()), 1),
  get_address_header: (L, m) => (pushValue(L, addressOf(m.getFirstHeader(str(L, 2, 'name')))), 1),
  from_header: (L, m) => (pushValue(L, addressOf(m.getFirstHeader('From'))), 1),
  to_header: (L, m) => (pushValue(L, addressOf(m.getFirstHeader('To'))), 1),
  append_header: (L, m) => (m.appendHeader(str(L, 2, 'name'), str(L, 3, 'value')), 0),
  prepend_header: (L, m) => (m.prependHeader(str(L, 2, 'name'), str(L, 3, 'value')), 0),
  remove_all_named_headers: (L, m) => (m.removeAllHeaders(str(L, 2, 'name')), 0),
  remove_x_headers: (L, m) => (m.removeXHeaders(optNames(L, 2)), 0),
  import_x_headers: (L, m) => (m.importXHeaders(optNames(L, 2)), 0),
  num_attempts: (L, m) => (lua.lua_pushinteger(L, m.numAttempts), 1),
  increment_num_attempts: (_L, m) => ((m.numAttempts += 1), 0),
  queue_name: (L, m) => pushString(L, queueNameFor(m.meta, m.recipientDomain)),
  set_due: (L, m) => {
    m.due = lua.lua_isnoneornil(L, 2) ? undefined : lauxlib.luaL_checknumber(L, 2) * 1000;
    return 0;
  },
  size: (L, m) => (lua.lua_pushinteger(L, m.size), 1),
  shrink: (_L, m) => (m.shrink(), 0),
  dkim_sign: (L, m) => (m.setData(readSigner(L, 2).sign(m.getData())), 0),
  save: () => 0, // the host writes the message to the spool (with fsync) once the hook returns
  shrink_data: (_L, m) => (m.shrink(), 0),
  set_scheduling: (L, m) => (setScheduling(m, readValue(L, 2, {}, 'scheduling') as JsonValue | undefined), 0),
  import_scheduling_header: (L, m) => (importSchedulingHeader(m, str(L, 2, 'header name'), lua.lua_toboolean(L, 3)), 0),
  add_authentication_results: (L, m) => (m.prependHeader('Authentication-Results', authenticationResults(str(L, 2, 'server_id'), readValue(L, 3, { listKeys: new Set(['']) }, 'results') as JsonValue)), 0),
  check_fix_conformance: (L, m) => pushString(L, checkFixConformance(m, str(L, 2, 'check'), lua.lua_isnoneornil(L, 3) ? '' : str(L, 3, 'fix'))),
};

/** KumoMTA's methods mtakit refuses: calling one raises an error naming the alternative. */
const REFUSED: Record<string, Method> = Object.fromEntries(MESSAGE_METHODS.filter((m) => m.status === 'refused').map((m) => [m.name, () => {
  throw new MtaKitError('E_POLICY', `is not supported by mtakit: ${m.note}`);
}]));

/** Registers the Message metatable in a fresh state. */
export function registerMessageType(L: LuaState): void {
  lauxlib.luaL_newmetatable(L, MESSAGE_TYPE);
  lua.lua_createtable(L, 0, Object.keys(METHODS).length);
  for (const [name, method] of Object.entries({ ...REFUSED, ...METHODS })) {
    const fn: LuaCFunction = (L1) => method(L1, checkMessage(L1));
    lua.lua_pushcfunction(L, luaFunction(`msg:${name}`, fn));
    lua.lua_setfield(L, -2, name);
  }
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pushcfunction(L, (L1) => pushString(L1, `Message(${checkMessage(L1).id})`));
  lua.lua_setfield(L, -2, '__tostring');
  lua.lua_pop(L, 1);
}

export function pushMessage(L: LuaState, message: Message): void {
  pushUserdata(L, MESSAGE_TYPE, 'message', message);
}

/** The Message behind the userdata at `idx`, if it is one. */
export function toMessage(L: LuaState, idx: number): Message | undefined {
  const ud = lauxlib.luaL_testudata(L, idx, MESSAGE_TYPE);
  return ud ? (ud['message'] as Message) : undefined;
}

/** For `pushValue`: Messages, envelope addresses and connection meta become userdata. */
export function pushSpecial(L: LuaState, value: object): boolean {
  if (!(value instanceof Message)) return pushEnvelopeSpecial(L, value);
  pushMessage(L, value);
  return true;
}
