import { join } from 'node:path';
import { SmtpSink } from '@mtakit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/mta-process.js';
import { sendAll, startPolicyMta, type PolicyMta } from './helpers/policy-mta.js';
import { deliverAll, retryMinutes, sourcesOf } from './helpers/routes.js';

/**
 * The example MTA's own policies (examples/mta/policies) end to end: SMTP in, routed by the
 * policy, delivered to a sink that records the address each message left from. The sources of
 * sources.toml are 127.0.0.2 (ip-1), .3 (ip-2) and .4 (ip-3).
 */
const policies = join(repoRoot, 'examples/mta/policies');
const IP_1 = '127.0.0.2';
const IP_2 = '127.0.0.3';
const IP_3 = '127.0.0.4';
const ann = { user: 'ann', pass: 'secret-a' };
const gil = { user: 'gil', pass: 'secret-g' };

describe('example policies in the example MTA', () => {
  let mta: PolicyMta | undefined;
  const sinks: SmtpSink[] = [];
  const sink = async (options: ConstructorParameters<typeof SmtpSink>[0] = {}) => {
    const s = await new SmtpSink(options).start();
    sinks.push(s);
    return s;
  };
  afterEach(async () => {
    await mta?.stop();
    mta = undefined;
    await Promise.all(sinks.splice(0).map((s) => s.stop()));
  });

  it.each([
    ['tenant-routing.lua', { MTAKIT_POLICY_INCLUDE: join(policies, 'sources.lua') }],
    ['tenant-routing.ts', {}],
  ])('%s: each tenant leaves from its pool; AUTH wins over X-Tenant, which is removed', async (file, env) => {
    const out = await sink();
    mta = await startPolicyMta({
      MTAKIT_POLICY: join(policies, file), MTAKIT_SMARTHOST: out.address, MTAKIT_AUTH_USERS: 'ann:secret-a:acme,gil:secret-g:globex', ...env,
    });
    const delivered = await deliverAll(mta.mta.smtp.port, out, [
      { to: 'ann@dest.test', auth: ann },
      { to: 'gil@dest.test', auth: gil },
      { to: 'header@dest.test', headers: { 'X-Tenant': 'globex' } },
      { to: 'both@dest.test', auth: ann, headers: { 'X-Tenant': 'globex' } },
      { to: 'nobody@dest.test' },
    ]);
    expect(sourcesOf(delivered)).toEqual({
      'ann@dest.test': IP_1, 'gil@dest.test': IP_2, 'header@dest.test': IP_2, 'both@dest.test': IP_1, 'nobody@dest.test': IP_3,
    });
    for (const m of delivered.values()) expect(m.data.toString()).not.toMatch(/^X-Tenant:/im);
  });

  it('region-routing.lua: the region of each message picks its pool and retries, within one queue', async () => {
    const out = await sink();
    mta = await startPolicyMta({
      MTAKIT_POLICY: join(policies, 'region-routing.lua'), MTAKIT_POLICY_INCLUDE: join(policies, 'sources.lua'),
      MTAKIT_SMARTHOST: out.address, MTAKIT_AUTH_USERS: 'ann:secret-a:acme',
    });
    expect(mta.logs.join('\n')).toMatch(/queue configs are computed per message/);
    // All but the last share the queue "dest.test": only a per-message queue config tells them apart.
    const delivered = await deliverAll(mta.mta.smtp.port, out, [
      { to: 'mx@dest.test', headers: { 'X-Region': 'mexico' } },
      { to: 'pe@dest.test', headers: { 'X-Region': 'peru' } },
      { to: 'co@dest.test', headers: { 'X-Region': 'colombia' } },
      { to: 'jp@dest.test', headers: { 'X-Region': 'japan' } },
      { to: 'none@dest.test' },
      { to: 'acme@dest.test', auth: ann },
    ]);
    expect(sourcesOf(delivered)).toEqual({
      'mx@dest.test': IP_1, 'pe@dest.test': IP_2, 'co@dest.test': IP_2, 'jp@dest.test': IP_3, 'none@dest.test': IP_3, 'acme@dest.test': IP_1,
    });
    // The sink answers 451 to tempfail@: each message waits for the retry interval of its region.
    const results = await sendAll(mta.mta.smtp.port, [
      { to: 'tempfail@mexico.test', headers: { 'X-Region': 'mexico' } },
      { to: 'tempfail@peru.test', headers: { 'X-Region': 'peru' } },
      { to: 'tempfail@other.test' },
    ]);
    expect(results.map((r) => r.code)).toEqual([250, 250, 250]);
    await retryMinutes(mta.queueSummary, { 'mexico.test': 8, 'peru.test': 12, 'other.test': 20 });
  });

  it('domain-throttles.lua: each destination gets its connection limit and TLS without certificate checks', async () => {
    const limits = { 'proton.me': 5, 'yahoo.com': 10, 'example.org': 15 };
    const byDomain = new Map<string, SmtpSink>();
    // A slow, TLS-offering sink per destination holds connections open long enough to reach the limit.
    for (const domain of Object.keys(limits)) byDomain.set(domain, await sink({ tls: true, dataDelayMs: 400 }));
    mta = await startPolicyMta({ MTAKIT_POLICY: join(policies, 'domain-throttles.lua') }, {
      // The application's layer only says where each destination's MX is (the policy has no get_queue_config).
      policy: { get_queue_config: (domain) => ({ protocol: { smtp: { mx_list: [(byDomain.get(domain) as SmtpSink).address] } } }) },
    });
    const messages = Object.entries(limits).flatMap(([domain, limit]) => Array.from({ length: 2 * limit }, (_, i) => ({ to: `user${i}@${domain}` })));
    const refused = (await sendAll(mta.mta.smtp.port, messages)).filter((r) => r.code !== 250);
    expect(refused).toEqual([]);
    for (const [domain, limit] of Object.entries(limits)) {
      const s = byDomain.get(domain) as SmtpSink;
      await s.waitFor(() => s.received === 2 * limit);
      expect({ domain, peak: s.peakConnections, allTls: s.messages.every((m) => m.secure) }).toEqual({ domain, peak: limit, allTls: true });
    }
  });
});
