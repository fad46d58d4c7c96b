import { join } from 'node:path';
import { SmtpReplyError, resolveEgressPathConfig } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { loadLuaPolicy, type LoadLuaPolicyOptions } from '../host.js';
import { FakeShapingLoader, message, tempDir } from '../test-support.js';
import { applyQueueHelper, mergeQueueFiles, resolveQueueParams } from './queue-config.js';
import { mergeSourcesFiles } from './sources-config.js';

const QUEUES = {
  tenant_header: 'X-Tenant',
  remove_tenant_header: true,
  campaign_header: 'X-Campaign',
  default_tenant: 'shared',
  tenant: {
    shared: { egress_pool: 'shared-pool' },
    acme: { egress_pool: 'acme-pool', max_age: '10 hours', require_authz: ['acme-user'] },
  },
  queue: {
    default: { max_age: '24 hours' },
    'gmail.com': { retry_interval: '17 mins', acme: { egress_pool: 'acme-gmail', spring: { max_age: '2 hours' } } },
    '*.example.net': { retry_interval: '5 mins' },
  },
};

describe('policy-extras.queue data', () => {
  const data = mergeQueueFiles([{ name: 'queues.toml', data: QUEUES }]);

  it('resolves default < domain < tenant < domain+tenant < campaign', () => {
    expect(resolveQueueParams(data, 'yahoo.com')).toEqual({ max_age: '24 hours' });
    expect(resolveQueueParams(data, 'gmail.com')).toEqual({ max_age: '24 hours', retry_interval: '17 mins' });
    expect(resolveQueueParams(data, 'yahoo.com', 'acme')).toEqual({ max_age: '10 hours', egress_pool: 'acme-pool' });
    expect(resolveQueueParams(data, 'gmail.com', 'acme')).toEqual({ max_age: '10 hours', retry_interval: '17 mins', egress_pool: 'acme-gmail' });
    expect(resolveQueueParams(data, 'gmail.com', 'acme', 'spring')).toMatchObject({ max_age: '2 hours', egress_pool: 'acme-gmail' });
    expect(resolveQueueParams(data, 'mx.example.net')).toMatchObject({ retry_interval: '5 mins' });
  });

  it('later files override earlier ones; bad values name the block', () => {
    const merged = mergeQueueFiles([
      { name: 'a.toml', data: QUEUES },
      { name: 'b.toml', data: { queue: { 'gmail.com': { retry_interval: '1 min' } } } },
    ]);
    expect(resolveQueueParams(merged, 'gmail.com')).toEqual({ max_age: '24 hours', retry_interval: '1 min' });
    expect(() => mergeQueueFiles([{ name: 'c.toml', data: { queue: { 'x.com': { max_age: 'forever' } } } }])).toThrow(
      /invalid config queue\.x\.com=.*queue_config\.max_age="forever"/,
    );
    expect(() => mergeQueueFiles([{ name: 'c.toml', data: { tenant_heder: 'X-T' } }])).toThrow(/c\.toml: tenant_heder.*is not a queue helper option/);
  });

  it('apply sets tenant and campaign from headers and enforces the tenant rules', () => {
    const msg = message(['X-Tenant: acme', 'X-Campaign: spring'], { authz_id: 'acme-user' });
    applyQueueHelper(data, msg);
    expect(msg.meta).toMatchObject({ tenant: 'acme', campaign: 'spring' });
    expect(msg.getFirstHeader('X-Tenant')).toBeUndefined();
    expect(msg.getFirstHeader('X-Campaign')).toBe('spring');

    const noHeader = message([]);
    applyQueueHelper(data, noHeader);
    expect(noHeader.meta['tenant']).toBe('shared');

    expect(() => applyQueueHelper(data, message(['X-Tenant: acme'], { authz_id: 'mallory' }))).toThrow(SmtpReplyError);
    expect(() => applyQueueHelper(data, message(['X-Tenant: nobody']))).toThrow(/tenant "nobody" \(from the X-Tenant header\) is not defined/);
  });
});

describe('policy-extras.sources data', () => {
  it('builds sources and weighted pools, warning about unknown members', () => {
    const data = mergeSourcesFiles([{
      name: 'sources.toml',
      data: { source: { 'ip-1': { source_address: '10.0.0.1' }, 'ip-2': { source_address: '10.0.0.2' } }, pool: { main: { 'ip-1': {}, 'ip-2': { weight: 2 }, 'ip-9': {} } } },
    }]);
    expect(data.sources['ip-2']).toEqual({ source_address: '10.0.0.2', name: 'ip-2' });
    expect(data.pools['main']).toEqual({ name: 'main', entries: [{ name: 'ip-1' }, { name: 'ip-2', weight: 2 }, { name: 'ip-9' }] });
    expect(data.warnings).toEqual(["policy-extras.sources: pool 'main' names source 'ip-9', which no file defines"]);
    expect(() => mergeSourcesFiles([{ name: 's.toml', data: { source: { bad: { source_adress: 'x' } } } }])).toThrow(/source\.bad.*source_adress/);
  });
});

async function load(files: Record<string, string>, options: Omit<LoadLuaPolicyOptions, 'file'> = {}) {
  const dir = tempDir(files);
  return { dir, host: await loadLuaPolicy({ file: join(dir, 'init.lua'), logger: () => undefined, ...options }) };
}

describe('policy-extras modules from Lua', () => {
  it('queue helper: TOML file, apply in the reception hook, queue config from the files', async () => {
    const { host } = await load({
      'init.lua': `
        local queue_helper = require('policy-extras.queue'):setup { 'queues.toml' }
        kumo.on('smtp_server_message_received', function(msg) queue_helper:apply(msg) end)`,
      'queues.toml': `tenant_header = "X-Tenant"\nremove_tenant_header = true\n[tenant.acme]\negress_pool = "acme-pool"\n[queue.default]\nmax_age = "1 day"\n[queue."gmail.com"]\nretry_interval = "17 mins"\n`,
    });
    const msg = message(['X-Tenant: acme']);
    await host.policy.smtp_server_message_received(msg, {});
    expect(msg.meta['tenant']).toBe('acme');
    expect(await host.policy.get_queue_config('gmail.com', 'acme', undefined, undefined)).toEqual({
      max_age: '1 day', retry_interval: '17 mins', egress_pool: 'acme-pool',
    });
    const error = await host.policy.smtp_server_message_received(message(['X-Tenant: other']), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpReplyError);
  });

  it('sources helper: TOML file answers get_egress_source and get_egress_pool', async () => {
    const { host } = await load({
      'init.lua': "require('policy-extras.sources'):setup { 'sources.toml' }",
      'sources.toml': '[source."ip-1"]\nsource_address = "10.0.0.1"\nehlo_domain = "mta1.example.org"\n[pool.main."ip-1"]\nweight = 3\n',
    });
    expect(await host.policy.get_egress_source('ip-1')).toEqual({ name: 'ip-1', source_address: '10.0.0.1', ehlo_domain: 'mta1.example.org' });
    expect(await host.policy.get_egress_pool('main')).toEqual({ name: 'main', entries: [{ name: 'ip-1', weight: 3 }] });
    expect(await host.policy.get_egress_pool('unknown')).toBeUndefined();
    const twice = await load({ 'init.lua': "local s = require 'policy-extras.sources'\ns:setup { 'a.toml' }\ns:setup { 'a.toml' }", 'a.toml': '' }).catch((e: Error) => e);
    expect((twice as Error).message).toMatch(/^init\.lua:3: policy-extras\.sources:setup: the sources helper is already set up/);
  });

  it('shaping helper: rules come from the provider, called from a Lua handler', async () => {
    const loader = new FakeShapingLoader({
      'shaping.toml': { default: { connection_limit: 10 }, 'gmail.com': { connection_limit: 5, max_message_rate: '50/s' } },
    });
    const { dir, host } = await load({
      'init.lua': `
        local shaping = require 'policy-extras.shaping'
        local shaper = shaping:setup_with_automation { extra_files = { 'shaping.toml' }, no_default_files = true, publish = { 'http://127.0.0.1:8008' } }
        kumo.on('init', function() shaper.setup_publish() end)
        kumo.on('get_egress_path_config', function(domain, source, site)
          return shaper.get_egress_path_config(domain, source, site)
        end)`,
      'shaping.toml': '# read by the provider',
    }, { providers: { shapingRules: loader } });
    expect(loader.calls).toEqual([{ files: [join(dir, 'shaping.toml')], options: { noDefaultFiles: true } }]);
    const path = resolveEgressPathConfig(await host.policy.get_egress_path_config('gmail.com', 'ip-1', 'gmail-site'));
    expect(path.connection_limit.limit).toBe(5);
    expect(path.max_message_rate?.limit).toBe(50);
    expect(await host.policy.get_egress_path_config('other.test', 'ip-1', 'site')).toEqual({ connection_limit: 10 });
    expect(host.definitions.warnings).toEqual(['policy-extras.shaping: publish/subscribe are not used; traffic shaping automation runs inside the host']);
    expect(host.definitions.files).toContain(join(dir, 'shaping.toml'));
  });

  it('shaping helper registered directly, and its errors', async () => {
    const loader = new FakeShapingLoader({ 'rules.toml': { 'yahoo.com': { max_deliveries_per_connection: 20 } } });
    const { host } = await load({
      'init.lua': "kumo.on('get_egress_path_config', require('policy-extras.shaping'):setup { 'rules.toml' })",
      'rules.toml': '',
    }, { providers: { shapingRules: loader } });
    expect(await host.policy.get_egress_path_config('yahoo.com', 'ip-1', 'site')).toEqual({ max_deliveries_per_connection: 20 });
    expect(await host.policy.get_egress_path_config('aol.com', 'ip-1', 'site')).toBeUndefined();

    const noProvider = await load({ 'init.lua': "require('policy-extras.shaping'):setup { 'rules.toml' }", 'rules.toml': '' }).catch((e: Error) => e);
    expect((noProvider as Error).message).toMatch(/no shaping rules provider: the host must pass providers\.shapingRules/);
    const inPcall = await load({
      'init.lua': "local ok, err = pcall(function() return require('policy-extras.shaping'):setup { 'rules.toml' } end)\nerror(err)",
      'rules.toml': '',
    }, { providers: { shapingRules: loader } }).catch((e: Error) => e);
    expect((inPcall as Error).message).toMatch(/waits for the host and cannot be called inside pcall/);
  });
});
