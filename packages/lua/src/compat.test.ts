import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveEgressPathConfig, resolveQueueConfig, resolveEgressSource } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { checkPolicy } from './check.js';
import { loadLuaPolicy } from './host.js';
import { LuaLoadError } from './state.js';
import { message, tempDir } from './test-support.js';

/**
 * Compat suite: the Lua policies kept in ../shared/fixtures/lua (quoted by the documents this
 * project started from) run unchanged and route as their code says. Skipped when ../shared is absent.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = resolve(repoRoot, '../shared/fixtures/lua');
const present = existsSync(fixtures);
if (!present) console.warn(`compat suite skipped: ${fixtures} not found (the shared fixtures live outside the repo)`);

const fixture = (name: string) => join(fixtures, name);
const load = (name: string, include: string[] = [], allowedDirs = [fixtures]) =>
  loadLuaPolicy({ file: fixture(name), include, allowedDirs, logger: () => undefined });
const lineOf = (name: string, text: string) => readFileSync(fixture(name), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

describe.skipIf(!present)('compat: shared Lua fixtures', () => {
  it('tenant-routing.lua: X-Tenant becomes tenant meta (header stripped) and selects the egress source', async () => {
    // Sources are defined in a small extra file, included next to the unchanged policy.
    const extra = tempDir({
      'sources.toml': ['pool_a', 'pool_b', 'pool_default'].map((s, i) => `[source."${s}"]\nsource_address = "10.0.0.${i + 1}"\n`).join(''),
    });
    // Relative paths are resolved against the policy file's directory, so the extra file names its data by full path.
    writeFileSync(join(extra, 'sources.lua'), `require('policy-extras.sources'):setup { '${join(extra, 'sources.toml')}' }`);
    const host = await load('tenant-routing.lua', [join(extra, 'sources.lua')], [fixtures, extra]);
    expect(host.definitions.events).toEqual(['http_message_generated', 'get_queue_config', 'get_egress_pool', 'get_egress_source']);

    const msg = message(['X-Tenant: enterprise_a', 'X-Other: kept']);
    await host.policy.http_message_generated(msg, undefined);
    expect(msg.meta['tenant']).toBe('enterprise_a');
    expect(msg.getFirstHeader('X-Tenant')).toBeUndefined();
    expect(msg.getFirstHeader('X-Other')).toBe('kept');
    const anonymous = message([]);
    await host.policy.http_message_generated(anonymous, undefined);
    expect(anonymous.meta['tenant']).toBe('default');

    const route = async (tenant: string) => resolveQueueConfig(await host.policy.get_queue_config('example.com', tenant, undefined, undefined));
    expect(await route('enterprise_a')).toMatchObject({ egress_source: 'pool_a', egress_pool: 'unspecified' });
    expect((await route('enterprise_b')).egress_source).toBe('pool_b');
    expect((await route('default')).egress_source).toBe('pool_default');
    expect(resolveEgressSource((await host.policy.get_egress_source('pool_b'))!).source_address).toBe('10.0.0.2');
  });

  it('domain-throttles.lua: per-domain connection limit and message rate, defaults otherwise', async () => {
    const host = await load('domain-throttles.lua');
    const path = async (domain: string) => resolveEgressPathConfig(await host.policy.get_egress_path_config(domain, 'ip-1', `${domain}-site`));
    const expected: Array<[string, number, number]> = [
      ['gmail.com', 15, 120], ['outlook.com', 25, 300], ['hotmail.com', 25, 300], ['yahoo.com', 10, 100],
      ['icloud.com', 20, 200], ['proton.me', 5, 60], ['example.org', 15, 200],
    ];
    for (const [domain, connections, perMinute] of expected) {
      const config = await path(domain);
      expect(config.connection_limit.limit, domain).toBe(connections);
      expect(config.max_message_rate, domain).toMatchObject({ limit: perMinute, periodMs: 60_000 });
      expect(config.enable_tls).toBe('OpportunisticInsecure');
      expect(config.max_deliveries_per_connection).toBe(100);
    }
  });

  it("region-routing.lua: the message's X-Region (meta or header) picks the pool while its queue config is computed", async () => {
    const host = await load('region-routing.lua');
    const route = async (headers: string[], meta: Record<string, string> = {}, tenant = 'acme') =>
      resolveQueueConfig(await host.policy.get_queue_config('example.com', tenant, undefined, undefined, { message: message(headers, meta) }));
    expect(await route([], { 'X-Region': 'mexico' })).toMatchObject({ egress_pool: 'pool-mx-dedicated', max_age: 12 * 3_600_000, retry_interval: 8 * 60_000 });
    expect(await route(['X-Region: peru'])).toMatchObject({ egress_pool: 'pool-andean-dedicated', max_age: 18 * 3_600_000, retry_interval: 12 * 60_000 });
    expect((await route(['X-Region: colombia'])).egress_pool).toBe('pool-andean-dedicated');
    expect(await route(['X-Region: japan'])).toMatchObject({ egress_pool: 'acme', max_age: 7 * 86_400_000 });
    expect((await route([], {}, 'globex')).egress_pool).toBe('globex');
    expect(host.messageDependentEvents.has('get_queue_config')).toBe(true);
  });

  it('unsupported-adaptive.lua: fails to load, naming each unknown event and its equivalent', async () => {
    const error = await load('unsupported-adaptive.lua').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LuaLoadError);
    const problems = (error as LuaLoadError).problems;
    expect(problems.map((p) => p.location)).toEqual([
      { file: 'unsupported-adaptive.lua', line: lineOf('unsupported-adaptive.lua', "kumo.on('smtp_server_greeting'") },
      { file: 'unsupported-adaptive.lua', line: lineOf('unsupported-adaptive.lua', "kumo.on('smtp_delivery_result'") },
    ]);
    expect(problems[0]?.message).toMatch(/event 'smtp_server_greeting' is not supported: not a KumoMTA event: use smtp_server_connection_accepted .* egress sources .* egress_pool/);
    expect(problems[1]?.message).toMatch(/event 'smtp_delivery_result' is not supported: not a KumoMTA event: .*traffic shaping automation rules/);
  });

  it('checkPolicy reports what each fixture defines, or why it does not load', async () => {
    const ok = await checkPolicy(fixture('domain-throttles.lua'));
    expect(ok).toMatchObject({ ok: true, events: ['get_egress_path_config'], problems: [] });
    const broken = await checkPolicy(fixture('unsupported-adaptive.lua'));
    expect(broken.ok).toBe(false);
    expect(broken.problems.map((p) => p.message.split(':')[0])).toEqual(['unsupported-adaptive.lua', 'unsupported-adaptive.lua']);
  });
});
