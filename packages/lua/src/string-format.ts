import { lauxlib, lua, type LuaState } from 'fengari';
import { luaFunction } from './vm/errors.js';
import { Pieces } from './vm/pieces.js';

/** One conversion of a format string after its '%': flags, width, precision, the conversion. */
const SPEC = /^([-+ #0]{0,5})(\d{0,2})(?:\.(\d{0,2}))?([a-zA-Z])/;
const PERCENT = 0x25;

/**
 * Replaces `string.format` (kept as the upvalue for numeric conversions) with one that builds its
 * result from charged pieces. fengari's own format runs inside one VM instruction that the budget
 * hook cannot interrupt: `%q` of 16 MiB of NULs stalled the event loop for 70 s, `%s` of 16 MiB for
 * 250 ms. Here `%s` and `%q` of strings are copied and quoted at native speed, every piece counts
 * against the call's time and memory budget, and the other conversions (numbers, `%c`, `%q` of
 * non-strings) go to the original one at a time; Lua 5.3 semantics are kept.
 */
export function installBudgetedFormat(L: LuaState): void {
  lua.lua_getfield(L, -1, 'format');
  lua.lua_pushcclosure(L, luaFunction('string.format', format), 1);
  lua.lua_setfield(L, -2, 'format');
}

/**
 * Below this many bytes of string arguments (and with no argument whose __tostring could return a
 * long string) fengari's own format runs: bounded work (`%q` of 4 KiB of NULs: ~12 ms at load 16),
 * at its own speed, which is about twice ours for short formats.
 */
const SHORT = 4096;

function format(L: LuaState): number {
  const fmt = lauxlib.luaL_checkstring(L, 1);
  const top = lua.lua_gettop(L);
  if (short(L, top)) {
    lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
    lua.lua_insert(L, 1);
    lua.lua_call(L, top, 1);
    return 1;
  }
  const out = new Pieces(L);
  let arg = 1;
  let literal = 0;
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== PERCENT) continue;
    out.add(fmt.subarray(literal, i));
    if (fmt[i + 1] === PERCENT) {
      out.add(fmt.subarray(i, i + 1));
      literal = ++i + 1;
      continue;
    }
    if (++arg > top) return lauxlib.luaL_argerror(L, arg, 'no value');
    const rest = Buffer.from(fmt.subarray(i + 1, i + 12)).toString('latin1');
    const m = SPEC.exec(rest);
    // A malformed conversion: the original raises Lua's own error for it.
    const spec = m ? `%${m[0]}` : `%${rest.slice(0, 8)}`;
    if (m?.[4] === 's') out.add(formatString(L, arg, m));
    else if (m?.[4] === 'q' && lua.lua_type(L, arg) === lua.LUA_TSTRING) addQuoted(out, lua.lua_tolstring(L, arg) as Uint8Array);
    else out.add(original(L, spec, arg));
    i += spec.length - 1;
    literal = i + 1;
  }
  out.add(fmt.subarray(literal));
  out.push();
  return 1;
}

function short(L: LuaState, top: number): boolean {
  let bytes = 0;
  for (let i = 1; i <= top; i++) {
    const type = lua.lua_type(L, i);
    if (type === lua.LUA_TSTRING) bytes += lua.lua_rawlen(L, i);
    else if (type !== lua.LUA_TNUMBER && type !== lua.LUA_TNIL && type !== lua.LUA_TBOOLEAN) return false;
  }
  return bytes <= SHORT;
}

/** `%s` as Lua 5.3 does it: tostring (with __tostring), then C's precision and width. */
function formatString(L: LuaState, arg: number, m: RegExpExecArray): Uint8Array {
  let s = lauxlib.luaL_tolstring(L, arg);
  lua.lua_pop(L, 1);
  const [, flags = '', width = '', precision] = m;
  if (flags === '' && width === '' && precision === undefined) return s;
  if (s.includes(0)) lauxlib.luaL_argerror(L, arg, 'string contains zeros');
  if (precision === undefined && s.length >= 100) return s;
  if (precision !== undefined) s = s.subarray(0, Number(precision || 0));
  const pad = Math.max(0, Number(width || 0) - s.length);
  if (pad === 0) return s;
  const spaces = Buffer.alloc(pad, 0x20);
  return flags.includes('-') ? Buffer.concat([s, spaces]) : Buffer.concat([spaces, s]);
}

/** One conversion by fengari's format (short results: numbers, %c, %q of numbers). */
function original(L: LuaState, spec: string, arg: number): Uint8Array {
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_pushstring(L, spec);
  lua.lua_pushvalue(L, arg);
  lua.lua_call(L, 2, 1);
  const bytes = lua.lua_tolstring(L, -1) as Uint8Array;
  lua.lua_pop(L, 1);
  return bytes;
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

/** Bytes of input quoted per piece: each piece is charged (time and memory) before the next. */
const QUOTE_CHUNK = 64 * 1024;

/**
 * Lua 5.3's addquoted: `"`, `\` and newline escaped with a backslash, other control characters as
 * `\ddd` (`\d` when no digit follows), everything else as is.
 */
function addQuoted(out: Pieces, s: Uint8Array): void {
  out.add(QUOTE);
  for (let from = 0; from < s.length; from += QUOTE_CHUNK) {
    const to = Math.min(s.length, from + QUOTE_CHUNK);
    const q = Buffer.allocUnsafe((to - from) * 4);
    let at = 0;
    for (let i = from; i < to; i++) {
      const c = s[i] as number;
      if (c === 0x22 || c === 0x5c || c === 0x0a) {
        q[at++] = 0x5c;
        q[at++] = c;
      } else if (c < 0x20 || c === 0x7f) {
        const padded = isDigit(s[i + 1]);
        q[at++] = 0x5c;
        if (padded || c >= 100) q[at++] = 0x30 + Math.floor(c / 100);
        if (padded || c >= 10) q[at++] = 0x30 + (Math.floor(c / 10) % 10);
        q[at++] = 0x30 + (c % 10);
      } else q[at++] = c;
    }
    out.add(q.subarray(0, at));
  }
  out.add(QUOTE);
}

const QUOTE = Uint8Array.of(0x22);
