import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SinkMessage } from '@mtakit/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metricValue, sendAll, usePolicyMta, type PolicyMta, type SendResult } from './helpers/policy-mta.js';

/**
 * A Lua policy misbehaving or being replaced while the example MTA carries mail. The policy
 * stamps each message with its version (X-Policy), spins forever on messages marked X-Spin, and
 * routes through an egress source named by its address.
 */
function policy(version: string, source = '127.0.0.2'): string {
  return `-- policy ${version}
kumo.on('smtp_server_message_received', function(msg)
  if msg:get_first_named_header_value('X-Spin') then
    while true do end
  end
  msg:append_header('X-Policy', '${version}')
end)
kumo.on('get_queue_config', function(domain, tenant, campaign, routing_domain)
  return kumo.make_queue_config { egress_source = '${source}' }
end)
kumo.on('get_egress_source', function(name)
  return kumo.make_egress_source { name = name, source_address = name }
end)
`;
}
const SPIN_LINE = 4;
const BROKEN = "kumo.on('smtp_server_message_received', function(msg)\n  msg:append_header('X-Policy', 'broken'\nend)\n";

const EVENT = { event: 'smtp_server_message_received' };
const stamp = (m: SinkMessage | undefined) => /^X-Policy: (.*)\r$/m.exec(m?.data.toString() ?? '')?.[1];

describe('a Lua policy under stress in the example MTA', () => {
  const { start, sink } = usePolicyMta();
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mtakit-lua-policy-'));
    file = join(dir, 'init.lua');
    writeFileSync(file, policy('v1'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an endless loop trips the budget (451), opens the breaker (mail flows without the hook), which closes after the quiet period', async () => {
    const out = await sink();
    const mta = await start({ MTAKIT_POLICY: file, MTAKIT_SMARTHOST: out.address, MTAKIT_POLICY_BREAKER_QUIET: '400ms' });
    const spin = (to: string) => ({ to, headers: { 'X-Spin': 'yes' } });

    const overruns = await sendAll(mta.mta.smtp.port, [spin('spin1@dest.test'), spin('spin2@dest.test'), spin('spin3@dest.test')]);
    expect(overruns.map((r) => r.response)).toEqual(Array(3).fill('451 4.3.0 Local error, try again later (E_POLICY_TIMEOUT)'));
    const logs = mta.logs.join('\n');
    expect(logs.match(new RegExp(`WARN policy: smtp_server_message_received over budget: .*init\\.lua:${SPIN_LINE}`, 'g'))).toHaveLength(3);
    expect(logs).toMatch(/ERROR lua: smtp_server_message_received: repeated budget overruns/);
    let metrics = await mta.metrics();
    expect([metricValue(metrics, 'lua_policy_timeouts_total', EVENT), metricValue(metrics, 'lua_policy_breaker_opens_total', EVENT), metricValue(metrics, 'lua_policy_breaker_open', EVENT)]).toEqual([3, 1, 1]);

    // Breaker open: the hook is skipped, so even a message that would spin is accepted (unstamped).
    expect((await sendAll(mta.mta.smtp.port, [spin('while-open@dest.test')]))[0]?.code).toBe(250);
    await out.waitFor(() => out.for('while-open@dest.test').length === 1);
    expect(stamp(out.for('while-open@dest.test')[0])).toBeUndefined();
    expect(metricValue(await mta.metrics(), 'lua_policy_fallbacks_total', EVENT)).toBe(1);

    // After the quiet period the next call runs Lua again; within budget, the breaker closes.
    await new Promise((r) => setTimeout(r, 500));
    expect((await sendAll(mta.mta.smtp.port, [{ to: 'after@dest.test' }]))[0]?.code).toBe(250);
    await out.waitFor(() => out.for('after@dest.test').length === 1);
    expect(stamp(out.for('after@dest.test')[0])).toBe('v1');
    metrics = await mta.metrics();
    expect(metricValue(metrics, 'lua_policy_breaker_open', EVENT)).toBe(0);
    expect(mta.logs.join('\n')).toMatch(/INFO lua: smtp_server_message_received: Lua handlers are back in use/);
  });

  it('hot reload swaps a good policy, refuses a broken one (400, file:line), follows file changes — while mail keeps flowing', async () => {
    const out = await sink();
    const mta = await start({ MTAKIT_POLICY: file, MTAKIT_SMARTHOST: out.address });
    const flow = injectContinuously(mta);

    await flow.until(10);
    writeFileSync(file, policy('v2'));
    expect(await mta.bumpConfigEpoch()).toEqual({ status: 200, body: { ok: true } });
    const afterGood = flow.sent();

    await flow.until(afterGood + 10);
    writeFileSync(file, BROKEN);
    const refused = await mta.bumpConfigEpoch();
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/does not load, the running policy stays: init\.lua:3: '\)' expected/);
    const afterBroken = flow.sent();

    await flow.until(afterBroken + 10);
    // No bump-config-epoch: the file watcher reloads, and the queue's cached configs are dropped
    // (the new policy routes through another source).
    writeFileSync(file, policy('v3', '127.0.0.3'));
    const deadline = Date.now() + 10_000;
    while (!out.messages.some((m) => stamp(m) === 'v3') && Date.now() < deadline) await flow.until(flow.sent() + 5);
    const results = await flow.stop();

    expect(results.filter((r) => r.code !== 250)).toEqual([]);
    await out.waitFor(() => results.every((r) => out.for(r.to).length > 0));
    const delivered = results.map((r) => out.for(r.to)[0] as SinkMessage);
    const stamps = delivered.map((m) => stamp(m));
    expect(new Set(stamps)).toEqual(new Set(['v1', 'v2', 'v3']));
    // Sent after the broken file was refused: still v2 until the watcher loaded v3.
    expect(new Set(stamps.slice(afterBroken, afterBroken + 10))).toEqual(new Set(['v2']));
    // Routing is decided when a message leaves its scheduled queue, by the policy loaded then: v3
    // mail always leaves from v3's source; older mail still queued when v3 loaded may follow it.
    expect(delivered.filter((m) => stamp(m) === 'v3').every((m) => m.remoteAddress === '127.0.0.3')).toBe(true);
    expect(delivered.filter((m) => stamp(m) !== 'v3').every((m) => ['127.0.0.2', '127.0.0.3'].includes(m.remoteAddress))).toBe(true);
    expect(delivered.slice(0, 10).every((m) => m.remoteAddress === '127.0.0.2')).toBe(true);
    const metrics = await mta.metrics();
    expect(metricValue(metrics, 'lua_policy_reloads_total', { result: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'lua_policy_config_epoch')).toBeGreaterThanOrEqual(3);
    expect(mta.logs.join('\n')).toMatch(/ERROR lua: policy not reloaded, the running one stays: init\.lua:3:/);
  });

  it('warns when a reload makes queue configs depend on the message: that takes a restart', async () => {
    const mta = await start({ MTAKIT_POLICY: file });
    writeFileSync(file, `${policy('v2')}kumo.on('get_queue_config', function() return kumo.make_queue_config { egress_pool = kumo.get_msg_metadata('pool') } end)\n`);
    expect((await mta.bumpConfigEpoch()).status).toBe(200);
    expect(mta.logs.join('\n')).toMatch(/WARN policy: get_queue_config now reads the message \(kumo\.get_msg_metadata\), but queue configs are cached per queue until the MTA restarts/);
  });

  it('a policy module is not reloaded: bump-config-epoch still succeeds and says a restart is needed', async () => {
    const module = join(dir, 'policy.mts');
    writeFileSync(module, "export default { get_queue_config: () => ({ egress_pool: 'unspecified' }) };\n");
    const mta = await start({ MTAKIT_POLICY: module });
    expect(await mta.bumpConfigEpoch()).toEqual({ status: 200, body: { ok: true } });
    expect(mta.logs.join('\n')).toContain(`WARN policy: ${module} is a module and is not reloaded: restart mtakit to apply changes to it`);
  });
});

/**
 * Sends messages one after another on a few connections, each to a new recipient, until stopped;
 * `until(n)` resolves once n messages have been answered.
 */
function injectContinuously(mta: PolicyMta, connections = 3): { sent(): number; until(n: number): Promise<void>; stop(): Promise<SendResult[]> } {
  const results: SendResult[] = [];
  let stopping = false;
  let next = 0;
  const workers = Array.from({ length: connections }, async () => {
    while (!stopping) {
      const [result] = await sendAll(mta.mta.smtp.port, [{ to: `flow${next++}@dest.test` }]);
      results.push(result as SendResult);
    }
  });
  return {
    sent: () => results.length,
    until: async (n) => {
      while (results.length < n) await new Promise((r) => setTimeout(r, 10));
    },
    stop: async () => {
      stopping = true;
      await Promise.all(workers);
      return results;
    },
  };
}
