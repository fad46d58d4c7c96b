import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ShapingRulesLoader } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { asPolicy, luaLoadOptions, policyEvents, policyKind, readsMessageMetadata } from './policy-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mtakit-policy-file-'));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('policyKind', () => {
  it('tells an init.lua from a policy module by its extension', () => {
    expect(['init.lua', 'p.ts', 'p.mts', 'p.js', 'p.mjs', 'p.cjs'].map(policyKind)).toEqual(['lua', 'module', 'module', 'module', 'module', 'module']);
  });
  it('refuses anything else, naming the file', () => {
    expect(() => policyKind('/etc/mtakit/policy.toml')).toThrow(/invalid config policy="\/etc\/mtakit\/policy\.toml": must be an init\.lua/);
  });
});

describe('luaLoadOptions', () => {
  const loader: ShapingRulesLoader = { load: async () => ({ warnings: [], egressPathConfig: async () => undefined }) };
  it("lets the policy read its own directory, its includes' and the extra ones; passes budget and breaker quiet period", () => {
    const options = luaLoadOptions('/etc/mtakit/init.lua', {
      policyDirs: ['/srv/data', '/etc/mtakit'], policyInclude: ['/srv/routing/sources.lua'], policyBudgetMs: 20, policyBreakerQuietMs: 5_000,
      policyPathMap: { '/opt/kumomta/etc/policy': '/etc/mtakit' }, policyEnv: ['DKIM_VAULT_TOKEN'],
    }, loader);
    expect(options).toEqual({
      include: ['/srv/routing/sources.lua'], allowedDirs: ['/etc/mtakit', '/srv/routing', '/srv/data'],
      providers: { shapingRules: loader }, budgetMs: 20, breaker: { quietMs: 5_000 },
      pathMap: { '/opt/kumomta/etc/policy': '/etc/mtakit' }, allowedEnv: ['DKIM_VAULT_TOKEN'],
    });
  });
});

describe('readsMessageMetadata', () => {
  it('is true when a Lua file the policy read mentions kumo.get_msg_metadata', () => {
    const plain = write('plain.lua', "kumo.on('get_queue_config', function() end)");
    const reads = write('reads.lua', "local region = kumo.get_msg_metadata('X-Region')");
    const data = write('data.toml', 'get_msg_metadata = 1');
    expect(readsMessageMetadata([plain, data])).toBe(false);
    expect(readsMessageMetadata([plain, reads])).toBe(true);
  });
});

describe('asPolicy', () => {
  it('accepts an object of policy event handlers and lists its events in core order', () => {
    const policy = asPolicy({ get_queue_config: () => undefined, smtp_server_message_received: () => undefined }, 'p.ts');
    expect(policyEvents(policy)).toEqual(['smtp_server_message_received', 'get_queue_config']);
  });
  it.each([
    [undefined, /must export a Policy object as its default export or as `policy`/],
    [{ smtp_server_greeting: () => undefined, on_delivery: () => undefined }, /"smtp_server_greeting", "on_delivery" are not policy events \(events: smtp_server_connection_accepted, /],
    [{ get_queue_config: { egress_pool: 'a' } }, /get_queue_config must be a function/],
  ])('refuses %j with a ConfigError naming the file and the problem', (value, message) => {
    const refuse = () => asPolicy(value, '/etc/mtakit/policy.ts');
    expect(refuse).toThrow(ConfigError);
    expect(refuse).toThrow(/^invalid config policy="\/etc\/mtakit\/policy\.ts": /);
    expect(refuse).toThrow(message);
  });
});

describe('loadConfig: policy settings', () => {
  it('resolves the policy, its directories and includes against the working directory; parses the budget and quiet period', () => {
    const config = loadConfig({
      MTAKIT_POLICY: 'policies/init.lua', MTAKIT_POLICY_DIRS: 'data, /srv/keys', MTAKIT_POLICY_INCLUDE: 'policies/sources.lua',
      MTAKIT_POLICY_BUDGET: '20ms', MTAKIT_POLICY_BREAKER_QUIET: '2 mins',
    }, dir);
    expect(config).toMatchObject({
      policy: join(dir, 'policies/init.lua'), policyDirs: [join(dir, 'data'), '/srv/keys'], policyInclude: [join(dir, 'policies/sources.lua')],
      policyBudgetMs: 20, policyBreakerQuietMs: 120_000,
    });
  });
  it('defaults to no policy, a 50 ms budget and a 30 s quiet period', () => {
    expect(loadConfig({}, dir)).toMatchObject({ policy: undefined, policyDirs: [], policyInclude: [], policyBudgetMs: 50, policyBreakerQuietMs: 30_000 });
  });
  it('names the variable and value of a bad budget', () => {
    expect(() => loadConfig({ MTAKIT_POLICY_BUDGET: 'fast' }, dir)).toThrow(/policy_budget.*fast/);
  });
});
