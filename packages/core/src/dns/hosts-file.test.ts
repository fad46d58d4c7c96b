import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostsFile } from './hosts-file.js';
import { MxResolver } from './mx-resolver.js';
import type { Resolver } from './resolver.js';

describe('the hosts file comes before DNS for host addresses (issue 15: localhost in an mx_list)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-hosts-'));
  const path = join(dir, 'hosts');
  writeFileSync(path, '# comment\n127.0.0.1 localhost relay.internal # trailing\n::1 localhost ip6-localhost\n10.1.2.3 Relay2.Internal\n');
  const noDns: Resolver = {
    resolveMx: async () => { throw Object.assign(new Error('no DNS here'), { code: 'ENOTFOUND' }); },
    resolveIp: async () => { throw Object.assign(new Error('no DNS here'), { code: 'ENOTFOUND' }); },
  } as unknown as Resolver;

  it('answers names the file lists, by family and in order, case-insensitively', () => {
    const hosts = new HostsFile(path);
    expect(hosts.lookup('localhost', [4, 6])).toEqual(['127.0.0.1', '::1']);
    expect(hosts.lookup('localhost', [6])).toEqual(['::1']);
    expect(hosts.lookup('relay2.internal.', [4])).toEqual(['10.1.2.3']);
    expect(hosts.lookup('elsewhere.test', [4, 6])).toEqual([]);
    expect(new HostsFile(join(dir, 'missing')).lookup('localhost', [4])).toEqual([]);
  });

  it('MxResolver resolves localhost without DNS', async () => {
    const resolver = new MxResolver({ resolver: noDns, hostsFile: new HostsFile(path) });
    expect(await resolver.addresses('localhost', 'Ipv4Only')).toEqual(['127.0.0.1']);
  });
});
