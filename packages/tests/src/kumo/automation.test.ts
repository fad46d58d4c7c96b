import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tenantHeaders } from '@mtakit/core';
import { shapingPlugin } from '@mtakit/shaping';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKumoHarness, type KumoHarness } from './harness.js';

/**
 * The automation rules of KumoMTA's crates/integration-tests/shaping.toml (Apache-2.0, KumoCorp),
 * re-expressed: the sink answers `you said <local part>` for `NNN-…@` recipients, and each rule
 * turns one of those answers into an action. kumod runs them in its TSA daemon; mtakit in-process.
 */
const RULES = ([
  ['450-go-away', 'Suspend'], ['450-suspend-campaign', 'SuspendCampaign'], ['450-suspend-tenant', 'SuspendTenant'],
  ['550-bounce-campaign', 'BounceCampaign'], ['550-bounce-tenant', 'BounceTenant'],
] as const).map(([said, action]) => `[["default".automation]]\nregex = "you said ${said}"\naction = "${action}"\nduration = "1 hour"\n`).join('\n');

describe('KumoMTA integration scenarios: traffic shaping automation (TSA)', () => {
  let h: KumoHarness;
  beforeAll(async () => {
    h = await startKumoHarness({
      policy: tenantHeaders,
      plugins: [{
        name: 'kumo-shaping', dependencies: ['queue'],
        setup: async (ctx) => {
          const file = join(ctx.dataDir, 'shaping.toml');
          writeFileSync(file, RULES);
          return shapingPlugin({ files: [file], noDefaultFiles: true }).setup(ctx);
        },
      }],
    });
  });
  afterAll(async () => h?.stop());
  type Entry = { tenant?: string; campaign?: string; domain?: string; name?: string; reason: string };
  const list = async (path: string) => (await h.api<Entry[]>('GET', `/api/admin/${path}/v1`)).body;
  const headers = (tenant: string, campaign?: string) => `X-Tenant: ${tenant}\r\n${campaign ? `X-Campaign: ${campaign}\r\n` : ''}`;

  // Ports tsa_tenant_suspension.rs `tsa_tenant_suspension`.
  it('suspends the tenant whose mail got the matching 4xx', async () => {
    expect(await h.send(['450-suspend-tenant@tenant.test'], { headers: headers('mytenant') })).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(async () => (await list('suspend')).find((e) => e.tenant === 'mytenant'), { timeout: 20_000 }).toMatchObject({ tenant: 'mytenant', reason: expect.stringMatching(/you said/) });
    expect((await list('suspend')).find((e) => e.tenant === 'mytenant')?.campaign).toBeUndefined();
  });

  // Ports tsa_campaign_suspension.rs `tsa_campaign_suspension`.
  it('suspends the campaign whose mail got the matching 4xx', async () => {
    expect(await h.send(['450-suspend-campaign@campaign.test'], { headers: headers('t2', 'mycampaign') })).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(async () => (await list('suspend')).find((e) => e.campaign === 'mycampaign'), { timeout: 20_000 }).toMatchObject({ campaign: 'mycampaign', reason: expect.stringMatching(/you said/) });
  });

  // Ports tsa_bounce_tenant.rs `tsa_bounce_tenant`.
  it('bounces the tenant whose mail got the matching 5xx', async () => {
    expect(await h.send(['550-bounce-tenant@btenant.test'], { headers: headers('badtenant') })).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(async () => (await list('bounce')).find((e) => e.tenant === 'badtenant'), { timeout: 20_000 }).toMatchObject({ tenant: 'badtenant', reason: expect.stringMatching(/you said/) });
  });

  // Ports tsa_bounce_campaign.rs `tsa_bounce_campaign`.
  it('bounces the campaign whose mail got the matching 5xx', async () => {
    expect(await h.send(['550-bounce-campaign@bcampaign.test'], { headers: headers('t3', 'badcampaign') })).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(async () => (await list('bounce')).find((e) => e.campaign === 'badcampaign'), { timeout: 20_000 }).toMatchObject({ campaign: 'badcampaign', reason: expect.stringMatching(/you said/) });
  });

  // Ports tsa_basic_automation.rs `tsa_basic_automation` (the Suspend action: the ready queue is suspended).
  it('suspends the ready queue whose mail got the matching 4xx', async () => {
    expect(await h.send(['450-go-away@goaway.test'])).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(async () => (await list('suspend-ready-q')).find((e) => /you said 450-go-away/.test(e.reason)), { timeout: 20_000 }).toMatchObject({ name: expect.stringMatching(/@smtp_client$/) });
  });
});
