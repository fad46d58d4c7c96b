import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAll, usePolicyMta } from './helpers/policy-mta.js';

/**
 * Issue 15 item 3: the usual get_egress_pool handler raises for names it does not know. KumoMTA
 * never asks it for the built-in 'unspecified' pool, so neither does mtakit; when it raises for a
 * pool a queue names, the message waits and a TransientFailure record says why (it used to stop
 * delivery without a word). The records are collected through policy-extras.log_hooks.
 */
describe('a get_egress_pool handler that raises for unknown names', () => {
  const { start, sink } = usePolicyMta();
  let server: Server;
  let dir: string;
  const records: Array<{ type: string; recipient: string; response: { code: number; enhanced_code?: { class: number; subject: number; detail: number }; content: string } }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        records.push(JSON.parse(body) as (typeof records)[number]);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    dir = mkdtempSync(join(tmpdir(), 'mtakit-egress-pool-'));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers mail of the built-in pool without asking it, and logs a TransientFailure for a pool it refuses", async () => {
    const port = (server.address() as { port: number }).port;
    writeFileSync(join(dir, 'init.lua'), `
require('policy-extras.log_hooks'):new_json { name = 'records', url = 'http://127.0.0.1:${port}/' }
local POOLS = { known = true }
kumo.on('get_queue_config', function(domain)
  if domain == 'elsewhere.test' then return kumo.make_queue_config { egress_pool = 'nope' } end
end)
kumo.on('get_egress_pool', function(name)
  if not POOLS[name] then error('unknown pool ' .. name) end
  return kumo.make_egress_pool { name = name, entries = { { name = 'unspecified' } } }
end)
`);
    const out = await sink();
    const mta = await start({ MTAKIT_POLICY: join(dir, 'init.lua'), MTAKIT_SMARTHOST: out.address });
    expect((await sendAll(mta.mta.smtp.port, [{ to: 'a@dest.test' }, { to: 'b@elsewhere.test' }])).map((r) => r.code)).toEqual([250, 250]);
    await out.waitFor(() => out.for('a@dest.test').length === 1);
    await expect.poll(() => records.filter((r) => r.type === 'TransientFailure' && r.recipient === 'b@elsewhere.test').length, { timeout: 10_000 }).toBe(1);
    const failure = records.find((r) => r.type === 'TransientFailure' && r.recipient === 'b@elsewhere.test');
    expect(failure?.response.code).toBe(451);
    expect(failure?.response.content).toMatch(/egress pool nope: .*unknown pool nope/);
    expect(out.for('b@elsewhere.test')).toHaveLength(0);
  });
});
