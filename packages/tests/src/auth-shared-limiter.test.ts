import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthFailureLimiter, silentLogger } from '@mtakit/core';
import { createMta, type Mta } from '@mtakit/core/mta';
import { FakeClock, RawSmtpClient, SmtpSink } from '@mtakit/core/testing';
import { queuePlugin } from '@mtakit/queue';
import { afterAll, describe, expect, it } from 'vitest';

/** Issue 11: password guesses over HTTP Basic and SMTP AUTH count together in an assembled MTA. */
describe('createMta: one password-guessing limiter for SMTP AUTH and HTTP Basic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-auth-'));
  const sink = new SmtpSink();
  let mta: Mta | undefined;
  afterAll(async () => {
    await mta?.stop();
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('locks SMTP AUTH for an address that guessed HTTP passwords, counts it, and frees it when the lockout ends', async () => {
    await sink.start();
    const clock = new FakeClock();
    mta = await createMta({
      hostname: 'mta.test', dataDir: dir, logger: silentLogger,
      smtp: { port: 0, relayNetworks: [], credentials: new Map([['acme', { password: 's3cret' }]]) },
      http: { port: 0, trustedHosts: [], validateBasic: (u, p) => u === 'ops' && p === 'pw', authLimiter: new AuthFailureLimiter({ clock, lockAfter: 2, lockoutMs: 60_000 }) },
      plugins: [queuePlugin({ fsync: false, smarthost: sink.address })],
    });
    const url = `http://127.0.0.1:${mta.http?.port}/api/admin/bump-config-epoch`;
    const guess = (pw: string) => fetch(url, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`ops:${pw}`).toString('base64')}` } });
    expect((await guess('a')).status).toBe(401);
    expect((await guess('b')).status).toBe(401);
    expect((await guess('pw')).status).toBe(429);

    const auth = async () => {
      const c = await RawSmtpClient.connect(mta?.smtp?.port as number);
      await c.read();
      await c.command('EHLO client.test');
      await c.startTls();
      await c.command('EHLO client.test');
      const r = await c.command(`AUTH PLAIN ${Buffer.from('\0acme\0s3cret').toString('base64')}`);
      c.close();
      return r;
    };
    const locked = await auth();
    expect([locked.code, locked.text]).toEqual([454, '4.7.0 Too many failed authentication attempts, try again later']);
    const metrics = await mta.metrics.registry.metrics();
    expect(metrics).toMatch(/auth_lockouts_total\{service="http_listener",scope="ip"\} 1/);
    expect(metrics).toMatch(/auth_failures_total\{service="http_listener",outcome="wrong"\} 2/);
    clock.advance(60_000);
    expect((await auth()).code).toBe(235);
  });
});
