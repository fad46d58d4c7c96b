import { describe, expect, it } from 'vitest';
import { loadSource, message, tempDir } from '../test-support.js';
import { KUMO_FUNCTIONS, KUMOD_EVENTS, MESSAGE_METHODS } from './compat.js';
import { isSupportedEvent } from './unsupported.js';

/** The compatibility table (compat.ts) against the running host, so it cannot drift. */
const working = (s: string) => s === 'supported' || s === 'partial';

describe('compat table', () => {
  it("lists KumoMTA's 73 kumo.* functions, 42 Message methods and its events once each", () => {
    expect(KUMO_FUNCTIONS).toHaveLength(73);
    expect(MESSAGE_METHODS).toHaveLength(42);
    for (const list of [KUMO_FUNCTIONS.map((f) => f.name), MESSAGE_METHODS.map((m) => m.name), KUMOD_EVENTS]) {
      expect(new Set(list).size).toBe(list.length);
    }
    for (const entry of [...KUMO_FUNCTIONS, ...MESSAGE_METHODS]) {
      expect(['supported', 'partial', 'inert', 'refused'], entry.name).toContain(entry.status);
      if (entry.status !== 'supported') expect(entry.note, entry.name).not.toBe('');
    }
    const count = KUMO_FUNCTIONS.filter((f) => working(f.status)).length;
    console.log(`kumo.* functions working: ${count} of 73; Message methods: ${MESSAGE_METHODS.filter((m) => working(m.status)).length} of 42; events: ${KUMOD_EVENTS.filter(isSupportedEvent).length} of ${KUMOD_EVENTS.length}`);
    expect(count).toBeGreaterThanOrEqual(55);
  });

  it('every kumo.* function behaves as its row says: a function, a warning, or an error naming the alternative', async () => {
    const warnings: string[] = [];
    const { host } = await loadSource(`
RESULTS = {}
for _, name in ipairs(NAMES) do
  RESULTS[name] = { own = type(rawget(kumo, name)) == 'function', ok = pcall(kumo[name]) }
end
kumo.on('get_egress_source', function(name)
  local r = RESULTS[name]
  return kumo.make_egress_source { name = (r.own and 'own' or 'absent') .. ',' .. tostring(r.ok) }
end)`.replace('NAMES', `{ ${KUMO_FUNCTIONS.map((f) => `'${f.name}'`).join(', ')} }`), { logger: (e) => e.level === 'warn' && warnings.push(e.message) });
    for (const f of KUMO_FUNCTIONS) {
      const [own, ok] = ((await host.policy.get_egress_source(f.name))?.name ?? '').split(',');
      if (working(f.status)) expect(own, f.name).toBe('own');
      if (f.status === 'inert') {
        expect([own, ok], f.name).toEqual(['absent', 'true']);
        expect(warnings.some((w) => w.includes(`kumo.${f.name} has no effect in mtakit: ${f.note}`)), f.name).toBe(true);
      }
      if (f.status === 'refused') expect([own, ok], f.name).toEqual(['absent', 'false']);
    }
  });

  it('a refused kumo.* function or Message method names the alternative', async () => {
    const { host } = await loadSource(`kumo.on('smtp_server_message_received', function(msg)
  local ok, err = pcall(kumo.inject_message, msg)
  msg:set_meta('kumo', tostring(err))
  ok, err = pcall(function() msg:dkim_verify() end)
  msg:set_meta('msg', tostring(err))
end)`);
    const msg = message([]);
    await host.policy.smtp_server_message_received(msg, {});
    expect(msg.getMeta('kumo')).toMatch(/kumo\.inject_message is not supported by mtakit: inject through the HTTP injection API/);
    expect(msg.getMeta('msg')).toMatch(/msg:dkim_verify: is not supported by mtakit: DKIM verification needs DNS/);
  });

  it('every Message method behaves as its row says', async () => {
    const names = MESSAGE_METHODS.map((m) => `'${m.name}'`).join(', ');
    const { host } = await loadSource(`kumo.on('smtp_server_message_received', function(msg)
  for _, name in ipairs({ ${names} }) do
    local ok, err = pcall(function() return msg[name] end)
    msg:set_meta(name, type(msg[name]))
  end
end)`);
    const msg = message([]);
    await host.policy.smtp_server_message_received(msg, {});
    for (const m of MESSAGE_METHODS) expect(msg.getMeta(m.name), m.name).toBe('function');
  });

  it('events: the supported ones register, the others are refused at load', async () => {
    for (const event of KUMOD_EVENTS) {
      const load = loadSource(`kumo.on('${event}', function() end)`);
      if (isSupportedEvent(event)) await expect(load, event).resolves.toBeDefined();
      else await expect(load, event).rejects.toThrow(new RegExp(`event '${event}' is not supported`));
    }
  });

  it('spawn_task runs a dotted event soon, with its args; memoize caches; set_diagnostic_log_filter drops lower levels', async () => {
    const logs: string[] = [];
    const { host } = await loadSource(`
local calls = 0
local cached = kumo.memoize(function(x) calls = calls + 1 return x * 2 end, { name = 'double', ttl = '1 minute', capacity = 2 })
kumo.on('my.task', function(args) kumo.log_info('task ' .. args[1] .. ' ' .. args[2]) end)
kumo.on('get_egress_source', function(name)
  kumo.spawn_task { event_name = 'my.task', args = { 'hello', 'there' } }
  kumo.set_diagnostic_log_filter('kumod=warn')
  kumo.log_info('dropped')
  kumo.set_diagnostic_log_filter('info')
  local sum = cached(1) + cached(1) + cached(2)
  return kumo.make_egress_source { name = sum .. ':' .. calls }
end)`, { logger: (e) => logs.push(e.message) });
    expect((await host.policy.get_egress_source('x'))?.name).toBe('8:2');
    const deadline = Date.now() + 2000;
    while (!logs.includes('task hello there') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(logs).toContain('task hello there');
    expect(logs).not.toContain('dropped');
  });

  it('the new functions work: version, toml formatting, read_dir and glob under the path map, throttles, invoke_get_*', async () => {
    const dir = tempDir({ 'a.toml': 'x = 1\n', 'sub/b.toml': 'y = 2\n', 'c.txt': '' });
    const { host } = await loadSource(`
local files = kumo.glob('/cfg/**/*.toml')
local listing = kumo.read_dir('/cfg')
local t = kumo.make_throttle('t', '2/s')
local admitted = 0
for i = 1, 5 do if not t:throttle().throttled then admitted = admitted + 1 end end
kumo.on('get_egress_pool', function(name) return kumo.make_egress_pool { name = name, entries = { { name = 'src-' .. name } } } end)
kumo.on('get_egress_source', function(name)
  local pool = kumo.invoke_get_egress_pool(name)
  local toml = kumo.format_queue_config_toml(kumo.make_queue_config { egress_pool = 'p', max_age = '1h' })
  return kumo.make_egress_source { name = table.concat({ #files, #listing, admitted, kumo.version(), toml:gsub('\\n', ' ') }, '|') }
end)`, { pathMap: { '/cfg': dir } });
    const name = (await host.policy.get_egress_source('x'))?.name ?? '';
    const [globbed, listed, admitted, version, toml] = name.split('|');
    expect([globbed, listed, admitted, version]).toEqual(['2', '3', '2', 'mtakit 0.1.0 (KumoMTA policy API)']);
    expect(toml).toMatch(/egress_pool = "p"/);
  });
});
