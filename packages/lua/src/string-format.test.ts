import { lauxlib, lua, lualib } from 'fengari';
import { describe, expect, it } from 'vitest';
import { loadSource } from './test-support.js';

/** What fengari's own string.format (Lua 5.3) gives for `args` (Lua source of the arguments). */
function stockFormat(args: string): Uint8Array {
  const L = lauxlib.luaL_newstate();
  for (const [name, open] of [['_G', lualib.luaopen_base], ['string', lualib.luaopen_string]] as const) {
    lauxlib.luaL_requiref(L, name, open, 1);
    lua.lua_pop(L, 1);
  }
  const source = Buffer.from(`return string.format(${args})`);
  expect(lauxlib.luaL_loadbufferx(L, source, source.length, 'stock', 't')).toBe(lua.LUA_OK);
  expect(lua.lua_pcall(L, 0, 1, 0)).toBe(lua.LUA_OK);
  return Uint8Array.from(lua.lua_tolstring(L, -1) as Uint8Array);
}

/** A Lua string literal of exactly these bytes. */
const literal = (bytes: Uint8Array) => `"${[...bytes].map((b) => `\\${String(b).padStart(3, '0')}`).join('')}"`;

/** Runs `chunk` in a policy hook; resolves with the `name` it returns, or the error. */
async function inPolicy(chunk: string, budgetMs = 10_000): Promise<string> {
  const { host } = await loadSource(`kumo.on('get_egress_source', function() local r = (function() ${chunk} end)() return kumo.make_egress_source { name = r and r.name or 'none' } end)`, { budgetMs, breaker: { threshold: 100 } });
  return host.policy.get_egress_source('any').then((source) => String(source?.name), (e: Error & { code?: string }) => `${e.code}: ${e.message}`);
}

describe("the sandbox's string.format (issue 11: fengari's ran inside one instruction, past the budget)", () => {
  it.each([
    "'%d items at %5.2f, %s', 3, 3.14159, 'ok'",
    "'%s|%-5s|%5s|%.2s|%5.1s|%%', 'abc', 'ab', 'ab', 'abc', 'xyz'",
    "'%q', 'a\\n\"b\\\\\\0' .. '1' .. '\\r\\0x\\127\\200'",
    "'%q|%q|%q', 42, 1.5, 'tab\\there'",
    "'%s %s %s', nil, true, 12.0",
    "'%s', setmetatable({}, { __tostring = function() return 'meta' end })",
    "'%x %X %o %c%c %e %g %i', 255, 255, 8, 72, 105, 12345.678, 0.0001, -7",
    "'%10.4s|', string.rep('w', 150)",
    "'%-3d|%03d|%+d', 5, 5, 5",
    "'no conversions'",
  ])('string.format(%s) matches Lua 5.3', async (args) => {
    // An unused long argument takes the sandbox off its short-input path (fengari's own format).
    const withLong = `${args}, string.rep('.', 5000)`;
    expect(await inPolicy(`return { name = tostring(string.format(${withLong}) == ${literal(stockFormat(withLong))}) }`)).toBe('true');
  });

  it('raises the errors Lua raises', async () => {
    const long = "string.rep('.', 5000)";
    expect(await inPolicy(`return { name = string.format('%s %d', ${long}) }`)).toMatch(/bad argument #3 to 'format' \(no value\)/);
    expect(await inPolicy(`return { name = string.format('%y', ${long}) }`)).toMatch(/invalid (option|conversion)/);
    expect(await inPolicy(`return { name = string.format('%5s', 'a\\0b', ${long}) }`)).toMatch(/string contains zeros/);
  });

  it('quoting 16 MiB of NULs is stopped at the budget (fengari took 70 s in one instruction)', async () => {
    const started = performance.now();
    const result = await inPolicy("local s = string.rep('\\0', 16 * 1048576) for i = 1, 100 do local q = string.format('%q', s) end return { name = 'done' }", 50);
    expect(result).toMatch(/^E_POLICY_TIMEOUT: .*(over its 50 ms budget|over its limit of 64 MiB)/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('%s of long strings counts against the memory limit', async () => {
    const result = await inPolicy("local s = string.rep('x', 16 * 1048576) local r = string.format('%s%s%s%s%s', s, s, s, s, s) return { name = 'done' }", 60_000);
    expect(result).toMatch(/^E_POLICY_TIMEOUT: .*over its limit of 64 MiB/);
  });
});

describe("the sandbox's load (issue 11: the parser cannot be interrupted)", () => {
  it('parses chunks up to 32 KiB, from a string or a reader function', async () => {
    expect(await inPolicy("return { name = tostring(load('return ' .. string.rep('1+', 16000) .. '1')()) }")).toBe('16001');
    expect(await inPolicy("local parts = { 'return ', '\"pie', 'ces\"' } local i = 0 return { name = load(function() i = i + 1 return parts[i] end)() }")).toBe('pieces');
  });

  it('refuses longer chunks before parsing them (1 MiB of 1+1+… parsed for 0.9 s at load 16)', async () => {
    const started = performance.now();
    expect(await inPolicy("load('return ' .. string.rep('1+', 512 * 1024) .. '1')")).toMatch(/E_POLICY: .*chunk of 1048584 bytes is over the sandbox's 32768-byte limit/);
    expect(await inPolicy("local n = 0 load(function() n = n + 1 if n < 100 then return string.rep('x', 1024) end end)")).toMatch(/E_POLICY: .*over the sandbox's limit/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
