import { join } from 'node:path';
import { resolveEgressPathConfig, resolveEgressPool, resolveEgressSource } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { loadLuaPolicy } from '../host.js';
import { LuaLoadError } from '../state.js';
import { loadSource, message, tempDir } from '../test-support.js';

const loadError = (source: string, options = {}) =>
  loadSource(source, options).then(
    () => {
      throw new Error('policy loaded');
    },
    (e: unknown) => e as LuaLoadError,
  );

describe('config constructors', () => {
  it('build configs core resolves', async () => {
    const { host } = await loadSource(`
      kumo.on('get_egress_path_config', function(domain, source, site)
        return kumo.make_egress_path { connection_limit = 'local:5', max_message_rate = '10/s', prohibited_hosts = {} }
      end)
      kumo.on('get_egress_source', function(name) return kumo.make_egress_source { name = name, source_address = '10.0.0.1', ehlo_domain = 'mx.example.net' } end)
      kumo.on('get_egress_pool', function(name) return kumo.make_egress_pool { name = name, entries = { { name = 'a', weight = 3 }, { name = 'b' } } } end)
      kumo.on('get_listener_domain', function(domain) if domain == 'bounce.example.org' then return kumo.make_listener_domain { log_oob = 'LogThenDrop' } end end)`);
    const path = resolveEgressPathConfig(await host.policy.get_egress_path_config('gmail.com', 'a', 'site'));
    expect(path.connection_limit).toEqual({ limit: 5, local: true });
    expect(path.max_message_rate).toMatchObject({ limit: 10, periodMs: 1000 });
    expect(path.prohibited_hosts).toEqual([]);
    expect(resolveEgressSource((await host.policy.get_egress_source('ip-1'))!)).toMatchObject({ name: 'ip-1', source_address: '10.0.0.1' });
    expect(resolveEgressPool((await host.policy.get_egress_pool('warm'))!).entries).toEqual([{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }]);
    expect(await host.policy.get_listener_domain('bounce.example.org', 'smtp', {})).toEqual({ log_oob: 'LogThenDrop' });
  });

  it('errors name the function and the key', async () => {
    const error = await loadError("local c = kumo.make_queue_config { retry_interval = 'soon' }");
    expect(error.message).toMatch(/^policy\.lua:1: kumo\.make_queue_config: invalid config queue_config\.retry_interval="soon"/);
    expect((await loadError('kumo.make_egress_path { max_message_rate = 5 }')).message).toMatch(
      /kumo\.make_egress_path: invalid config egress_path\.max_message_rate=5/,
    );
    expect((await loadError('kumo.make_egress_pool { name = "p", entries = { { name = "a", weigth = 2 } } }')).message).toMatch(
      /kumo\.make_egress_pool: invalid config egress_pool\.entries\[0\]\.weigth=2: is not a known option/,
    );
    expect((await loadError("kumo.make_listener_domain { relay_from = { '10.0.0.0/8' } }")).message).toMatch(
      /kumo\.make_listener_domain: .*relay_from.*list relaying clients in the listener relay_hosts/,
    );
  });

  it('config objects are read-only tables whose fields Lua can read', async () => {
    const { host } = await loadSource(`
      local cfg = kumo.make_queue_config { egress_pool = 'p1', max_age = '1 day' }
      local keys = {}
      for k, v in pairs(cfg) do keys[#keys + 1] = k .. '=' .. v end
      table.sort(keys)
      local ok, err = pcall(function() cfg.egress_pool = 'p2' end)
      SUMMARY = table.concat({ cfg.egress_pool, table.concat(keys, ','), tostring(ok), err, kumo.json_encode(cfg) }, ' | ')
      kumo.on('get_egress_source', function() return kumo.make_egress_source { name = SUMMARY } end)`);
    expect((await host.policy.get_egress_source('x'))?.name).toBe(
      'p1 | egress_pool=p1,max_age=1 day | false | policy.lua:6: kumo.QueueConfig: config objects are read-only; build a new one with kumo.make_queue_config{...} | {"egress_pool":"p1","max_age":"1 day"}',
    );
  });

  it('a hook returning the wrong kind of config is refused', async () => {
    const { host } = await loadSource("kumo.on('get_queue_config', function() return kumo.make_egress_path {} end)");
    await expect(host.policy.get_queue_config('a.test', undefined, undefined, undefined)).rejects.toThrow(
      'get_queue_config handler: must return kumo.make_queue_config{...}, not the result of kumo.make_egress_path',
    );
  });
});

describe('declarations collected at init', () => {
  it('listeners, spools and logs become typed definitions', async () => {
    const { host } = await loadSource(`
      kumo.on('init', function()
        kumo.start_esmtp_listener { listen = '0:2525', relay_hosts = { '10.0.0.0/8' }, data_buffer_size = 1024 }
        kumo.start_http_listener { listen = '127.0.0.1:8000', trusted_hosts = { '127.0.0.1' } }
        kumo.define_spool { name = 'data', path = '/var/spool/mtakit/data', kind = 'RocksDB' }
        kumo.configure_local_logs { log_dir = '/var/log/mtakit', max_segment_duration = '5 minutes', meta = { 'tenant' } }
        kumo.set_smtpsrv_threads(4)
      end)`);
    const d = host.definitions;
    expect(d.esmtpListeners).toMatchObject([{ listen: '0:2525', relay_hosts: ['10.0.0.0/8'], max_message_size: 20 * 1024 * 1024, client_timeout: 60_000 }]);
    expect(d.httpListeners).toMatchObject([{ listen: '127.0.0.1:8000', trusted_hosts: ['127.0.0.1'], use_tls: false }]);
    expect(d.spools).toEqual([{ name: 'data', path: '/var/spool/mtakit/data', kind: 'RocksDB', flush: false, min_free_space: undefined, min_free_inodes: undefined }]);
    expect(d.localLogs).toMatchObject([{ log_dir: '/var/log/mtakit', max_segment_duration: 300_000, meta: ['tenant'], headers: [] }]);
    expect(d.warnings).toEqual([
      'kumo.start_esmtp_listener: data_buffer_size is accepted for compatibility and has no effect in mtakit',
      'policy.lua:7: kumo.set_smtpsrv_threads has no effect in mtakit: Node runs policies on its event loop',
    ]);
  });

  it('declarations are refused once the policy has loaded', async () => {
    const { host } = await loadSource("kumo.on('get_egress_pool', function() kumo.define_spool { name = 'data', path = '/x' } end)");
    await expect(host.policy.get_egress_pool('p')).rejects.toThrow(/kumo\.define_spool: can only be called while the policy loads/);
  });
});

describe('unsupported names', () => {
  it('unknown events fail the load, each named with its equivalent', async () => {
    const error = await loadError(
      "kumo.on('smtp_server_data', function() end)\nkumo.on('get_queue_confg', function() end)\nkumo.on('smtp_server_message_received', function() end)",
    );
    expect(error.problems.map((p) => p.message)).toEqual([
      "policy.lua:1: event 'smtp_server_data' is not supported: use smtp_server_message_received (it runs once per recipient)",
      "policy.lua:2: event 'get_queue_confg' is not supported (did you mean 'get_queue_config'?); see docs/lua.md for the events mtakit provides",
    ]);
    expect(error.problems[1]?.location).toEqual({ file: 'policy.lua', line: 2 });
  });

  it('an unknown kumo function raises, when called, an error naming it and its equivalent', async () => {
    const { host } = await loadSource(`
      kumo.on('smtp_server_message_received', function(msg)
        kumo.set_sending_ip('203.0.113.7')
      end)
      kumo.on('get_egress_pool', function() return kumo.dns.lookup_mx('example.com') end)
      kumo.on('get_egress_source', function() return kumo.frobnicate() end)`);
    await expect(host.policy.smtp_server_message_received(message([]), {})).rejects.toThrow(
      /^smtp_server_message_received handler: policy\.lua:3: kumo\.set_sending_ip is not supported by mtakit: choose sending IPs with egress sources/,
    );
    await expect(host.policy.get_egress_pool('p')).rejects.toThrow(/kumo\.dns\.lookup_mx is not supported by mtakit: policies have no network access/);
    await expect(host.policy.get_egress_source('s')).rejects.toThrow(/kumo\.frobnicate is not supported by mtakit; see docs\/lua\.md/);
  });
});

describe('data helpers', () => {
  it('json and toml round trips', async () => {
    const { host } = await loadSource(`
      local data = kumo.json_parse('{"a": [1, 2, {"b": true}], "c": "d"}')
      local toml = kumo.toml_parse('name = "x"\\n[limits]\\nrate = "10/s"')
      ENCODED = kumo.json_encode({ a = data.a[3].b, n = #data.a, toml = toml.limits.rate, again = kumo.serde.toml_parse(kumo.toml_encode(toml)).name })
      kumo.on('get_egress_source', function() return kumo.make_egress_source { name = ENCODED } end)`);
    expect(JSON.parse((await host.policy.get_egress_source('x'))!.name)).toEqual({ a: true, n: 3, toml: '10/s', again: 'x' });
  });

  it('toml_load reads from the allowed directories, and only while loading', async () => {
    const dir = tempDir({
      'policy/init.lua': "local d = kumo.toml_load('data/pools.toml')\nkumo.on('get_egress_pool', function(n) return kumo.make_egress_pool(d.pool[n]) end)\nkumo.on('get_egress_source', function() kumo.toml_load('data/pools.toml') end)",
      'policy/data/pools.toml': '[pool.main]\nname = "main"\nentries = [ { name = "a" } ]\n',
      'secret.toml': 'password = "hunter2"\n',
      'policy/escape.lua': "kumo.toml_load('../secret.toml')",
    });
    const host = await loadLuaPolicy({ file: join(dir, 'policy/init.lua'), logger: () => undefined });
    expect(await host.policy.get_egress_pool('main')).toEqual({ name: 'main', entries: [{ name: 'a' }] });
    await expect(host.policy.get_egress_source('a')).rejects.toThrow(/kumo\.toml_load: files can only be read while the policy loads/);
    const escape = await loadLuaPolicy({ file: join(dir, 'policy/escape.lua'), logger: () => undefined }).catch((e: LuaLoadError) => e);
    expect((escape as LuaLoadError).message).toMatch(/^escape\.lua:1: kumo\.toml_load: .*secret\.toml is outside the allowed directories/);
  });

  it('require loads modules from the allowed directories', async () => {
    const dir = tempDir({
      'init.lua': "local routing = require 'lib.routing'\nkumo.on('get_queue_config', function(d, tenant) return kumo.make_queue_config { egress_pool = routing.pool_for(tenant) } end)",
      'lib/routing.lua': "local M = {}\nfunction M.pool_for(tenant) return (tenant or 'shared') .. '-pool' end\nreturn M",
    });
    const host = await loadLuaPolicy({ file: join(dir, 'init.lua'), logger: () => undefined });
    expect(await host.policy.get_queue_config('a.test', 'acme', undefined, undefined)).toEqual({ egress_pool: 'acme-pool' });
    expect(host.definitions.files.map((f) => f.slice(dir.length))).toEqual(expect.arrayContaining(['/init.lua', '/lib/routing.lua']));
  });

  it('logging helpers and print reach the host logger with file:line', async () => {
    const { logs } = await loadSource("kumo.log_warn('queue', 42, 'is', true)\nprint('hello', nil)");
    expect(logs).toEqual([
      { level: 'warn', message: 'queue 42 is true', location: 'policy.lua:1' },
      { level: 'info', message: 'hello\tnil', location: 'policy.lua:2' },
    ]);
  });
});

describe('kumo.get_msg_metadata', () => {
  it("reads the current message's meta, else its header", async () => {
    const { host } = await loadSource(`
      kumo.on('get_queue_config', function(domain, tenant)
        return kumo.make_queue_config { egress_pool = (kumo.get_msg_metadata('X-Region') or 'none') .. '/' .. tostring(tenant) }
      end)`);
    const q = (ctx?: { message: ReturnType<typeof message> }) => host.policy.get_queue_config('a.test', 't', undefined, undefined, ctx);
    expect(await q({ message: message([], { 'X-Region': 'meta-eu' }) })).toEqual({ egress_pool: 'meta-eu/t' });
    expect(await q({ message: message(['X-Region: header-us']) })).toEqual({ egress_pool: 'header-us/t' });
    expect(await q()).toEqual({ egress_pool: 'none/t' });
    expect([...host.messageDependentEvents]).toEqual(['get_queue_config']);
  });
});
