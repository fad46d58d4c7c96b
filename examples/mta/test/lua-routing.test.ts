import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../packages/tests/src/helpers/mta-process.js';
import { usePolicyMta } from './helpers/policy-mta.js';
import { connectionPeaks, deliverAll, regionMessages, regionRetries, sourcesOf } from './helpers/routes.js';

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
  const { start, sink } = usePolicyMta();

  it.each([
    ['tenant-routing.lua', { MTAKIT_POLICY_INCLUDE: join(policies, 'sources.lua') }],
    ['tenant-routing.ts', {}],
  ])('%s: each tenant leaves from its pool; AUTH wins over X-Tenant, which is removed', async (file, env) => {
    const out = await sink();
    const mta = await start({
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
    const mta = await start({
      MTAKIT_POLICY: join(policies, 'region-routing.lua'), MTAKIT_POLICY_INCLUDE: join(policies, 'sources.lua'),
      MTAKIT_SMARTHOST: out.address, MTAKIT_AUTH_USERS: 'ann:secret-a:acme',
    });
    expect(mta.logs.join('\n')).toMatch(/queue configs are computed per message/);
    const delivered = await deliverAll(mta.mta.smtp.port, out, regionMessages(ann));
    expect(sourcesOf(delivered)).toEqual({
      'mx@dest.test': IP_1, 'pe@dest.test': IP_2, 'co@dest.test': IP_2, 'jp@dest.test': IP_3, 'none@dest.test': IP_3, 'tenant@dest.test': IP_1,
    });
    await regionRetries(mta, { mexico: 8, peru: 12, untagged: 20 });
  });

  it('domain-throttles.lua: each destination gets its connection limit and TLS without certificate checks', async () => {
    const limits = { 'proton.me': 5, 'yahoo.com': 10, 'example.org': 15 };
    expect(await connectionPeaks({ MTAKIT_POLICY: join(policies, 'domain-throttles.lua') }, limits)).toEqual({
      'proton.me': { peak: 5, allTls: true }, 'yahoo.com': { peak: 10, allTls: true }, 'example.org': { peak: 15, allTls: true },
    });
  });
});
