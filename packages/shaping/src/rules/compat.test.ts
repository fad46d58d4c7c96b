import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveEgressPathConfig } from '@mtakit/core';
import { siteNameFor } from '@mtakit/core/dns';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { SAMPLE_MX, tableMxResolver } from '../testing/mx-fixture.js';
import { loadShapingRules } from './loader.js';

/** KumoMTA's own data files, read in place from the shared folder next to the repository. */
const KUMO = join(import.meta.dirname, '../../../../../shared/data/kumomta');
const TEAM = join(KUMO, 'policy-extras/shaping.toml');
const COMMUNITY = join(KUMO, 'community/shaping.toml');
const present = existsSync(TEAM) && existsSync(COMMUNITY);
if (!present) console.warn(`KumoMTA compat suite skipped: ${KUMO} is absent (it holds KumoMTA's shaping.toml files)`);

const resolver = tableMxResolver();
const site = (domain: string) => siteNameFor(SAMPLE_MX[domain] as string[]);

describe.skipIf(!present)("KumoMTA's shaping.toml files (compat)", () => {
  it.each([[[TEAM]], [[COMMUNITY]], [[TEAM, COMMUNITY]]])('load without error: %j', async (files) => {
    const rules = await loadShapingRules(files, { resolver, noDefaultFiles: true });
    expect(rules.files).toEqual(files);
    for (const w of rules.warnings) expect(w).not.toMatch(/unknown key/);
  });

  it('give gmail.com the google provider values on top of the default block', async () => {
    const rules = await loadShapingRules([TEAM, COMMUNITY], { resolver, noDefaultFiles: true });
    const gmail = await rules.resolve('gmail.com', 'ip-1', site('gmail.com'));
    expect(gmail.providers).toEqual(['google']);
    expect(gmail.config).toMatchObject({
      enable_tls: 'Required',
      max_deliveries_per_connection: 50,
      consecutive_connection_failures_before_delay: 5,
      additional_connection_limits: { 'shaping-provider-google-ip-1-limit': 5 },
      provider_name: 'google',
      // From ["default"]:
      connection_limit: 10,
      max_message_rate: '100/s',
      max_connection_rate: '100/min',
    });
    expect(gmail.sources.enable_tls).toMatchObject({ file: TEAM, block: '[provider."google"]', step: 'provider' });
    expect(gmail.sources.connection_limit).toMatchObject({ file: TEAM, block: '["default"]', step: 'default' });
    expect(() => resolveEgressPathConfig(gmail.config)).not.toThrow();
  });

  it('give outlook.com, yahoo.com and comcast.net their blocks, and a domain without rules the default', async () => {
    const rules = await loadShapingRules([TEAM, COMMUNITY], { resolver, noDefaultFiles: true });
    expect(await rules.egressPathConfig('outlook.com', 'ip-1', site('outlook.com'))).toMatchObject({
      provider_name: 'outlook', max_deliveries_per_connection: 50, additional_connection_limits: { 'shaping-provider-outlook-ip-1-limit': 5 },
    });
    expect(await rules.egressPathConfig('yahoo.com', 'ip-1', site('yahoo.com'))).toMatchObject({
      provider_name: 'yahoo', max_deliveries_per_connection: 20, connection_limit: 10,
    });
    expect(await rules.egressPathConfig('comcast.net', 'ip-1', site('comcast.net'))).toMatchObject({
      connection_limit: 25, max_deliveries_per_connection: 1000, enable_tls: 'Required', idle_timeout: '30s',
    });
    expect(await rules.egressPathConfig('yahoo.co.jp', 'ip-1', site('yahoo.co.jp'))).toMatchObject({ connection_limit: 2, max_message_rate: '10/s' });
    const plain = await rules.egressPathConfig('no-rule.example', 'ip-1', site('no-rule.example'));
    const { automation: _rules, ...defaultParams } = parseToml(readFileSync(TEAM, 'utf8')).default as Record<string, unknown>;
    expect(plain).toEqual(defaultParams);
  });

  it('apply the example.com per-source block (mx_rollup = false) only to that source', async () => {
    const rules = await loadShapingRules([TEAM], { resolver, noDefaultFiles: true });
    expect(await rules.egressPathConfig('example.com', 'my source name', 'whatever')).toMatchObject({ connection_limit: 5, max_deliveries_per_connection: 100 });
    expect(await rules.egressPathConfig('example.com', 'other', 'whatever')).toMatchObject({ connection_limit: 3 });
  });

  it('merge the community yahoo rules into the team yahoo provider, and report the unmatched "gmail" provider', async () => {
    const rules = await loadShapingRules([TEAM, COMMUNITY], { resolver, noDefaultFiles: true });
    const yahooRules = (await rules.candidateRules('yahoo.com', site('yahoo.com'))).filter((c) => !c.rollup);
    expect(new Set(yahooRules.map((c) => c.rule.origin.file))).toEqual(new Set([TEAM, COMMUNITY]));
    expect(rules.warnings.join('\n')).toContain(`${COMMUNITY}: [provider."gmail"] has no match rules`);
  });

  it('load after our built-in rules too (KumoMTA files win where both speak)', async () => {
    const rules = await loadShapingRules([TEAM, COMMUNITY], { resolver });
    const gmail = await rules.resolve('gmail.com', 'ip-1', site('gmail.com'));
    expect(gmail.config).toMatchObject({ max_deliveries_per_connection: 50, connection_limit: 10 });
    expect(gmail.config?.additional_connection_limits).toEqual({ 'shaping-provider-google-ip-1-limit': 5 });
  });
});
