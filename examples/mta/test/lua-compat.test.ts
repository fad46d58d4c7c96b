import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mtakit } from '../../../packages/tests/src/helpers/cli.js';
import { repoRoot } from '../../../packages/tests/src/helpers/mta-process.js';
import { usePolicyMta } from './helpers/policy-mta.js';
import { connectionPeaks, deliverAll, regionMessages, regionRetries, sourcesOf } from './helpers/routes.js';

/**
 * Compat suite: the Lua policies kept in ../shared/fixtures/lua (quoted by the documents this
 * project started from) run unchanged in the example MTA, with the sources and pools they name
 * defined in a small extra file of ours (fixtures/lua/compat-sources.lua, via
 * MTAKIT_POLICY_INCLUDE), and route mail exactly as their code says. Skipped when ../shared is absent.
 */
const fixtures = resolve(repoRoot, '../shared/fixtures/lua');
const present = existsSync(fixtures);
if (!present) console.warn(`Lua compat suite skipped: ${fixtures} not found (the shared fixtures live outside the repo)`);

const fixture = (name: string) => join(fixtures, name);
const sources = join(import.meta.dirname, 'fixtures/lua/compat-sources.lua');
const lineOf = (name: string, text: string) => readFileSync(fixture(name), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;

describe.skipIf(!present)('compat: the shared Lua fixtures in the example MTA', () => {
  const { start, sink } = usePolicyMta();

  it('tenant-routing.lua: the tenant (from SMTP AUTH or X-Tenant) picks the egress source', async () => {
    const out = await sink();
    const mta = await start({
      MTAKIT_POLICY: fixture('tenant-routing.lua'), MTAKIT_POLICY_INCLUDE: sources, MTAKIT_SMARTHOST: out.address,
      MTAKIT_AUTH_USERS: 'a:secret-a:enterprise_a,b:secret-b:enterprise_b,c:secret-c',
    });
    const delivered = await deliverAll(mta.mta.smtp.port, out, [
      { to: 'a@dest.test', auth: { user: 'a', pass: 'secret-a' } },
      { to: 'b@dest.test', auth: { user: 'b', pass: 'secret-b' } },
      { to: 'c@dest.test', auth: { user: 'c', pass: 'secret-c' } },
      // The policy reads X-Tenant in http_message_generated; over SMTP the example's own default
      // does the same (tenant meta from the header, header removed).
      { to: 'header@dest.test', headers: { 'X-Tenant': 'enterprise_b' } },
    ]);
    expect(sourcesOf(delivered)).toEqual({ 'a@dest.test': '127.0.0.2', 'b@dest.test': '127.0.0.3', 'c@dest.test': '127.0.0.4', 'header@dest.test': '127.0.0.3' });
    expect(delivered.get('header@dest.test')?.data.toString()).not.toMatch(/^X-Tenant:/im);
  });

  it('region-routing.lua: X-Region picks the pool and the retries of each message, the tenant the rest', async () => {
    const out = await sink();
    const mta = await start({
      MTAKIT_POLICY: fixture('region-routing.lua'), MTAKIT_POLICY_INCLUDE: sources, MTAKIT_SMARTHOST: out.address, MTAKIT_AUTH_USERS: 'ann:secret-a:acme',
    });
    const delivered = await deliverAll(mta.mta.smtp.port, out, regionMessages({ user: 'ann', pass: 'secret-a' }));
    // Without a tenant, `egress_pool = tenant` is nil: the default pool, whose source binds no address.
    expect(sourcesOf(delivered)).toEqual({
      'mx@dest.test': '127.0.0.2', 'pe@dest.test': '127.0.0.3', 'co@dest.test': '127.0.0.3',
      'jp@dest.test': '127.0.0.1', 'none@dest.test': '127.0.0.1', 'tenant@dest.test': '127.0.0.4',
    });
    await regionRetries(mta, { mexico: 8, peru: 12, untagged: 20 });
  });

  it('domain-throttles.lua: the connection limit of each receiving domain, TLS without certificate checks', async () => {
    const limits = { 'proton.me': 5, 'yahoo.com': 10, 'example.org': 15 };
    expect(await connectionPeaks({ MTAKIT_POLICY: fixture('domain-throttles.lua') }, limits)).toEqual({
      'proton.me': { peak: 5, allTls: true }, 'yahoo.com': { peak: 10, allTls: true }, 'example.org': { peak: 15, allTls: true },
    });
  });

  it('unsupported-adaptive.lua: mtakit start and mtakit policy check refuse it, naming each line and the equivalent', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-compat-'));
    try {
      const env = { MTAKIT_DATA_DIR: dataDir, MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0', MTAKIT_POLICY: fixture('unsupported-adaptive.lua') };
      const started = mtakit(['start'], env);
      const checked = mtakit(['policy', 'check', fixture('unsupported-adaptive.lua')], env);
      const greeting = `unsupported-adaptive.lua:${lineOf('unsupported-adaptive.lua', "kumo.on('smtp_server_greeting'")}: event 'smtp_server_greeting' is not supported`;
      const result = `unsupported-adaptive.lua:${lineOf('unsupported-adaptive.lua', "kumo.on('smtp_delivery_result'")}: event 'smtp_delivery_result' is not supported`;
      expect(started.status).toBe(1);
      expect(started.stderr).toContain(`invalid config policy="${fixture('unsupported-adaptive.lua')}": does not load`);
      expect(checked.status).toBe(1);
      for (const output of [started.stderr, checked.stdout]) {
        expect(output).toContain(greeting);
        expect(output).toMatch(/smtp_server_greeting.*egress sources .*egress_pool/);
        expect(output).toContain(result);
        expect(output).toMatch(/smtp_delivery_result.*traffic shaping automation rules/);
      }
      expect(started.stderr).not.toMatch(/listening/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
