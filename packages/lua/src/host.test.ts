import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MtaKitError, POLICY_EVENTS, SmtpReplyError, type Policy } from '@mtakit/core';
import { FakeClock } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { loadLuaPolicy } from './host.js';
import type { LuaHostEvent } from './policy.js';
import { LuaLoadError } from './state.js';
import { LuaPolicyError } from './vm/errors.js';
import { loadSource, message, tempDir } from './test-support.js';

const quiet = { logger: () => undefined };

describe('events and handler semantics', () => {
  it('accepts a handler for every event core declares', async () => {
    const source = POLICY_EVENTS.map((e) => `kumo.on('${e}', function() end)`).join('\n');
    const { host } = await loadSource(source);
    expect(host.definitions.events).toEqual(POLICY_EVENTS);
  });

  it('first non-nil handler wins for config events; every handler runs for broadcast events', async () => {
    const { host } = await loadSource(`
      kumo.on('get_queue_config', function(domain) if domain == 'special.test' then return kumo.make_queue_config { egress_pool = 'special' } end end)
      kumo.on('get_queue_config', function() return kumo.make_queue_config { egress_pool = 'general' } end)
      kumo.on('get_queue_config', function() error('never reached') end)
      kumo.on('smtp_server_message_received', function(msg) msg:set_meta('first', 'yes') end)
      kumo.on('smtp_server_message_received', function(msg) msg:set_meta('second', msg:get_meta('first')) end)`);
    const q = host.policy.get_queue_config!;
    expect(await q('special.test', undefined, undefined, undefined)).toEqual({ egress_pool: 'special' });
    expect(await q('other.test', undefined, undefined, undefined)).toEqual({ egress_pool: 'general' });
    const m = message([]);
    await host.policy.smtp_server_message_received(m, {});
    expect(m.meta).toEqual({ first: 'yes', second: 'yes' });
  });

  it('answers undefined for events the policy does not handle', async () => {
    const { host } = await loadSource("kumo.on('get_egress_pool', function() end)");
    expect(await host.policy.get_queue_config('a.test', undefined, undefined, undefined)).toBeUndefined();
    expect(await host.policy.get_egress_pool('pool')).toBeUndefined();
  });

  it('converts auth, rewrite and log-record results', async () => {
    const { host } = await loadSource(`
      kumo.on('smtp_server_auth_plain', function(authz, authc, password)
        if password == 'right' then return { identity = authc, tenant = 'acme' } end
        return false
      end)
      kumo.on('smtp_client_rewrite_delivery_status', function(response) if response.code == 550 then return 450 end end)
      kumo.on('should_enqueue_log_record', function(record) return record.type ~= 'Reception' end)`);
    expect(await host.policy.smtp_server_auth_plain('', 'bob', 'right', {})).toEqual({ identity: 'bob', tenant: 'acme' });
    expect(await host.policy.smtp_server_auth_plain('', 'bob', 'wrong', {})).toBe(false);
    const response = { code: 550, enhanced_code: null, content: 'no', command: null };
    expect(await host.policy.smtp_client_rewrite_delivery_status(response, 'a.test', undefined, undefined, undefined)).toBe(450);
    const record = { type: 'Reception' } as unknown as Parameters<NonNullable<Policy['should_enqueue_log_record']>>[0];
    expect(await host.policy.should_enqueue_log_record(record, 'hook')).toBe(false);
  });

  it('reports a runtime error with file:line and a traceback', async () => {
    const { host } = await loadSource("kumo.on('get_egress_pool', function(name)\n  local t = nil\n  return t.field\nend)");
    const error = await host.policy.get_egress_pool('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LuaPolicyError);
    expect((error as LuaPolicyError).message).toMatch(/^get_egress_pool handler: policy\.lua:3: attempt to index a nil value \(local 't'\)/);
    expect((error as LuaPolicyError).location).toEqual({ file: 'policy.lua', line: 3 });
    expect((error as LuaPolicyError).traceback).toContain('policy.lua:3');
  });

  it('kumo.reject becomes core SmtpReplyError', async () => {
    const { host } = await loadSource(`
      kumo.on('smtp_server_message_received', function(msg)
        if msg:get_first_named_header_value('X-Spam') then kumo.reject(550, '5.7.1 spam is not welcome') end
      end)`);
    const error = await host.policy.smtp_server_message_received(message(['X-Spam: yes']), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect(error).toMatchObject({ basic: 550, enhanced: { class: 5, subject: 7, detail: 1 }, text: 'spam is not welcome' });
    await expect(host.policy.smtp_server_message_received(message([]), {})).resolves.toBeUndefined();
  });
});

describe('execution budget and circuit breaker', () => {
  const looping = `
    kumo.on('get_queue_config', function(domain)
      if domain == 'loop.test' then
        -- catching the overrun does not help: the next instruction outside pcall fails again
        while true do pcall(function() while true do end end) end
      end
      return kumo.make_queue_config { egress_pool = 'lua-pool' }
    end)`;

  it('an endless loop trips the budget, then the breaker opens, falls back, and later closes', async () => {
    const clock = new FakeClock();
    const events: LuaHostEvent[] = [];
    const fallback: Policy = { get_queue_config: () => ({ egress_pool: 'fallback-pool' }) };
    const { host } = await loadSource(looping, {
      clock, maxInstructions: 50_000, fallback, breaker: { threshold: 2, quietMs: 60_000 }, onEvent: (e) => events.push(e),
    });
    const q = (domain: string) => host.policy.get_queue_config(domain, undefined, undefined, undefined);

    for (let i = 0; i < 2; i++) {
      const error = await q('loop.test').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MtaKitError);
      expect(error).toMatchObject({ code: 'E_POLICY_TIMEOUT' });
      expect((error as Error).message).toMatch(/^get_queue_config handler ran \d+ Lua instructions, over its limit of 50000 \(at policy\.lua:5\)$/);
    }
    expect(host.breakerState('get_queue_config')).toBe('open');
    expect(events.map((e) => e.type)).toEqual(['timeout', 'timeout', 'breaker_open']);

    // While open, Lua is not run at all: even the looping domain gets the fallback's answer at once.
    expect(await q('loop.test')).toEqual({ egress_pool: 'fallback-pool' });
    expect(await q('fine.test')).toEqual({ egress_pool: 'fallback-pool' });

    clock.advance(60_000);
    expect(await q('fine.test')).toEqual({ egress_pool: 'lua-pool' });
    expect(host.breakerState('get_queue_config')).toBe('closed');
    expect(events.map((e) => e.type).slice(3)).toEqual(['fallback', 'fallback', 'breaker_closed']);
    expect(host.stats().get_queue_config).toEqual({ calls: 3, errors: 0, timeouts: 2, fallbacks: 2, breakerOpens: 1 });
  });

  it('the wall-clock budget stops a loop in the default configuration', async () => {
    const { host } = await loadSource(looping, { budgetMs: 20 });
    const started = performance.now();
    const error = await host.policy.get_queue_config('loop.test', undefined, undefined, undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_POLICY_TIMEOUT' });
    expect((error as Error).message).toMatch(/ran \d+ ms, over its 20 ms budget/);
    expect(performance.now() - started).toBeLessThan(1000);
    // The state survives: other calls still work.
    expect(await host.policy.get_queue_config('fine.test', undefined, undefined, undefined)).toEqual({ egress_pool: 'lua-pool' });
  });

  it('a loop at load time fails the load instead of hanging', async () => {
    const error = await loadSource('local n = 0\nwhile true do n = n + 1 end', { loadBudgetMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LuaLoadError);
    expect((error as LuaLoadError).message).toMatch(/^loading policy\.lua ran \d+ ms, over its 20 ms budget \(at policy\.lua:2\)/);
  });

  it('a call that builds a huge table trips the memory limit', async () => {
    const { host } = await loadSource(`
      kumo.on('get_egress_pool', function()
        local t = {}
        for i = 1, 1e8 do t[i] = { i } end
      end)`, { memoryLimitBytes: 8 * 1024 * 1024, budgetMs: 10_000 });
    const error = await host.policy.get_egress_pool('p').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/grew the heap by \d+ MiB, over its limit of 8 MiB/);
  });
});

describe('hot reload', () => {
  const version = (pool: string) => `kumo.on('get_queue_config', function()\n  return kumo.make_queue_config { egress_pool = '${pool}' }\nend)\n`;

  it('swaps in a good policy and keeps the old one when the new one is broken', async () => {
    const dir = tempDir({ 'init.lua': version('v1') });
    const file = join(dir, 'init.lua');
    const events: LuaHostEvent[] = [];
    const host = await loadLuaPolicy({ file, ...quiet, onEvent: (e) => events.push(e) });
    const q = () => host.policy.get_queue_config('a.test', undefined, undefined, undefined);
    expect(await q()).toEqual({ egress_pool: 'v1' });
    expect(host.epoch).toBe(1);

    writeFileSync(file, version('v2'));
    expect(await host.reload()).toEqual({ ok: true, epoch: 2 });
    expect(await q()).toEqual({ egress_pool: 'v2' });

    writeFileSync(file, "kumo.on('get_queue_config', function()\n  return kumo.make_queue_config { egress_pool = 'v3' }\nend end)\n");
    const failed = await host.reload();
    expect(failed.ok).toBe(false);
    if (failed.ok) return;
    expect(failed.error.location).toEqual({ file: 'init.lua', line: 3 });
    expect(failed.error.message).toBe("init.lua:3: ')' expected (to close '(' at line 1) near 'end'");
    expect(host.epoch).toBe(2);
    expect(await q()).toEqual({ egress_pool: 'v2' });
    expect(events.map((e) => e.type)).toEqual(['reload', 'reload_failed']);
  });

  it('rejects a policy whose init fails, naming file and line', async () => {
    const { host } = await loadSource(version('v1'));
    const result = await host.reload({ source: "kumo.on('init', function()\n  kumo.define_spool { name = 'data' }\nend)" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/policy\.lua:2: kumo\.define_spool: invalid config kumo\.define_spool\.path=\(missing\): is required/);
    expect(await host.policy.get_queue_config('a.test', undefined, undefined, undefined)).toEqual({ egress_pool: 'v1' });
  });

  it('calls keep being answered while a reload happens', async () => {
    const { host } = await loadSource(version('old'));
    const during = Array.from({ length: 20 }, () => host.policy.get_queue_config('a.test', undefined, undefined, undefined));
    const reload = host.reload({ source: version('new') });
    const answers = await Promise.all(during);
    expect(answers.every((a) => a?.egress_pool === 'old' || a?.egress_pool === 'new')).toBe(true);
    expect((await reload).ok).toBe(true);
    expect(await host.policy.get_queue_config('a.test', undefined, undefined, undefined)).toEqual({ egress_pool: 'new' });
  });

  it('watch reloads when a file the policy read changes', async () => {
    const dir = tempDir({ 'init.lua': "local d = kumo.toml_load('pools.toml')\n" + "kumo.on('get_queue_config', function() return kumo.make_queue_config { egress_pool = d.pool } end)", 'pools.toml': "pool = 'first'\n" });
    let reloaded!: () => void;
    const seen = new Promise<void>((r) => (reloaded = r));
    const host = await loadLuaPolicy({ file: join(dir, 'init.lua'), ...quiet, onEvent: (e) => e.type === 'reload' && reloaded() });
    const stop = host.watch({ debounceMs: 10 });
    try {
      writeFileSync(join(dir, 'pools.toml'), "pool = 'second'\n");
      await seen;
      expect(await host.policy.get_queue_config('a.test', undefined, undefined, undefined)).toEqual({ egress_pool: 'second' });
    } finally {
      stop();
    }
  });
});
