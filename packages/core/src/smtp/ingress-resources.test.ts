import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../dns/cidr.js';
import { MtaKitError } from '../errors.js';
import { LogBus } from '../log/bus.js';
import type { LogRecord } from '../log/records.js';
import { MtaMetrics } from '../metrics/index.js';
import { IngressFixture } from '../testing/ingress-fixture.js';
import { RawSmtpClient } from '../testing/smtp-client.js';
import type { SmtpIngressOptions } from './ingress.js';
import { descriptorBudget, openFilesLimit } from './resource-guard.js';

const fixture = new IngressFixture();
afterAll(() => fixture.closeAll());

async function ingress(options: Partial<SmtpIngressOptions>) {
  const metrics = new MtaMetrics({ defaultMetrics: false });
  const records: LogRecord[] = [];
  const log = new LogBus();
  log.subscribe((r) => void records.push(r));
  const { port } = await fixture.start({ relayNetworks: [parseCidr('127.0.0.0/8')], log, metrics, ...options });
  const refusals = async (resource: string) => (await metrics.resourceRefusals.get()).values.filter((v) => v.labels.resource === resource).reduce((a, v) => a + v.value, 0);
  return { port, metrics, records, refusals };
}

async function session(port: number): Promise<RawSmtpClient> {
  const c = await RawSmtpClient.connect(port);
  expect((await c.read()).code).toBe(220);
  expect((await c.command('EHLO client.test')).code).toBe(250);
  return c;
}

async function send(c: RawSmtpClient, body = 'Subject: hi\r\n\r\nbody\r\n'): Promise<{ code: number; text: string }> {
  const mail = await c.command('MAIL FROM:<a@example.com>');
  if (mail.code !== 250) return mail;
  await c.command('RCPT TO:<x@dest.test>');
  await c.command('DATA');
  c.write(`${body}.\r\n`);
  return c.read();
}

/** A real ENOSPC from the kernel: what a spool write on a full disk raises, wrapped as the spool wraps it. */
async function fullDiskWrite(): Promise<void> {
  try {
    await writeFile('/dev/full', 'x');
  } catch (error) {
    throw new MtaKitError('E_SPOOL', 'spool write failed', { cause: error });
  }
}

/** The port a listener started from testing/ingress-main.ts prints. */
function listenerPort(child: ChildProcessByStdio<null, Readable, null>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /port (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
  });
}

describe('SmtpIngress when resources run out (issue 11)', () => {
  it.skipIf(!existsSync('/dev/full'))('answers a full disk with 452 4.3.1, refuses new transactions, counts and logs it, and recovers by itself', async () => {
    let full = true;
    const h = await ingress({ accept: async () => (full ? fullDiskWrite() : undefined) });
    const c = await session(h.port);
    const first = await send(c);
    expect([first.code, first.text]).toEqual([452, '4.3.1 Insufficient system storage, try again later']);
    // New transactions are refused at MAIL while the disk is full; the session stays up.
    const next = await c.command('MAIL FROM:<a@example.com>');
    expect([next.code, next.text]).toEqual([452, '4.3.1 Insufficient system storage, try again later']);
    expect(await h.refusals('storage')).toBe(2);
    expect(h.records.filter((r) => r.type === 'Rejection').map((r) => (r as { response: { code: number } }).response.code)).toEqual([452, 452]);
    full = false;
    const deadline = Date.now() + 15_000;
    let reply = await c.command('MAIL FROM:<a@example.com>');
    while (reply.code !== 250 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      reply = await c.command('MAIL FROM:<a@example.com>');
    }
    expect(reply.code).toBe(250);
    await c.command('RCPT TO:<x@dest.test>');
    await c.command('DATA');
    c.write('Subject: hi\r\n\r\nbody\r\n.\r\n');
    expect((await c.read()).code).toBe(250);
    c.close();
  });

  it('answers running out of file descriptors with 421 4.3.2 and ends the session', async () => {
    const h = await ingress({ accept: async () => { throw new MtaKitError('E_SPOOL', 'open failed', { cause: Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }) }); } });
    const c = await session(h.port);
    const r = await send(c);
    expect([r.code, r.text]).toEqual([421, '4.3.2 System resources exhausted, try again later']);
    const deadline = Date.now() + 5_000;
    while (!c.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(c.closed).toBe(true);
    expect(await h.refusals('descriptors')).toBe(1);
  });

  it('refuses connections over the budget with 421 4.3.2 and reads the budget from RLIMIT_NOFILE', async () => {
    const h = await ingress({ maxConnections: 2 });
    const a = await session(h.port);
    const b = await session(h.port);
    const third = await RawSmtpClient.connect(h.port);
    const refused = await third.read();
    expect([refused.code, refused.text]).toEqual([421, '4.3.2 Too many connections, try again later']);
    expect(await h.refusals('connections')).toBe(1);
    a.close();
    // A slot is free again once a session ends.
    const deadline = Date.now() + 10_000;
    let code = 0;
    while (code !== 220 && Date.now() < deadline) {
      const d = await RawSmtpClient.connect(h.port);
      code = (await d.read()).code;
      d.close();
    }
    expect(code).toBe(220);
    for (const x of [b, third]) x.close();
    expect(openFilesLimit()).toBeGreaterThan(0);
    expect(descriptorBudget(600)).toEqual({ connections: 450, accepted: 525 });
    expect(descriptorBudget(128)).toEqual({ connections: 64, accepted: 96 });
    expect(descriptorBudget(100_000)).toEqual({ connections: 75_000, accepted: 87_500 });
    expect(descriptorBudget(undefined)).toBeUndefined();
  });

  it('cuts an oversized DATA off at the limit without holding it (peak RSS of the listener process)', async () => {
    const limit = 4 * 1024 * 1024;
    const child = spawn(process.execPath, ['--conditions=@mtakit/source', '--import', 'tsx', join(import.meta.dirname, '../testing/ingress-main.ts'), String(limit)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await listenerPort(child);
      const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) * 1024;
      const c = await session(port);
      await c.command('MAIL FROM:<a@example.com>');
      await c.command('RCPT TO:<x@dest.test>');
      expect((await c.command('DATA')).code).toBe(354);
      const before = peakRss();
      // 40 × the limit, as 800 MiB is 40 × 20 MiB.
      const line = Buffer.from(`${'x'.repeat(1022)}\r\n`);
      const chunk = Buffer.concat(Array.from({ length: 1024 }, () => line));
      for (let i = 0; i < 160; i++) await c.writeAndDrain(chunk);
      c.write('.\r\n');
      const r = await c.read(120_000);
      expect([r.code, r.text]).toEqual([552, '5.3.4 Message size exceeds the fixed maximum message size']);
      // Holding the body would have grown the peak by 160 MiB or more; the bound for 800 MiB is 64 MiB.
      expect(peakRss() - before).toBeLessThan(64 * 1024 * 1024);
      c.close();
    } finally {
      child.kill('SIGTERM');
    }
  });

  it.skipIf(!existsSync('/usr/bin/prlimit'))('under a low RLIMIT_NOFILE answers every client, refusing past the budget with 421 4.3.2, and stays up', async () => {
    // 128 descriptors: 64 sessions, 96 sockets at all; 120 clients at once would exhaust the process without it.
    const child = spawn('/usr/bin/prlimit', ['--nofile=128:128', process.execPath, '--conditions=@mtakit/source', '--import', 'tsx', join(import.meta.dirname, '../testing/ingress-main.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await listenerPort(child);
      const clients = await Promise.all(Array.from({ length: 120 }, () => RawSmtpClient.connect(port)));
      // Every client hears at once: a greeting, 421 4.3.2, or (past 96 sockets) a closed connection; none hangs.
      const outcomes = await Promise.all(clients.map((c) => c.read(20_000).then((r) => (r.text.startsWith('4.3.2') ? '421' : String(r.code)), (e: Error) => e.message)));
      const count = (o: string) => outcomes.filter((x) => x === o).length;
      expect(outcomes.filter((o) => !['220', '421', 'connection closed'].includes(o))).toEqual([]);
      expect(count('220')).toBeGreaterThanOrEqual(50);
      expect(count('220')).toBeLessThanOrEqual(64);
      expect(count('421')).toBeGreaterThan(0);
      for (const c of clients) c.close();
      // Still serving: a full transaction once the others are gone.
      const deadline = Date.now() + 10_000;
      let reply = { code: 0 };
      while (reply.code !== 220 && Date.now() < deadline) {
        const c = await RawSmtpClient.connect(port);
        reply = await c.read();
        if (reply.code === 220) {
          await c.command('EHLO client.test');
          expect((await send(c)).code).toBe(250);
        }
        c.close();
      }
      expect(reply.code).toBe(220);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('sheds load with 421 4.3.2 when the bytes held by open transactions reach the cap', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = await ingress({ maxBytesInFlight: 100_000, accept: () => gate });
    const holder = await session(h.port);
    await holder.command('MAIL FROM:<a@example.com>');
    await holder.command('RCPT TO:<x@dest.test>');
    await holder.command('DATA');
    holder.write(`Subject: big\r\n\r\n${'y'.repeat(80_000)}\r\n.\r\n`);
    // 80 kB held while its spool write waits: past 75 % of the cap, a new transaction is shed.
    const c = await session(h.port);
    const deadline = Date.now() + 10_000;
    let shed = await c.command('MAIL FROM:<a@example.com>');
    while (shed.code === 250 && Date.now() < deadline) {
      await c.command('RSET');
      await new Promise((r) => setTimeout(r, 50));
      shed = await c.command('MAIL FROM:<a@example.com>');
    }
    expect([shed.code, shed.text]).toEqual([421, '4.3.2 System busy, try again later']);
    release();
    expect((await holder.read()).code).toBe(250);
    // A body that alone passes the cap is dropped, not held, and the session ends.
    const big = await session(h.port);
    const dropped = await send(big, `Subject: big\r\n\r\n${'z'.repeat(150_000)}\r\n`);
    expect([dropped.code, dropped.text]).toEqual([421, '4.3.2 System busy, try again later']);
    expect(await h.refusals('memory')).toBe(2);
    for (const x of [holder, c, big]) x.close();
  });

  it.skipIf(!existsSync('/usr/bin/ss') && !existsSync('/bin/ss'))('listens with the configured backlog (4096 by default, capped by somaxconn)', async () => {
    const somaxconn = Number(execFileSync('sysctl', ['-n', 'net.core.somaxconn']).toString().trim());
    const backlog = async (options: Partial<SmtpIngressOptions>) => {
      const { port } = await ingress(options);
      const out = execFileSync('ss', ['-Hltn', `sport = :${port}`]).toString().trim().split(/\s+/);
      return Number(out[2]);
    };
    expect(await backlog({})).toBe(Math.min(4096, somaxconn));
    expect(await backlog({ listenBacklog: 123 })).toBe(123);
  });
});
