import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAll, usePolicyMta } from './helpers/policy-mta.js';

/**
 * KumoMTA's flagship policy (docs/userguide/configuration/example.md) and its helpers' data files
 * from the same docs (fixtures/kumomta, see SOURCES.md there), run unchanged by the example MTA:
 * `/opt/kumomta/etc/policy` and `/opt/kumomta/etc/dkim` are mapped by MTAKIT_POLICY_PATH_MAP.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kumomta');

function writeKey(dir: string, domain: string, selector: string, type: 'rsa' | 'ed25519'): string {
  const { privateKey, publicKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 1024 }) : generateKeyPairSync('ed25519');
  mkdirSync(join(dir, domain), { recursive: true });
  writeFileSync(join(dir, domain, `${selector}.key`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}


describe("KumoMTA's example.md policy in the example MTA", () => {
  const { start, sink } = usePolicyMta();
  let keys: string;
  beforeAll(() => {
    keys = mkdtempSync(join(tmpdir(), 'mtakit-kumo-dkim-'));
    writeKey(keys, 'example.com', 'dkim1024', 'rsa');
    writeKey(keys, 'ed.example.com', 'ed', 'ed25519');
    writeKey(keys, 'myesp.com', 'dkim1024', 'rsa');
  });
  afterAll(() => rmSync(keys, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({
    MTAKIT_POLICY: join(FIXTURES, 'init.lua'),
    MTAKIT_POLICY_PATH_MAP: `/opt/kumomta/etc/policy=${FIXTURES},/opt/kumomta/etc/dkim=${keys}`,
    ...extra,
  });

  it('loads, and says which of its declarations the MTA takes from its own config', async () => {
    const mta = await start(env());
    const logs = mta.logs.join('\n');
    expect(logs).toMatch(/policy: .*init\.lua handles .*get_listener_domain.*smtp_server_message_received.*http_message_generated/);
  });

  it('takes mail: tenant and campaign from the headers or the default tenant, unknown tenants refused, queues named by queues.toml', async () => {
    const out = await sink();
    const mta = await start(env({ MTAKIT_SMARTHOST: out.address }));
    const results = await sendAll(mta.mta.smtp.port, [
      { to: 'user@gmail.com', headers: { 'X-Tenant': 'mytenant', 'X-Campaign': 'welcome-campaign' } },
      { to: 'other@gmail.com' },
      { to: 'third@gmail.com', headers: { 'X-Tenant': 'nobody' } },
    ]);
    expect(results.map((r) => r.response)).toEqual([
      expect.stringMatching(/^250 /),
      expect.stringMatching(/^250 /),
      expect.stringMatching(/^550 5\.7\.1 tenant "nobody" \(from the X-Tenant header\) is not defined in the queue config/),
    ]);
    // The sources (10.0.0.x) are not this machine's: after a first attempt the messages wait in
    // their scheduled queues.
    const names = async () => (await mta.queueSummary()).scheduled.map((q) => q.name).sort();
    const deadline = Date.now() + 15_000;
    while ((await names()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await names(), mta.logs.filter((l) => !/^WARN (lua|policy):/.test(l)).join('\n')).toEqual(['default-tenant@gmail.com', 'welcome-campaign:mytenant@gmail.com']);
  });
});

describe('policy-extras.log_hooks:new_json posts log records to an HTTP sink', () => {
  const { start } = usePolicyMta();
  let server: Server;
  let port: number;
  const posted: Array<Record<string, unknown>> = [];
  let dir: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posted.push(JSON.parse(body) as Record<string, unknown>);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'mtakit-log-hook-'));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('records pass should_enqueue_log_record, meta cut to log_parameters.meta', async () => {
    writeFileSync(join(dir, 'init.lua'), `
local log_hooks = require 'policy-extras.log_hooks'
log_hooks:new_json {
  name = 'webhook',
  url = 'http://127.0.0.1:${port}/log',
  log_parameters = { meta = { 'tenant' } },
}
kumo.on('smtp_server_message_received', function(msg)
  msg:set_meta('tenant', 'acme')
  msg:set_meta('secret', 'not for the hook')
end)
kumo.on('should_enqueue_log_record', function(record, hook_name)
  return hook_name == 'webhook' and record.type == 'Reception'
end)
`);
    const mta = await start({ MTAKIT_POLICY: join(dir, 'init.lua') });
    expect((await sendAll(mta.mta.smtp.port, [{ to: 'someone@dest.test' }]))[0]?.code).toBe(250);
    const deadline = Date.now() + 10_000;
    while (posted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(posted.map((r) => [r['type'], r['recipient'], r['meta']]), mta.logs.join('\n')).toEqual([['Reception', 'someone@dest.test', { tenant: 'acme' }]]);
  });
});
