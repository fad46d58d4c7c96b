import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, resolveEgressPathConfig } from '@mtakit/core';
import { siteNameFor } from '@mtakit/core/dns';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE_MX, tableMxResolver } from '../testing/mx-fixture.js';
import { loadShapingRules, ShapingRulesFileLoader, type ShapingSource } from './loader.js';

const resolver = tableMxResolver();
const GMAIL_SITE = siteNameFor(SAMPLE_MX['gmail.com'] as string[]);
const YAHOO_SITE = siteNameFor(SAMPLE_MX['yahoo.com'] as string[]);
const NO_RULE_SITE = siteNameFor(SAMPLE_MX['no-rule.example'] as string[]);

function toml(name: string, text: string): ShapingSource {
  return { name, document: parseToml(text) };
}

function load(...sources: ShapingSource[]) {
  return loadShapingRules(sources, { resolver, noDefaultFiles: true });
}

const tmp = mkdtempSync(join(tmpdir(), 'mtakit-rules-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** One layer per merge step, each setting max_message_rate, so the winner names the step. */
const LAYERED = `
["default"]
max_message_rate = "1/s"
connection_limit = 3

[provider."google"]
match = [{MXSuffix = ".google.com"}]
max_message_rate = "2/s"
[provider."google".sources."ip-1"]
max_message_rate = "3/s"

["gmail.com"]
max_message_rate = "4/s"

["googlemail.com"]
mx_rollup = false
max_message_rate = "5/s"

["gmail.com".sources."ip-1"]
max_message_rate = "6/s"

["googlemail.com".sources."ip-1"]
max_message_rate = "7/s"
`;

describe('merge order (default → provider → provider+source → site → domain → site+source → domain+source)', () => {
  it.each([
    ['googlemail.com', 'ip-1', '7/s', 'domain+source'],
    ['gmail.com', 'ip-1', '6/s', 'site+source'],
    ['googlemail.com', 'ip-2', '5/s', 'domain'],
    ['gmail.com', 'ip-2', '4/s', 'site'],
    ['workspace-customer.example', 'ip-1', '3/s', 'provider+source'],
    ['workspace-customer.example', 'ip-2', '2/s', 'provider'],
    ['no-rule.example', 'ip-1', '1/s', 'default'],
  ])('%s via %s gets max_message_rate %s from the %s step', async (domain, source, rate, step) => {
    const rules = await load(toml('layers.toml', LAYERED));
    const site = (await resolver.route(domain)).siteName;
    const resolved = await rules.resolve(domain, source, site);
    expect(resolved.config?.max_message_rate).toBe(rate);
    expect(resolved.sources.max_message_rate).toMatchObject({ file: 'layers.toml', step });
    // Keys set only by the default block are still there.
    expect(resolved.config?.connection_limit).toBe(3);
  });

  it('applies a rollup block to every domain sharing the MX hosts, and names the block', async () => {
    const rules = await load(toml('a.toml', '["gmail.com"]\nconnection_limit = 4\n'));
    const viaAlias = await rules.resolve('googlemail.com', 'ip-1', GMAIL_SITE);
    expect(viaAlias.config).toEqual({ connection_limit: 4 });
    expect(viaAlias.sources.connection_limit).toEqual({ file: 'a.toml', block: '["gmail.com"]', step: 'site' });
  });

  it('within a step later files win, and replace_base discards what earlier files said', async () => {
    const base = toml('base.toml', '["yahoo.com"]\nconnection_limit = 4\nmax_message_rate = "9/s"\n');
    const later = toml('later.toml', '["yahoo.com"]\nconnection_limit = 6\n');
    const replacing = toml('replace.toml', '["yahoo.com"]\nreplace_base = true\nmax_deliveries_per_connection = 7\n');
    expect((await (await load(base, later)).resolve('yahoo.com', 's', YAHOO_SITE)).config).toEqual({ connection_limit: 6, max_message_rate: '9/s' });
    expect((await (await load(base, later, replacing)).resolve('yahoo.com', 's', YAHOO_SITE)).config).toEqual({ max_deliveries_per_connection: 7 });
  });

  it('merges additional_* maps entry by entry instead of replacing them', async () => {
    const rules = await load(
      toml('one.toml', '["default"]\nadditional_connection_limits = { global = 100 }\n["gmail.com"]\nadditional_connection_limits = { gsuite = 10 }\nconnection_limit = 5\n'),
      toml('two.toml', '["gmail.com"]\nadditional_connection_limits = { gsuite = 12 }\n'),
    );
    const r = await rules.resolve('gmail.com', 's', GMAIL_SITE);
    expect(r.config?.additional_connection_limits).toEqual({ global: 100, gsuite: 12 });
    expect(r.sources['additional_connection_limits.global']).toMatchObject({ file: 'one.toml', step: 'default' });
    expect(r.sources['additional_connection_limits.gsuite']).toMatchObject({ file: 'two.toml', step: 'site' });
  });

  it('returns undefined when no block applies at all', async () => {
    const rules = await load(toml('a.toml', '["gmail.com"]\nconnection_limit = 4\n'));
    expect(await rules.egressPathConfig('no-rule.example', 's', NO_RULE_SITE)).toBeUndefined();
  });
});

describe('providers', () => {
  const PROVIDERS = `
[provider."google"]
match = [{MXSuffix = ".google.com"}]
enable_tls = "Required"
provider_connection_limit = 5
provider_max_message_rate = "500/s"
provider_source_selection_rate = "1000/h"
[provider."google".sources."warming"]
provider_source_selection_rate = "50/h"

[provider."corp"]
match = [{DomainSuffix = ".example"}]
max_deliveries_per_connection = 9

[provider."pinned"]
match = [{HostName = "mx01.mail.icloud.com"}, {HostName = "mx02.mail.icloud.com"}]
connection_limit = 2
`;

  it('turn provider_* limits into named additional limits shared by the provider, per source', async () => {
    const rules = await load(toml('p.toml', PROVIDERS));
    const gmail = await rules.resolve('gmail.com', 'ip-1', GMAIL_SITE);
    expect(gmail.providers).toEqual(['google']);
    expect(gmail.config).toEqual({
      enable_tls: 'Required',
      provider_name: 'google',
      additional_connection_limits: { 'shaping-provider-google-ip-1-limit': 5 },
      additional_message_rate_throttles: { 'shaping-provider-google-ip-1-rate': '500/s' },
      additional_source_selection_rates: { 'shaping-provider-google-ip-1-selection-rate': '1000/h' },
    });
    // Another Google-hosted site with the same source names the same limits: they are shared.
    const workspace = await rules.resolve('workspace-customer.example', 'ip-1', 'other-site');
    expect(workspace.config?.additional_connection_limits).toEqual(gmail.config?.additional_connection_limits);
    // A provider+source block overrides the selection rate for that source.
    const warming = await rules.resolve('gmail.com', 'warming', GMAIL_SITE);
    expect(warming.config?.additional_source_selection_rates).toEqual({ 'shaping-provider-google-warming-selection-rate': '50/h' });
    expect(warming.sources['additional_source_selection_rates.shaping-provider-google-warming-selection-rate']).toMatchObject({
      block: '[provider."google".sources."warming"]', step: 'provider+source',
    });
    expect(() => resolveEgressPathConfig(gmail.config)).not.toThrow();
  });

  it('match MX suffixes only when every MX host matches, domain suffixes without DNS, host names exactly', async () => {
    const rules = await load(toml('p.toml', PROVIDERS));
    expect((await rules.resolve('mixed-vanity.example', 's', 'x')).providers).toEqual(['corp']);
    expect((await rules.resolve('workspace-customer.example', 's', 'x')).providers).toEqual(['google', 'corp']);
    expect((await rules.resolve('icloud.com', 's', 'x')).providers).toEqual(['pinned']);
    expect((await rules.resolve('gone.example', 's', 'x')).providers).toEqual(['corp']);
    expect((await rules.resolve('http://127.0.0.1:8008.tsa.kumomta', 's', 'x')).providers).toEqual([]);
  });

  it('merge a provider across files: later settings win, match and automation append', async () => {
    const rules = await load(
      toml('one.toml', '[provider."y"]\nmatch = [{MXSuffix = ".example.invalid"}]\nmax_deliveries_per_connection = 20\n'),
      toml('two.toml', '[provider."y"]\nmatch = [{MXSuffix = ".yahoodns.net"}]\nmax_deliveries_per_connection = 30\n[[provider."y".automation]]\nregex = "TSS04"\naction = "Suspend"\nduration = "1h"\n'),
    );
    const r = await rules.resolve('yahoo.com', 's', YAHOO_SITE);
    expect(r.config).toMatchObject({ max_deliveries_per_connection: 30, provider_name: 'y' });
    expect((await rules.candidateRules('yahoo.com', YAHOO_SITE)).map((c) => c.rule.origin.file)).toEqual(['two.toml']);
  });

  it('warn about a provider without match rules (it can never apply)', async () => {
    const rules = await load(toml('p.toml', '[[provider."lonely".automation]]\nregex = "x"\naction = "Suspend"\nduration = "1h"\n'));
    expect(rules.warnings.join('\n')).toMatch(/p\.toml: \[provider\."lonely"\] has no match rules/);
  });
});

describe('reporting problems', () => {
  it('reports unknown keys with file and block, and leaves them out', async () => {
    const rules = await load(toml('odd.toml', `
["gmail.com"]
connection_limit = 4
conection_limit = 5
["gmail.com".sources."ip-1"]
max_mesage_rate = "1/s"
[provider."x"]
match = [{DomainSuffix = ".x"}]
provider_conection_limit = 3
[[provider."x".automation]]
regex = "y"
action = "Suspend"
duration = "1h"
treshold = 3
`));
    expect(rules.warnings).toEqual(expect.arrayContaining([
      'odd.toml: ["gmail.com"]: unknown key "conection_limit" ignored',
      'odd.toml: ["gmail.com".sources."ip-1"]: unknown key "max_mesage_rate" ignored',
      'odd.toml: [provider."x"]: unknown key "provider_conection_limit" ignored',
      'odd.toml: [provider."x"] automation[0]: unknown key "treshold" ignored',
    ]));
    expect(await rules.egressPathConfig('gmail.com', 'ip-1', GMAIL_SITE)).toEqual({ connection_limit: 4 });
  });

  it('warns about an unquoted dotted domain (TOML turns it into nested tables)', async () => {
    const rules = await load(toml('bare.toml', '[gmail.com]\nconnection_limit = 4\n'));
    expect(rules.warnings.join('\n')).toMatch(/bare\.toml: block \["gmail"\] is a single DNS label/);
  });

  it.each([
    ['["gmail.com"]\nenable_tls = "Requird"\n', 'bad.toml:["gmail.com"].enable_tls'],
    ['["gmail.com".sources."ip 1"]\nmax_message_rate = "fast"\n', 'bad.toml:["gmail.com".sources."ip 1"].max_message_rate'],
    ['[provider."g"]\nprovider_connection_limit = "lots"\n', 'bad.toml:[provider."g"].provider_connection_limit'],
    ['[provider."g"]\nmatch = [{MxSuffix = ".x"}]\n', 'bad.toml:[provider."g"].match[0]'],
    ['["a.com"]\nmx_rollup = "no"\n', 'bad.toml:["a.com"].mx_rollup'],
    ['[["default".automation]]\nregex = "(unclosed"\naction = "Suspend"\nduration = "1h"\n', 'bad.toml:["default"].automation[0].regex'],
    ['[["default".automation]]\nregex = "x"\naction = "Pause"\nduration = "1h"\n', 'bad.toml:["default"].automation[0].action'],
    ['[["default".automation]]\nregex = "x"\naction = {SetConfig={name="connection_limit", value="many"}}\nduration = "1h"\n', 'bad.toml:["default"].automation[0].action.SetConfig.connection_limit'],
    ['[["default".automation]]\nregex = "x"\naction = "Suspend"\ntrigger = {Threshold="often"}\nduration = "1h"\n', 'bad.toml:["default"].automation[0].trigger.Threshold'],
    ['[["default".automation]]\nregex = "x"\naction = "Suspend"\n', 'bad.toml:["default"].automation[0].duration'],
  ])('rejects %j with a ConfigError naming %s', async (text, key) => {
    const error = await load(toml('bad.toml', text)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
  });

  it('ignores rollup blocks whose domain has a null MX or does not resolve, with a warning', async () => {
    const rules = await load(toml('dns.toml', '["example.com"]\nconnection_limit = 1\n["gone.example"]\nconnection_limit = 2\n["example.com".sources."s"]\nconnection_limit = 3\n'));
    expect(rules.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/dns\.toml: \["example\.com"\] publishes a null MX; its block is ignored/),
      expect.stringMatching(/dns\.toml: \["gone\.example"\] could not be resolved/),
    ]));
  });
});

describe('files', () => {
  it('reads TOML and JSON files (by extension, or by trying both) to the same rules', async () => {
    const text = '["gmail.com"]\nconnection_limit = 4\n[provider."y"]\nmatch = [{MXSuffix = ".yahoodns.net"}]\nmax_deliveries_per_connection = 20\n';
    const tomlFile = join(tmp, 'r.toml');
    const jsonFile = join(tmp, 'r.json');
    const bareFile = join(tmp, 'r-overlay');
    writeFileSync(tomlFile, text);
    writeFileSync(jsonFile, JSON.stringify(parseToml(text)));
    writeFileSync(bareFile, JSON.stringify(parseToml(text)));
    const loader = new ShapingRulesFileLoader({ resolver });
    for (const file of [tomlFile, jsonFile, bareFile]) {
      const rules = await loader.load([file], { noDefaultFiles: true });
      expect(await rules.egressPathConfig('gmail.com', 's', GMAIL_SITE)).toEqual({ connection_limit: 4 });
      expect(await rules.egressPathConfig('yahoo.com', 's', YAHOO_SITE)).toEqual({ max_deliveries_per_connection: 20, provider_name: 'y' });
    }
  });

  it('fails on a missing file or unparsable text, naming the file', async () => {
    const loader = new ShapingRulesFileLoader({ resolver });
    await expect(loader.load([join(tmp, 'missing.toml')])).rejects.toThrow(/missing\.toml.*cannot read shaping file/);
    writeFileSync(join(tmp, 'broken.toml'), '["gmail.com"\nconnection_limit = 4\n');
    await expect(loader.load([join(tmp, 'broken.toml')])).rejects.toThrow(/broken\.toml.*not a valid shaping file/);
  });
});

describe('built-in rules', () => {
  it('load first unless noDefaultFiles, and every effective config they produce is valid', async () => {
    const rules = await new ShapingRulesFileLoader({ resolver }).load([]);
    expect(rules.warnings).toEqual([]);
    for (const domain of Object.keys(SAMPLE_MX)) {
      const route = await resolver.route(domain).catch(() => undefined);
      const config = await rules.egressPathConfig(domain, 'ip-1', route?.siteName ?? domain);
      expect(config, domain).toBeDefined();
      expect(() => resolveEgressPathConfig(config), domain).not.toThrow();
    }
    expect(await rules.egressPathConfig('gmail.com', 'ip-1', GMAIL_SITE)).toMatchObject({ enable_tls: 'Required', provider_name: 'google' });
    expect(await rules.egressPathConfig('no-rule.example', 'ip-1', NO_RULE_SITE)).toMatchObject({ connection_limit: 8, max_message_rate: '50/s' });
  });
});
