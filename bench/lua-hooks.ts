// Lua policy hooks: µs per call of get_queue_config and smtp_server_message_received through
// @mtakit/lua, against the same policy written in TypeScript (the baseline, measured in the same
// run), the cost of a cached queue config (what the queue pays when the config is cached per queue
// and epoch), and the cold load time of a policy.
//
//   node --conditions=@mtakit/source --import tsx bench/lua-hooks.ts [--iterations 20000]
import { Message, type Policy } from '@mtakit/core';
import { loadLuaPolicy } from '@mtakit/lua';

const iterations = Number(process.argv[process.argv.indexOf('--iterations') + 1]) || 20_000;

const LUA_POLICY = `
local TENANT_POOLS = { acme = 'pool-acme', globex = 'pool-globex' }

kumo.on('smtp_server_message_received', function(msg)
  local tenant = msg:get_first_named_header_value('X-Tenant')
  if tenant then
    msg:set_meta('tenant', tenant)
    msg:remove_all_named_headers('X-Tenant')
  end
  msg:set_meta('campaign', msg:get_first_named_header_value('X-Campaign') or 'none')
end)

kumo.on('get_queue_config', function(domain, tenant, campaign, routing_domain)
  return kumo.make_queue_config {
    egress_pool = TENANT_POOLS[tenant] or 'pool-shared',
    retry_interval = '10 mins',
    max_age = '2 days',
  }
end)
`;

const TENANT_POOLS: Record<string, string> = { acme: 'pool-acme', globex: 'pool-globex' };
const TS_POLICY: Policy = {
  smtp_server_message_received(msg) {
    const tenant = msg.getFirstHeader('X-Tenant');
    if (tenant !== undefined) {
      msg.setMeta('tenant', tenant);
      msg.removeAllHeaders('X-Tenant');
    }
    msg.setMeta('campaign', msg.getFirstHeader('X-Campaign') ?? 'none');
  },
  get_queue_config(_domain, tenant) {
    return { egress_pool: TENANT_POOLS[tenant ?? ''] ?? 'pool-shared', retry_interval: '10 mins', max_age: '2 days' };
  },
};

const DATA = Buffer.from(
  'From: sender@example.org\r\nTo: rcpt@example.com\r\nSubject: benchmark\r\nX-Tenant: acme\r\nX-Campaign: spring\r\n' +
  'Message-ID: <bench@example.org>\r\n\r\n' + 'Hello there.\r\n'.repeat(200),
);
const newMessage = () => new Message({ sender: 'sender@example.org', recipient: 'rcpt@example.com', data: DATA });
const TENANTS = ['acme', 'globex', 'initech', undefined];

/** Median over 5 rounds of µs per call. */
async function measure(fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(2000, iterations); i++) await fn(i); // warm-up
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await fn(i);
    rounds.push(((performance.now() - start) * 1000) / iterations);
  }
  return rounds.sort((a, b) => a - b)[2] as number;
}

const host = await loadLuaPolicy({ source: LUA_POLICY, logger: () => undefined });
const lua = host.policy;

const queueLua = await measure((i) => lua.get_queue_config('example.com', TENANTS[i % 4], undefined, undefined));
const queueTs = await measure((i) => TS_POLICY.get_queue_config!('example.com', TENANTS[i % 4], undefined, undefined));
const cache = new Map<string, unknown>();
const queueCached = await measure((i) => {
  const key = `${host.epoch}:${TENANTS[i % 4] ?? ''}@example.com`;
  let config = cache.get(key);
  if (config === undefined) {
    config = lua.get_queue_config('example.com', TENANTS[i % 4], undefined, undefined);
    cache.set(key, config);
  }
  return config;
});

const messageOnly = await measure(() => newMessage());
const receivedLua = await measure(() => lua.smtp_server_message_received(newMessage(), {}));
const receivedTs = await measure(() => TS_POLICY.smtp_server_message_received!(newMessage(), {}));

const loads: number[] = [];
for (let i = 0; i < 30; i++) {
  const start = performance.now();
  await loadLuaPolicy({ source: LUA_POLICY, logger: () => undefined });
  loads.push(performance.now() - start);
}
loads.sort((a, b) => a - b);

const row = (name: string, us: number, baseline?: number) =>
  console.log(`${name.padEnd(52)} ${us.toFixed(2).padStart(8)} µs${baseline ? `   ${(us / baseline).toFixed(1)}× TS` : ''}`);
console.log(`@mtakit/lua hooks, ${iterations} calls × 5 rounds (median), Node ${process.version}`);
row('get_queue_config, Lua', queueLua, queueTs);
row('get_queue_config, TypeScript (baseline)', queueTs);
row('get_queue_config, cached per queue+epoch (Map hit)', queueCached);
row('smtp_server_message_received, Lua (incl. new Message)', receivedLua, receivedTs);
row('smtp_server_message_received, TS (incl. new Message)', receivedTs);
row('new Message alone (included in both rows above)', messageOnly);
console.log(`cold load of the policy (new Lua state + init): median ${loads[15]!.toFixed(2)} ms, min ${loads[0]!.toFixed(2)} ms`);
