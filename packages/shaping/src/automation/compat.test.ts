import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { siteNameFor } from '@mtakit/core/dns';
import { FakeClock } from '@mtakit/core/testing';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { loadShapingRules, type ShapingSource } from '../rules/loader.js';
import { MemoryShapingStore } from '../stores/memory.js';
import { SAMPLE_MX, tableMxResolver } from '../testing/mx-fixture.js';
import { deliveryRecord } from '../testing/records.js';
import { TrafficShapingAutomation } from './automation.js';

const KUMO = join(import.meta.dirname, '../../../../../shared/data/kumomta');
const FILES = [join(KUMO, 'policy-extras/shaping.toml'), join(KUMO, 'community/shaping.toml')];
const present = FILES.every((f) => existsSync(f));
if (!present) console.warn(`KumoMTA automation compat suite skipped: ${KUMO} is absent (it holds KumoMTA's shaping.toml files)`);

const resolver = tableMxResolver();
const site = (domain: string) => siteNameFor(SAMPLE_MX[domain] as string[]);
const MINUTE = 60_000;

/**
 * The community file writes its Gmail rules under provider "gmail", which has no match rules
 * (the team file calls the provider "google"), so KumoMTA never applies them. A one-line overlay
 * of the user's gives "gmail" a match and brings them to life, in KumoMTA as here.
 */
const GMAIL_OVERLAY: ShapingSource = { name: 'my-overlay.toml', document: parseToml('[provider."gmail"]\nmatch = [{MXSuffix = ".google.com"}]\n') };

async function setup(extra: ShapingSource[] = []) {
  const clock = new FakeClock();
  const rules = await loadShapingRules([...FILES, ...extra], { resolver, noDefaultFiles: true });
  const automation = new TrafficShapingAutomation({ rules, store: new MemoryShapingStore({ clock }), clock });
  const feed = (domain: string, response: string) =>
    automation.consume(deliveryRecord({ recipient: `user@${domain}`, siteName: site(domain), response, at: clock.now() }));
  const config = async (domain: string) =>
    (await rules.resolve(domain, 'ip-1', site(domain), automation.configOverrides(domain, 'ip-1', site(domain)))).config;
  return { clock, automation, feed, config };
}

const GMAIL_428 = '421 4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.';

describe.skipIf(!present)("KumoMTA's automation rules (compat)", () => {
  it("Gmail's 421 4.7.28 triggers the community rule (2/hr → max_message_rate 10/minute for 30m) once provider gmail has a match", async () => {
    const { clock, feed, config, automation } = await setup([GMAIL_OVERLAY]);
    expect(await feed('gmail.com', GMAIL_428)).toEqual([]);
    clock.advance(5 * MINUTE);
    const effects = await feed('gmail.com', GMAIL_428);
    expect(effects).toMatchObject([{ kind: 'config', name: 'max_message_rate', value: '10/minute', expires: clock.now() + 30 * MINUTE }]);
    expect(await config('gmail.com')).toMatchObject({ max_message_rate: '10/minute', enable_tls: 'Required' });
    clock.advance(30 * MINUTE);
    await automation.sync();
    expect(await config('gmail.com')).toMatchObject({ max_message_rate: '100/s' });
  });

  it('without the overlay the community Gmail rules never fire, as in KumoMTA', async () => {
    const { clock, feed } = await setup();
    await feed('gmail.com', GMAIL_428);
    clock.advance(MINUTE);
    expect(await feed('gmail.com', GMAIL_428)).toEqual([]);
  });

  it("Outlook's 4.7.650 rate limit hits the default block's rule at once (site-wide, 90m)", async () => {
    const { feed, config } = await setup();
    const effects = await feed('outlook.com', '451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.');
    expect(effects.map((e) => e.kind === 'config' && [e.scope, e.name, e.value])).toEqual([
      ['site', 'max_message_rate', '1/minute'],
      ['site', 'connection_limit', 1],
    ]);
    expect(await config('outlook.com')).toMatchObject({ max_message_rate: '1/minute', connection_limit: 1, provider_name: 'outlook' });
  });

  it("Yahoo's [TSS04] suspends the path at once (team rule) for 2 hours, and the default rule slows the site", async () => {
    const { clock, feed } = await setup();
    const effects = await feed('yahoo.com', '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints');
    expect(effects.map((e) => [e.kind, e.expires - clock.now()])).toEqual([
      ['config', 90 * MINUTE],
      ['config', 90 * MINUTE],
      ['suspend-ready-queue', 120 * MINUTE],
    ]);
    expect(effects[2]).toMatchObject({ name: `ip-1->${site('yahoo.com')}@smtp_client` });
  });

  it('comcast RL000010 suspends the tenant, but never on a response mtakit generated itself', async () => {
    const { automation, clock } = await setup();
    const record = (content: string) => deliveryRecord({
      recipient: 'user@comcast.net', queue: 'acme@comcast.net', siteName: site('comcast.net'), at: clock.now(),
      response: { code: 421, enhanced_code: null, content, command: null },
    });
    expect(await automation.consume(record('RL000010 domain throttled'))).toMatchObject([{ kind: 'suspend-scheduled', tenant: 'acme', domain: 'comcast.net' }]);
    expect(await automation.consume(record('KumoMTA internal: RL000010 replay'))).toEqual([]);
  });
});
