import { describe, expect, it } from 'vitest';
import { LuaLoadError } from './state.js';
import { loadSource } from './test-support.js';

/** Loads a one-line policy and returns the load error's message (the test fails if it loads). */
async function refusal(line: string): Promise<string> {
  const error = await loadSource(line).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LuaLoadError);
  return (error as LuaLoadError).message;
}

/** Runs a chunk that stores results in globals, then reads them back through a hook. */
async function evaluate(chunk: string): Promise<unknown> {
  const { host } = await loadSource(`${chunk}
kumo.on('get_egress_source', function() return kumo.make_egress_source { name = tostring(RESULT) } end)`);
  const source = await host.policy.get_egress_source('any');
  return source?.name;
}

describe('sandbox escapes are refused with a clear error', () => {
  it('io.open', async () => {
    const message = await refusal("local f = io.open('/etc/passwd')");
    expect(message).toMatch(/^policy\.lua:1: io\.open is not available in the sandbox: policies cannot open files/);
  });

  it('os.execute, and os.getenv of a variable the operator did not allow', async () => {
    expect(await refusal("os.execute('touch /tmp/pwned')")).toMatch(/os\.execute is not available in the sandbox: only os\.time, os\.clock, os\.date, os\.difftime/);
    expect(await refusal("local home = os.getenv('HOME')")).toMatch(
      /os\.getenv: HOME is not among the environment variables policies may read: add it to the allowedEnv option \(MTAKIT_POLICY_ENV in the example MTA\)/,
    );
  });

  it('os.getenv reads the variables the operator allowed', async () => {
    process.env['MTAKIT_TEST_SECRET'] = 's3cret';
    const { host } = await loadSource(`kumo.on('get_egress_source', function() return kumo.make_egress_source { name = os.getenv('MTAKIT_TEST_SECRET') .. tostring(os.getenv('MTAKIT_TEST_UNSET')) } end)`, {
      allowedEnv: ['MTAKIT_TEST_SECRET', 'MTAKIT_TEST_UNSET'],
    });
    expect((await host.policy.get_egress_source('x'))?.name).toBe('s3cretnil');
  });

  it("require 'socket'", async () => {
    expect(await refusal("local socket = require 'socket'")).toMatch(
      /policy\.lua:1: require: module 'socket' is not available in the sandbox \(allowed: kumo, policy-extras\.shaping/,
    );
  });

  it('load of a binary chunk, as a string or through a reader', async () => {
    expect(await refusal("load('\\27LuaS\\0\\25\\147\\r\\n\\26\\n')")).toMatch(/load: binary \(precompiled\) chunks are refused/);
    expect(await refusal("load('return 1', 'x', 'b')")).toMatch(/load: mode "b" refused: the sandbox loads text chunks only/);
    const viaReader = "local parts = { '\\27Lua', 'S' } local i = 0\nlocal f, err = load(function() i = i + 1 return parts[i] end)\nerror(err)";
    expect(await refusal(viaReader)).toMatch(/load: binary \(precompiled\) chunks are refused/);
  });

  it('string.dump, dofile, loadfile, debug', async () => {
    expect(await refusal('local b = string.dump(print)')).toMatch(/string\.dump is not available in the sandbox/);
    expect(await refusal("dofile('/etc/passwd')")).toMatch(/dofile: is not available in the sandbox/);
    expect(await refusal("loadfile('/etc/passwd')")).toMatch(/loadfile: is not available/);
    expect(await refusal('debug.sethook()')).toMatch(/debug\.sethook is not available in the sandbox: the debug library could disable the execution budget/);
  });

  it('string.rep beyond the string limit', async () => {
    const { host } = await loadSource('', { maxStringBytes: 1000 });
    expect(host).toBeDefined();
    expect(await loadSource("local s = string.rep('ab', 600)", { maxStringBytes: 1000 }).catch((e: Error) => e.message)).toMatch(
      /string\.rep: result of 1200 bytes is over the sandbox's 1000-byte string limit/,
    );
  });
});

describe('what the sandbox keeps', () => {
  it('text load with an environment, pcall, os.time and string methods', async () => {
    const chunk = `
      local f = load('return x * 2', 'expr', 't', { x = 21 })
      local ok, err = pcall(error, 'boom')
      RESULT = table.concat({ f(), tostring(ok), err, type(os.time()), ('abc'):upper(), string.rep('x', 3, ',') }, ' ')`;
    expect(await evaluate(chunk)).toBe('42 false boom number ABC x,x,x');
  });

  it('package.path may be set (it has no effect)', async () => {
    expect(await evaluate("package.path = '/opt/kumomta/etc/policy/?.lua;' .. package.path\nRESULT = 'ok'")).toBe('ok');
  });
});
