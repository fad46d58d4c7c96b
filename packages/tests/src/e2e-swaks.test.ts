import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMtaProcess, type MtaProcess } from './helpers/mta-process.js';
import { swaksSupport } from './helpers/swaks.js';

const support = swaksSupport();
const hasSwaks = support.installed;
if (!hasSwaks) console.warn('skipping the swaks end-to-end test: swaks is not on PATH (apt-get install swaks)');
else if (!support.tls) console.warn('skipping the swaks STARTTLS + AUTH test: this swaks has no TLS (apt-get install libnet-ssleay-perl)');

describe.skipIf(!hasSwaks)('swaks TLS detection', () => {
  it('reports a swaks without Net::SSLeay as TLS-less', () => {
    // A Net::SSLeay that fails to load stands in for the missing libnet-ssleay-perl.
    const lib = mkdtempSync(join(tmpdir(), 'mtakit-nossl-'));
    mkdirSync(join(lib, 'Net'));
    writeFileSync(join(lib, 'Net', 'SSLeay.pm'), 'die "Net::SSLeay hidden by the test\\n";\n');
    try {
      expect(swaksSupport({ ...process.env, PERL5LIB: lib })).toEqual({ installed: true, tls: false });
    } finally {
      rmSync(lib, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasSwaks)('npm start + swaks: STARTTLS, AUTH, delivery to the smart host', () => {
  const sink = new SmtpSink();
  const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-e2e-'));
  let mta: MtaProcess;

  beforeAll(async () => {
    await sink.start();
    mta = await startMtaProcess({
      MTAKIT_DATA_DIR: dataDir,
      MTAKIT_SMARTHOST: sink.address,
      MTAKIT_AUTH_USERS: 'alice:wonderland:acme',
      // Nobody may relay without AUTH: prove the credentials are what lets the message through.
      MTAKIT_RELAY_NETWORKS: '192.0.2.0/24',
    });
  });
  afterAll(async () => {
    await mta?.kill('SIGTERM');
    await sink.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function swaks(...args: string[]) {
    return spawnSync('swaks', ['--server', `127.0.0.1:${mta.smtpPort}`, '--from', 'alice@example.com', '--to', 'bob@example.net', ...args], { encoding: 'utf8', timeout: 20_000 });
  }

  it('refuses to relay without authentication', () => {
    const r = swaks();
    expect(r.stdout).toMatch(/<\*\* +550 5\.7\.1 Relaying denied/);
  });

  it.skipIf(!support.tls)('accepts with STARTTLS + AUTH PLAIN and delivers to MTAKIT_SMARTHOST', async () => {
    const r = swaks('-tls', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', 'wonderland', '--header', 'Subject: e2e');
    expect(r.stdout).toMatch(/<~ +250 2\.0\.0 OK queued as [0-9a-f]{32}/);
    await sink.waitFor(() => sink.for('bob@example.net').length === 1);
    const delivered = sink.for('bob@example.net')[0]!;
    expect(delivered.data.toString()).toMatch(/Subject: e2e/);
    expect(delivered.data.toString()).toMatch(/with ESMTPSA/);
    const logs = () => readdirSync(join(dataDir, 'logs')).map((f) => readFileSync(join(dataDir, 'logs', f), 'utf8')).join('');
    await expect.poll(logs).toMatch(/"type":"Delivery"/);
    expect(logs()).toMatch(/"type":"Reception".*"tenant":"acme"/);
  });

  it('shuts down gracefully on SIGTERM', async () => {
    expect(await mta.kill('SIGTERM')).toBe(0);
    expect(mta.output()).toMatch(/stopped/);
  });
});
