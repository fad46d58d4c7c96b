import { describe, expect, it } from 'vitest';
import { loadSource } from './test-support.js';

/** Runs `expr` in a hook and returns tostring of its results joined by commas. */
async function run(expr: string, options: Parameters<typeof loadSource>[1] = {}): Promise<string | undefined> {
  const { host } = await loadSource(`
kumo.on('get_egress_source', function()
  local out = {}
  for i, v in ipairs(table.pack(${expr})) do out[i] = tostring(v) end
  return kumo.make_egress_source { name = table.concat(out, ',') }
end)`, { budgetMs: 10_000, ...options }); // semantics, not speed: a loaded machine must not time them out
  return (await host.policy.get_egress_source('any'))?.name;
}

async function failure(chunk: string, options: Parameters<typeof loadSource>[1] = {}): Promise<Error & { code?: string }> {
  const { host } = await loadSource(`kumo.on('get_egress_pool', function() ${chunk} end)`, { breaker: { threshold: 100 }, ...options });
  return host.policy.get_egress_pool('any').then(() => expect.fail('the call should fail'), (e: Error) => e);
}

describe('the budgeted string library keeps Lua 5.3 semantics', () => {
  it.each([
    ["string.find('hello world', 'o w')", '5,7'],
    ["string.find('hello', 'l+')", '3,4'],
    ["string.find('a.b', '.', 1, true)", '2,2'],
    ["tostring(string.find('abc', 'b', -1))", 'nil'],
    ["string.find('key=val', '(%w+)=(%w+)')", '1,7,key,val'],
    ["string.match('  trim  ', '^%s*(.-)%s*$')", 'trim'],
    ["string.match('x = [[a [b] c]]', '%b[]')", '[[a [b] c]]'],
    ["string.match('THE (quick) fox', '%f[%a]%a+', 5)", 'quick'],
    ["string.match('hello', '()ll()')", '3,5'],
    ["string.match('abcabc', '(abc)%1')", 'abc'],
    ["string.match('2026-12-03', '(%d+)-(%d+)-(%d+)')", '2026,12,03'],
    ["string.match('user@example.com', '^([^@]+)@(.+)$')", 'user,example.com'],
    ["string.gsub('hello world', 'o', '0')", 'hell0 w0rld,2'],
    ["string.gsub('hello', '', '-')", '-h-e-l-l-o-,6'],
    ["string.gsub('abc', '%w', '%0%0')", 'aabbcc,3'],
    ["string.gsub('$name is $age', '%$(%w+)', { name = 'Ann', age = 30 })", 'Ann is 30,2'],
    ["string.gsub('a b c', '%a', function(c) if c ~= 'b' then return c:upper() end end)", 'A b C,3'],
    ["string.gsub('aaa', 'a', 'b', 2)", 'bba,2'],
    ["string.gsub('hello world', '^h', 'H')", 'Hello world,1'],
    ["(select(2, string.gsub('a,b,,c', ',', ',')))", '3'],
    ["string.rep('ab', 3, '-')", 'ab-ab-ab'],
    ["'[' .. string.rep('x', 0) .. ']'", '[]'],
    ["#string.rep('abc', 1000, ', ')", '4998'],
    ["string.upper('mIxEd ÿ'), string.lower('MiXeD')", 'MIXED ÿ,mixed'],
    ["string.reverse('abc')", 'cba'],
  ])('%s → %s', async (expr, expected) => {
    expect(await run(expr)).toBe(expected);
  });

  it('gmatch iterates matches and captures', async () => {
    expect(await run("(function() local t = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do t[#t + 1] = k .. v end return table.concat(t, ' ') end)()")).toBe('a1 b2');
    expect(await run("(function() local n = 0 for _ in ('one two  three'):gmatch('%a+') do n = n + 1 end return n end)()")).toBe('3');
  });

  it('malformed patterns raise errors naming the function', async () => {
    expect((await failure("string.find('x', '[a')")).message).toMatch(/string\.find: malformed pattern \(missing '\]'\)/);
    expect((await failure("string.gsub('x', 'x', '%2')")).message).toMatch(/string\.gsub: invalid capture index %2/);
    expect((await failure("string.match('x', '%')")).message).toMatch(/malformed pattern \(ends with '%'\)/);
  });
});

describe('the budget reaches inside handlers and the string library', () => {
  it("an xpcall handler that loops is stopped (it used to run inside the hook, with hooks off: a hang)", async () => {
    const error = await failure("xpcall(function() error('boom') end, function() while true do end end)", { budgetMs: 30 });
    expect(error.code).toBe('E_POLICY_TIMEOUT');
    expect(error.message).toMatch(/get_egress_pool handler ran \d+ ms, over its 30 ms budget/);
  });

  it('a pattern with catastrophic backtracking is abandoned at the budget', async () => {
    const started = performance.now();
    const error = await failure("string.find(string.rep('a', 40), string.rep('a*', 20) .. 'b')", { budgetMs: 30 });
    expect(error.code).toBe('E_POLICY_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('doubling a string towards 1 GiB is refused at the memory limit, not after allocating it', async () => {
    const rss = process.memoryUsage().rss;
    const error = await failure("local s = 'x' for i = 1, 30 do s = s .. s end", { budgetMs: 60_000, memoryLimitBytes: 16 * 1048576 });
    expect(error.code).toBe('E_POLICY_TIMEOUT');
    expect(error.message).toMatch(/created (16|32) MiB of strings, over its limit of 16 MiB/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * 1048576);
  });

  it('pcall cannot swallow a memory overrun, and string.rep results count', async () => {
    const error = await failure("local t = {} for i = 1, 100 do pcall(function() t[i] = string.rep('x', 1048576) end) end", { budgetMs: 60_000, memoryLimitBytes: 8 * 1048576 });
    expect(error.message).toMatch(/created \d+ MiB of strings, over its limit of 8 MiB/);
  });

  it('gsub counts the result it builds', async () => {
    const error = await failure("local s = string.rep('a', 10000) s = s:gsub('a', string.rep('b', 10000))", { budgetMs: 60_000, memoryLimitBytes: 8 * 1048576 });
    expect(error.message).toMatch(/created \d+ MiB of strings, over its limit of 8 MiB/);
  });

  it("an error object's __tostring is not run after the call, outside the budget", async () => {
    const error = await failure("error(setmetatable({}, { __tostring = function() while true do end end }))");
    expect(error.message).toMatch(/error object is a table value with __tostring, not called outside the policy's budget/);
  });
});
