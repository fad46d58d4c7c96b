import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtakit } from './helpers/cli.js';
import { startMtaProcess, type MtaProcess } from './helpers/mta-process.js';
import { sendOne } from './helpers/send.js';

/** The admin API and `mtakit queue …` against a running MTA process. */
describe('queue administration over HTTP and the CLI', () => {
  const sink = new SmtpSink();
  const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-admin-'));
  let mta: MtaProcess;
  let url: string;
  const cli = (...args: string[]) => mtakit(['queue', ...args, '--url', url]);

  beforeAll(async () => {
    await sink.start();
    mta = await startMtaProcess({ MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: sink.address, MTAKIT_ADMIN_USERS: 'ops:opensesame' });
    url = `http://127.0.0.1:${mta.httpPort}`;
  });
  afterAll(async () => {
    await mta?.kill('SIGTERM');
    await sink.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('maps X-Tenant/X-Campaign to the queue name, strips them, and suspends/resumes a tenant', async () => {
    const suspended = cli('suspend', '--tenant', 'acme', '--reason', 'paused by ops', '--duration', '1h');
    expect(suspended.status).toBe(0);
    const { id } = JSON.parse(suspended.stdout) as { id: string };
    expect(await sendOne(mta.smtpPort, 'a@example.com', 'x@dest.test', 'X-Tenant: acme\nX-Campaign: spring\nSubject: hi\n\nbody\n')).toMatch(/^250/);
    expect(await sendOne(mta.smtpPort, 'a@example.com', 'y@dest.test', 'X-Tenant: other\nSubject: hi\n\nbody\n')).toMatch(/^250/);
    await sink.waitFor(() => sink.for('y@dest.test').length === 1);
    const summary = cli('summary');
    expect(summary.stdout).toMatch(/spring:acme@dest\.test\s+1/);
    expect(cli('suspensions').stdout).toMatch(/paused by ops/);
    expect(sink.for('x@dest.test')).toHaveLength(0);
    expect(cli('resume', id).status).toBe(0);
    await sink.waitFor(() => sink.for('x@dest.test').length === 1);
    const delivered = sink.for('x@dest.test')[0]!.data.toString();
    expect(delivered).not.toMatch(/X-Tenant|X-Campaign/i);
  });

  it('bounces a campaign and rebinds a tenant', async () => {
    const hold = JSON.parse(cli('suspend', '--reason', 'hold all', '--duration', '1h').stdout) as { id: string };
    await sendOne(mta.smtpPort, 'a@example.com', 'b1@dest.test', 'X-Tenant: t1\nX-Campaign: bad\nSubject: s\n\nb\n');
    await sendOne(mta.smtpPort, 'a@example.com', 'b2@dest.test', 'X-Tenant: t1\nX-Campaign: good\nSubject: s\n\nb\n');
    const bounced = cli('bounce', '--campaign', 'bad', '--reason', 'wrong list');
    expect(JSON.parse(bounced.stdout)).toMatchObject({ bounced: { 'bad:t1@dest.test': 1 }, total_bounced: 1 });
    const rebound = cli('rebind', '--tenant', 't1', '--reason', 'move', '--data', 'tenant=t2');
    expect(JSON.parse(rebound.stdout)).toMatchObject({ rebound: 1 });
    expect(cli('summary').stdout).toMatch(/good:t2@dest\.test\s+1/);
    cli('resume', hold.id);
    await sink.waitFor(() => sink.for('b2@dest.test').length === 1);
    expect(sink.for('b1@dest.test')).toHaveLength(0);
  });

  it('names bad fields, lists ready queues, and explains an unreachable MTA', async () => {
    const missing = await fetch(`${url}/api/admin/suspend/v1`, { method: 'POST', body: JSON.stringify({ tenant: 'x' }) });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ field: 'reason' });
    const states = cli('states');
    expect(states.status).toBe(0);
    expect(states.stdout).toMatch(/READY_COUNT/);
    const down = mtakit(['queue', 'summary', '--url', 'http://127.0.0.1:1']);
    expect(down.status).not.toBe(0);
    expect(down.stderr).toMatch(/cannot reach the MTA/);
  });
});
