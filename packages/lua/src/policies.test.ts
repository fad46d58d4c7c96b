import { join } from 'node:path';
import { resolveEgressPathConfig, resolveQueueConfig } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { checkPolicy, formatPolicyCheck } from './check.js';
import { LuaLoadError } from './state.js';
import { loadSource, message, tempDir } from './test-support.js';

/**
 * The project's own policies for the behaviours the shared fixtures describe (the compat suite
 * runs the fixtures themselves): header-driven tenants with a source each, a per-domain shaping
 * table, routing by a message tag while the queue config is computed, and a policy written for an
 * MTA with other events.
 */
describe('routing policies', () => {
  it('customer header → tenant → dedicated egress source', async () => {
    const { host } = await loadSource(`
      local SOURCE_FOR = { gold = 'ip-gold', silver = 'ip-silver' }
      kumo.on('http_message_generated', function(msg)
        msg:set_meta('tenant', msg:get_first_named_header_value('X-Customer') or 'walk-in')
        msg:remove_x_headers { 'X-Customer' }
      end)
      kumo.on('get_queue_config', function(_domain, tenant)
        return kumo.make_queue_config { egress_source = SOURCE_FOR[tenant] or 'ip-shared' }
      end)`);
    const msg = message(['X-Customer: gold']);
    await host.policy.http_message_generated(msg, { identity: 'api-key-1' });
    expect(msg.meta['tenant']).toBe('gold');
    expect(msg.getFirstHeader('X-Customer')).toBeUndefined();
    const source = async (tenant: string) => resolveQueueConfig(await host.policy.get_queue_config('example.com', tenant, undefined, undefined)).egress_source;
    expect([await source('gold'), await source('silver'), await source('walk-in')]).toEqual(['ip-gold', 'ip-silver', 'ip-shared']);
  });

  it('per-domain limits from a table, with a default row', async () => {
    const { host } = await loadSource(`
      local LIMITS = { ['gmail.com'] = { per_minute = 90, connections = 8 }, ['yahoo.com'] = { per_minute = 40, connections = 4 } }
      local DEFAULT = { per_minute = 150, connections = 12 }
      kumo.on('get_egress_path_config', function(domain)
        local row = LIMITS[domain] or DEFAULT
        return kumo.make_egress_path {
          connection_limit = row.connections,
          max_message_rate = string.format('%d/min', row.per_minute),
          max_deliveries_per_connection = 50,
        }
      end)`);
    const limits = async (domain: string) => {
      const c = resolveEgressPathConfig(await host.policy.get_egress_path_config(domain, 'ip-1', 'site'));
      return [c.connection_limit.limit, c.max_message_rate?.limit, c.max_message_rate?.periodMs, c.max_deliveries_per_connection];
    };
    expect(await limits('gmail.com')).toEqual([8, 90, 60_000, 50]);
    expect(await limits('yahoo.com')).toEqual([4, 40, 60_000, 50]);
    expect(await limits('example.org')).toEqual([12, 150, 60_000, 50]);
  });

  it('a market tag on the message selects pool, lifetime and retry pace', async () => {
    const { host } = await loadSource(`
      local MARKETS = {
        brazil = { pool = 'pool-br', max_age = '6 hours', retry = '5 mins' },
        chile = { pool = 'pool-southcone', max_age = '10 hours', retry = '10 mins' },
        argentina = { pool = 'pool-southcone', max_age = '10 hours', retry = '10 mins' },
      }
      kumo.on('get_queue_config', function(domain, tenant)
        local market = MARKETS[kumo.get_msg_metadata('X-Market') or '']
        if not market then return kumo.make_queue_config { egress_pool = tenant } end
        return kumo.make_queue_config { egress_pool = market.pool, max_age = market.max_age, retry_interval = market.retry }
      end)`);
    const route = async (headers: string[], meta: Record<string, string> = {}) =>
      resolveQueueConfig(await host.policy.get_queue_config('example.com', 'initech', undefined, undefined, { message: message(headers, meta) }));
    expect(await route(['X-Market: brazil'])).toMatchObject({ egress_pool: 'pool-br', max_age: 6 * 3_600_000, retry_interval: 300_000 });
    expect(await route([], { 'X-Market': 'argentina' })).toMatchObject({ egress_pool: 'pool-southcone', retry_interval: 600_000 });
    expect((await route(['X-Market: norway'])).egress_pool).toBe('initech');
  });

  it('a policy written for another MTA fails to load with the supported equivalents', async () => {
    const error = await loadSource(`
      kumo.on('smtp_server_greeting', function(domain, meta) kumo.set_sending_ip('198.51.100.1') end)
      kumo.on('smtp_delivery_result', function(result, meta) kumo.limit_sending(meta.tenant, 10) end)`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LuaLoadError);
    expect((error as LuaLoadError).problems.map((p) => [p.location?.line, p.message.match(/event '(\w+)'/)?.[1]])).toEqual([
      [2, 'smtp_server_greeting'],
      [3, 'smtp_delivery_result'],
    ]);
  });
});

describe('checkPolicy', () => {
  it('lists what a policy defines', async () => {
    const dir = tempDir({
      'init.lua': `
        kumo.on('init', function()
          kumo.start_esmtp_listener { listen = '0.0.0.0:2525' }
          kumo.start_http_listener { listen = '127.0.0.1:8000' }
          kumo.define_spool { name = 'data', path = '/var/spool/mtakit' }
          kumo.configure_local_logs { log_dir = '/var/log/mtakit' }
          kumo.configure_bounce_classifier { files = { 'iana.toml' } }
        end)
        kumo.on('smtp_server_message_received', function(msg) end)`,
    });
    const result = await checkPolicy(join(dir, 'init.lua'));
    expect(result).toMatchObject({ ok: true, events: ['smtp_server_message_received'], problems: [] });
    expect(formatPolicyCheck(result).split('\n').slice(1)).toEqual([
      '  events: smtp_server_message_received',
      '  esmtp listener: 0.0.0.0:2525',
      '  http listener: 127.0.0.1:8000',
      '  spool data: /var/spool/mtakit (LocalDisk)',
      '  local logs: /var/log/mtakit',
      '  warning: init.lua:7: kumo.configure_bounce_classifier has no effect in mtakit: the bounce classifier is configured by the host application',
    ]);
  });

  it('lists every problem with file:line', async () => {
    const dir = tempDir({ 'init.lua': "kumo.on('smtp_server_rcpt', function() end)\nkumo.on('init', function() error('no database') end)" });
    const result = await checkPolicy(join(dir, 'init.lua'));
    expect(result.ok).toBe(false);
    expect(formatPolicyCheck(result)).toBe(
      `${join(dir, 'init.lua')}: does not load\n  init.lua:1: event 'smtp_server_rcpt' is not supported (did you mean 'smtp_server_rcpt_to'?); see docs/lua.md for the events mtakit provides`,
    );
    const syntax = await checkPolicy(join(tempDir({ 'init.lua': 'local x = = 1' }), 'init.lua'));
    expect(syntax.problems).toEqual([{ message: "init.lua:1: unexpected symbol near '='", location: { file: 'init.lua', line: 1 } }]);
  });
});
