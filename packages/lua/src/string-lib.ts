import { lauxlib, lua, type LuaState } from 'fengari';
import { MtaKitError } from '@mtakit/core';
import { luaFunction } from './vm/errors.js';
import { chargeBytes, chargeSteps, runMetered } from './vm/meter.js';
import { findPlain, isPlain, Matcher, type CaptureValue } from './vm/pattern.js';
import { Pieces } from './vm/pieces.js';
import { installBudgetedFormat } from './string-format.js';

/**
 * The parts of the string library a policy could use to stall the event loop inside one VM
 * instruction, replaced (Lua 5.3 semantics kept):
 * - find, match, gmatch and gsub run on the budgeted matcher (vm/pattern.ts); gsub counts the bytes
 *   of its result as it builds it, so a replacement cannot grow it past the call's memory budget;
 * - rep, upper, lower and reverse are native-speed (fengari's copy byte by byte: 2.4 s for a
 *   16 MiB string.rep) and charge their result before allocating it;
 * - format builds its result from charged pieces (string-format.ts).
 */
export function installBudgetedStrings(L: LuaState, maxStringBytes: number): void {
  lua.lua_getglobal(L, 'string');
  const fns: Record<string, (L: LuaState) => number> = {
    find: (L1) => findAux(L1, true), match: (L1) => findAux(L1, false), gmatch, gsub,
    rep: (L1) => rep(L1, maxStringBytes),
    upper: (L1) => mapBytes(L1, UPPER),
    lower: (L1) => mapBytes(L1, LOWER),
    reverse: (L1) => pushOwned(L1, Buffer.from(lauxlib.luaL_checkstring(L1, 1)).reverse()),
  };
  for (const [name, fn] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, luaFunction(`string.${name}`, fn));
    lua.lua_setfield(L, -2, name);
  }
  installBudgetedFormat(L);
  lua.lua_pop(L, 1);
}

const CARET = 0x5e;

/** Pushes bytes the caller allocated (and charged); pushing copies them, uncharged. */
function pushOwned(L: LuaState, bytes: Uint8Array): number {
  runMetered(undefined, () => lua.lua_pushlstring(L, bytes, bytes.length));
  return 1;
}

const byteTable = (map: (c: number) => number) => Uint8Array.from({ length: 256 }, (_, c) => map(c));
const UPPER = byteTable((c) => (c >= 0x61 && c <= 0x7a ? c & 0xdf : c));
const LOWER = byteTable((c) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c));

function mapBytes(L: LuaState, table: Uint8Array): number {
  const s = lauxlib.luaL_checkstring(L, 1);
  chargeBytes(L, s.length);
  const out = Buffer.allocUnsafe(s.length);
  for (let i = 0; i < s.length; i++) out[i] = table[s[i] as number] as number;
  return pushOwned(L, out);
}

function rep(L: LuaState, maxBytes: number): number {
  const s = lauxlib.luaL_checkstring(L, 1);
  const n = lauxlib.luaL_checkinteger(L, 2);
  const sep = lua.lua_isnoneornil(L, 3) ? new Uint8Array(0) : lauxlib.luaL_checkstring(L, 3);
  const size = n <= 0 ? 0 : s.length * n + sep.length * (n - 1);
  if (size > maxBytes) throw new MtaKitError('E_POLICY', `result of ${size} bytes is over the sandbox's ${maxBytes}-byte string limit`);
  chargeBytes(L, size);
  const out = Buffer.allocUnsafe(size);
  if (size === 0) return pushOwned(L, out);
  const unit = Buffer.concat([sep, s]); // each copy after the first is separator + s
  out.set(s, 0);
  let filled = s.length;
  if (filled < size) out.set(unit.subarray(0, Math.min(unit.length, size - filled)), filled);
  filled = Math.min(size, filled + unit.length);
  while (filled < size) { // the part after the first copy is periodic: double it
    const n1 = Math.min(filled - s.length, size - filled);
    out.copyWithin(filled, s.length, s.length + n1);
    filled += n1;
  }
  return pushOwned(L, out);
}

/** Lua's posrelat: a negative position counts from the end. */
function startAt(L: LuaState, arg: number, length: number): number {
  const init = lauxlib.luaL_optinteger(L, arg, 1);
  if (init >= 0) return init;
  return -init > length ? 0 : length + init + 1;
}

const metered = (L: LuaState) => (n: number) => chargeSteps(L, n);

function pushCapture(L: LuaState, src: Uint8Array, c: CaptureValue): void {
  if (c.kind === 'position') lua.lua_pushinteger(L, c.pos);
  else lua.lua_pushlstring(L, src.subarray(c.start, c.end), c.end - c.start);
}

function pushCaptures(L: LuaState, m: Matcher, s: number, e: number, wholeIfNone = true): number {
  const captures = m.captures(s, e, wholeIfNone);
  lauxlib.luaL_checkstack(L, captures.length, 'too many captures');
  for (const c of captures) pushCapture(L, m.src, c);
  return captures.length;
}

function findAux(L: LuaState, find: boolean): number {
  const src = lauxlib.luaL_checkstring(L, 1);
  let pat = lauxlib.luaL_checkstring(L, 2);
  let init = Math.max(startAt(L, 3, src.length), 1);
  if (init > src.length + 1) {
    lua.lua_pushnil(L);
    return 1;
  }
  if (find && (lua.lua_toboolean(L, 4) || isPlain(pat))) {
    const at = findPlain(src, pat, init - 1, metered(L));
    if (at < 0) {
      lua.lua_pushnil(L);
      return 1;
    }
    lua.lua_pushinteger(L, at + 1);
    lua.lua_pushinteger(L, at + pat.length);
    return 2;
  }
  const anchor = pat[0] === CARET;
  if (anchor) pat = pat.subarray(1);
  const m = new Matcher(src, pat, metered(L));
  for (let s = init - 1; ; s++) {
    const e = m.match(s);
    if (e !== null) {
      if (!find) return pushCaptures(L, m, s, e);
      lua.lua_pushinteger(L, s + 1);
      lua.lua_pushinteger(L, e);
      return 2 + pushCaptures(L, m, s, e, false);
    }
    if (anchor || s >= src.length) break;
  }
  lua.lua_pushnil(L);
  return 1;
}

function gmatch(L: LuaState): number {
  const src = lauxlib.luaL_checkstring(L, 1);
  const pat = lauxlib.luaL_checkstring(L, 2);
  let from = 0;
  let lastMatch = -1;
  lua.lua_pushcfunction(L, luaFunction('string.gmatch', (L1) => {
    const m = new Matcher(src, pat, metered(L1));
    for (let s = from; s <= src.length; s++) {
      const e = m.match(s);
      if (e !== null && e !== lastMatch) {
        from = lastMatch = e;
        return pushCaptures(L1, m, s, e);
      }
    }
    from = src.length + 1;
    return 0;
  }));
  return 1;
}

function gsub(L: LuaState): number {
  const src = lauxlib.luaL_checkstring(L, 1);
  let pat = lauxlib.luaL_checkstring(L, 2);
  const kind = lua.lua_type(L, 3);
  const max = lauxlib.luaL_optinteger(L, 4, src.length + 1);
  if (kind !== lua.LUA_TNUMBER && kind !== lua.LUA_TSTRING && kind !== lua.LUA_TFUNCTION && kind !== lua.LUA_TTABLE) {
    return lauxlib.luaL_argerror(L, 3, 'string/function/table expected');
  }
  const anchor = pat[0] === CARET;
  if (anchor) pat = pat.subarray(1);
  const m = new Matcher(src, pat, metered(L));
  const out = new Pieces(L);
  const template = kind === lua.LUA_TNUMBER || kind === lua.LUA_TSTRING ? lauxlib.luaL_checkstring(L, 3) : undefined;
  let s = 0;
  let copied = 0; // src before this is in `out` already
  let lastMatch = -1;
  let n = 0;
  while (n < max) {
    const e = m.match(s);
    if (e !== null && e !== lastMatch) {
      n++;
      out.add(src.subarray(copied, s));
      if (template) expandTemplate(m, s, e, template, out);
      else out.add(replacementValue(L, m, s, e, kind));
      s = copied = lastMatch = e;
    } else if (s < src.length) s++;
    else break;
    if (anchor) break;
  }
  out.add(src.subarray(copied));
  out.push();
  lua.lua_pushinteger(L, n);
  return 2;
}

function expandTemplate(m: Matcher, s: number, e: number, template: Uint8Array, out: Pieces): void {
  let literal = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== 0x25) continue;
    out.add(template.subarray(literal, i));
    const d = template[++i];
    literal = i + 1;
    if (d === 0x25) out.add(template.subarray(i, i + 1));
    else if (d === 0x30) out.add(m.src.subarray(s, e));
    else if (d !== undefined && d >= 0x31 && d <= 0x39) {
      const c = m.captureAt(d - 0x31, s, e);
      out.add(c.kind === 'position' ? Buffer.from(String(c.pos)) : m.src.subarray(c.start, c.end));
    } else throw new MtaKitError('E_POLICY', "invalid use of '%' in replacement string");
  }
  out.add(template.subarray(literal));
}

/** The replacement a table or function gives for one match (false or nil keeps the match). */
function replacementValue(L: LuaState, m: Matcher, s: number, e: number, kind: number): Uint8Array {
  if (kind === lua.LUA_TFUNCTION) {
    lua.lua_pushvalue(L, 3);
    lua.lua_call(L, pushCaptures(L, m, s, e), 1);
  } else {
    pushCapture(L, m.src, m.captureAt(0, s, e));
    lua.lua_gettable(L, 3);
  }
  try {
    if (!lua.lua_toboolean(L, -1)) return m.src.subarray(s, e);
    if (!lua.lua_isstring(L, -1)) {
      throw new MtaKitError('E_POLICY', `invalid replacement value (a ${Buffer.from(lauxlib.luaL_typename(L, -1)).toString()})`);
    }
    return lua.lua_tolstring(L, -1) as Uint8Array;
  } finally {
    lua.lua_pop(L, 1);
  }
}
