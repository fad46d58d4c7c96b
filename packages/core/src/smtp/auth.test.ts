import { afterAll, describe, expect, it } from 'vitest';
import { AuthFailureLimiter } from '../auth/failure-limiter.js';
import { parseCidr } from '../dns/cidr.js';
import { LogBus } from '../log/bus.js';
import type { LogRecord } from '../log/records.js';
import { MtaMetrics } from '../metrics/index.js';
import { FakeClock } from '../testing/fake-clock.js';
import { IngressFixture } from '../testing/ingress-fixture.js';
import { RawSmtpClient } from '../testing/smtp-client.js';

const fixture = new IngressFixture();
afterAll(() => fixture.closeAll());

const plain = (user: string, pw: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${pw}`).toString('base64')}`;

async function secureSession(port: number, localAddress = '127.0.0.1'): Promise<RawSmtpClient> {
  const c = await RawSmtpClient.connect(port, '127.0.0.1', { localAddress });
  expect((await c.read()).code).toBe(220);
  await c.command('EHLO client.test');
  await c.startTls();
  await c.command('EHLO client.test');
  return c;
}

describe('SMTP AUTH against password guessing across connections (issue 11)', () => {
  it('slows wrong passwords, then locks the address and the user name until the lockout expires', async () => {
    const clock = new FakeClock();
    const metrics = new MtaMetrics({ defaultMetrics: false });
    const records: LogRecord[] = [];
    const log = new LogBus();
    log.subscribe((r) => void records.push(r));
    const { port } = await fixture.start({
      relayNetworks: [parseCidr('10.0.0.0/8')], metrics, log,
      credentials: new Map([['acme', { password: 's3cret', tenant: 'acme' }], ['other', { password: 'pw2' }], ['ops', { password: 'pw3' }]]),
      authLimiter: new AuthFailureLimiter({ clock, freeFailures: 1, delayMs: 120, maxDelayMs: 120, lockAfter: 4, lockoutMs: 600_000 }),
    });

    // One address guessing: answers slow down after the first failure; the session ends on its third.
    const a = await secureSession(port);
    let t = Date.now();
    expect((await a.command(plain('acme', 'x1'))).code).toBe(535);
    const first = Date.now() - t;
    t = Date.now();
    const second = await a.command(plain('acme', 'x2'));
    expect([second.code, second.text]).toEqual([535, '5.7.8 Authentication credentials invalid']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
    expect(first).toBeLessThan(Date.now() - t);
    expect((await a.command(plain('other', 'x3'))).code).toBe(421);
    a.close();
    // A new connection does not start afresh: the fourth failure from this address locks it …
    const b = await secureSession(port);
    expect((await b.command(plain('other', 'x4'))).code).toBe(535);
    b.close();
    // … so even the right password is refused from it, in a new session too.
    const c = await secureSession(port);
    const locked = await c.command(plain('acme', 's3cret'));
    expect([locked.code, locked.text]).toEqual([454, '4.7.0 Too many failed authentication attempts, try again later']);
    c.close();

    // One user guessed from many addresses: locked for every address.
    for (const ip of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) {
      const s = await secureSession(port, ip);
      expect((await s.command(plain('ops', 'guess'))).code).toBe(535);
      s.close();
    }
    const fresh = await secureSession(port, '127.0.0.6');
    expect((await fresh.command(plain('ops', 'pw3'))).code).toBe(454);
    expect((await fresh.command(plain('acme', 's3cret'))).code).toBe(235);
    fresh.close();

    const lockouts = (await metrics.authLockouts.get()).values;
    expect(lockouts.map((v) => [v.labels.scope, v.value]).sort()).toEqual([['ip', 1], ['user', 1]]);
    expect(records.filter((r) => r.type === 'Rejection' && (r as { response: { code: number } }).response.code === 454)).toHaveLength(2);

    // Lockouts expire on their own.
    clock.advance(600_000);
    const later = await secureSession(port);
    expect((await later.command(plain('acme', 's3cret'))).code).toBe(235);
    later.close();
  });
});
