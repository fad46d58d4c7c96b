import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mtakit } from './helpers/cli.js';
import { repoRoot } from './helpers/mta-process.js';

/** `mtakit policy check FILE`: a dry run of what `mtakit start` would load, as a process. */
describe('mtakit policy check', () => {
  const policies = join(repoRoot, 'examples/mta/policies');
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-policy-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('prints the events of a Lua policy and its include, and that queue configs are per message', () => {
    const r = mtakit(['policy', 'check', join(policies, 'region-routing.lua'), '--include', join(policies, 'sources.lua')]);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      `${join(policies, 'region-routing.lua')}: ok`,
      '  events: get_queue_config, get_egress_pool, get_egress_source',
      `  includes: ${join(policies, 'sources.lua')}`,
      '  get_queue_config reads the message (kumo.get_msg_metadata): queue configs are computed per message',
      '',
    ]);
  });

  it('says which declarations the example MTA does not apply, and the setting to change', () => {
    const file = write('declares.lua', `kumo.on('init', function()
  kumo.start_esmtp_listener { listen = '0.0.0.0:25' }
  kumo.define_spool { name = 'data', path = '/var/spool/kumomta/data' }
end)`);
    const r = mtakit(['policy', 'check', file], { MTAKIT_SMTP_LISTEN: '127.0.0.1:2525', MTAKIT_DATA_DIR: join(dir, 'data') });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('  esmtp listener: 0.0.0.0:25\n');
    expect(r.stdout).toContain('  warning: ESMTP listener 0.0.0.0:25 is not applied: the example MTA uses 127.0.0.1:2525 (MTAKIT_SMTP_LISTEN=0.0.0.0:25 to match)');
    expect(r.stdout).toContain(`  warning: spool data at /var/spool/kumomta/data is not applied: the example MTA keeps every message in one spool, ${join(dir, 'data', 'spool')} (MTAKIT_DATA_DIR)`);
  });

  it('lists every problem of a broken Lua policy with file:line and exits 1', () => {
    const file = write('broken.lua', "kumo.on('smtp_server_rcpt', function() end)\nkumo.on('get_queue_config', function() end)\nkumo.on('smtp_delivery_result', function() end)\n");
    const r = mtakit(['policy', 'check', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/: does not load\n {2}broken\.lua:1: event 'smtp_server_rcpt' is not supported \(did you mean 'smtp_server_rcpt_to'\?\).*\n {2}broken\.lua:3: event 'smtp_delivery_result' is not supported/);
  });

  it('checks a TypeScript policy module: its events, or what is wrong with its export', () => {
    const ok = mtakit(['policy', 'check', join(policies, 'tenant-routing.ts')]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(`${join(policies, 'tenant-routing.ts')}: ok (module)\n  events: smtp_server_message_received, get_queue_config, get_egress_pool, get_egress_source\n`);

    const bad = write('bad.ts', 'export default { smtp_server_greeting() {}, get_queue_config: 5 };\n');
    const r = mtakit(['policy', 'check', bad]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${bad}: does not load\n  invalid config policy="${bad}": "smtp_server_greeting" is not a policy event`);
  });
});
