import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogBus, Message, type LogRecord } from '@mtakit/core';
import { FakeClock, SmtpSink } from '@mtakit/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueManager } from '../queue-manager.js';
import { DiskSpool } from '../spool/disk-spool.js';
import { AdminState } from './admin-state.js';
import { AdminStateFile } from './admin-state-file.js';

// Issue 10 item 3 / defect 4: suspensions and admin bounces lived in memory only, so a 1-hour
// tenant suspension vanished on restart and the mail went out.

const sink = new SmtpSink();
const dirs: string[] = [];
const open: Array<{ manager: QueueManager; spool: DiskSpool }> = [];
beforeAll(() => sink.start());
afterAll(() => sink.stop());
afterEach(async () => {
  for (const { manager, spool } of open.splice(0)) {
    await manager.shutdown();
    await spool.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-admin-state-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string): Promise<{ manager: QueueManager; spool: DiskSpool; records: LogRecord[] }> {
  const spool = await DiskSpool.open({ dir });
  const log = new LogBus();
  const records: LogRecord[] = [];
  log.subscribe((r) => void records.push(r));
  const manager = new QueueManager({
    spool, log, hostname: 'mta.test',
    policy: {
      get_queue_config: () => ({ protocol: { smtp: { mx_list: [sink.address] } } }),
      get_egress_path_config: () => ({ prohibited_hosts: [], enable_tls: 'Disabled' }),
    },
  });
  open.push({ manager, spool });
  return { manager, spool, records };
}

async function stop(h: { manager: QueueManager; spool: DiskSpool }): Promise<void> {
  open.splice(open.findIndex((o) => o.manager === h.manager), 1);
  await h.manager.shutdown();
  await h.spool.close();
}

function message(recipient: string, meta: Record<string, string> = {}): Message {
  return new Message({ sender: 'sender@example.com', recipient, meta, data: Buffer.from(`Subject: t\r\n\r\nfor ${recipient}\r\n`) });
}

describe('admin state across restarts', () => {
  it('keeps a tenant suspension across a restart until it expires, then delivers', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const { id } = await first.manager.suspend({ reason: 'tenant paused', tenant: 'paused', duration: '2s' });
    const until = Date.parse(first.manager.listSuspensions()[0]!.expires);
    await first.manager.enqueue([message('s1@dest.test', { tenant: 'paused' })]);
    await stop(first);

    const second = await start(dir);
    expect(second.manager.listSuspensions()).toMatchObject([{ id, reason: 'tenant paused', tenant: 'paused' }]);
    await second.manager.recover();
    await second.manager.enqueue([message('s2@dest.test', { tenant: 'paused' })]);
    await sink.waitFor(() => sink.for('s1@dest.test').length === 1 && sink.for('s2@dest.test').length === 1, 20_000);
    for (const r of ['s1@dest.test', 's2@dest.test']) expect(sink.for(r)[0]!.receivedAt).toBeGreaterThanOrEqual(until);
    expect(second.manager.listSuspensions()).toEqual([]);
  });

  it('keeps ready-queue suspensions and admin bounces; a cancelled entry stays cancelled', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const ready = await first.manager.suspendReadyQueue({ name: 'unspecified->somewhere@smtp_client', reason: 'provider asked', duration: '1h' });
    const bounce = await first.manager.bounce({ reason: 'wrong list', campaign: 'oops', duration: '1h' });
    const cancelled = await first.manager.suspend({ reason: 'short', duration: '1h' });
    expect(await first.manager.cancelSuspension(cancelled.id)).toBe(true);
    await stop(first);

    const second = await start(dir);
    expect(second.manager.listReadyQueueSuspensions()).toMatchObject([{ id: ready.id, name: 'unspecified->somewhere@smtp_client' }]);
    expect(second.manager.listBounces()).toMatchObject([{ id: bounce.id, campaign: 'oops', reason: 'wrong list' }]);
    expect(second.manager.listSuspensions()).toEqual([]);
    // The restored bounce still applies to mail that arrives.
    await second.manager.enqueue([message('b@dest.test', { campaign: 'oops' })]);
    await expect.poll(() => second.records.filter((r) => r.type === 'AdminBounce').length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => second.spool.size).toBe(0);
  });

  it('writes the state atomically and moves an unreadable file aside', async () => {
    const dir = tempDir();
    const reports: string[] = [];
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const state = new AdminState(clock, new AdminStateFile(dir), (m) => reports.push(m));
    state.suspensions.add('x', { duration: '1h' }, { tenant: 't' });
    await state.save();
    expect(JSON.parse(readFileSync(join(dir, 'admin-state.json'), 'utf8'))).toMatchObject({ version: 1, suspensions: [{ reason: 'x', data: { tenant: 't' } }] });
    expect(existsSync(join(dir, 'admin-state.json.tmp'))).toBe(false);

    // Restored entries expire on the clock like new ones.
    const again = new AdminState(clock, new AdminStateFile(dir));
    expect(again.suspensionOf({ name: 't@d.test', parts: { domain: 'd.test', tenant: 't' } })).toBeDefined();
    clock.advance(3_600_000);
    expect(again.suspensionOf({ name: 't@d.test', parts: { domain: 'd.test', tenant: 't' } })).toBeUndefined();

    writeFileSync(join(dir, 'admin-state.json'), '{"version":1,"suspensions":[{"id":');
    const fresh = new AdminState(clock, new AdminStateFile(dir), (m) => reports.push(m));
    expect(fresh.suspensions.active()).toEqual([]);
    expect(reports.at(-1)).toMatch(/unreadable .* moved to .*admin-state\.json\.corrupt/);
    expect(existsSync(join(dir, 'admin-state.json.corrupt'))).toBe(true);
  });
});

describe('admin input validation (issue 11)', () => {
  it.each([
    ['duration', { duration: '99999999999999999999y' }],
    ['duration', { duration: 1e308 }],
    ['duration', { duration: '1e308' }],
    ['duration', { duration: 0 }],
    ['duration', { duration: { days: 1 } as unknown as string }],
    ['expires', { expires: '+275760-09-13T00:00:00.000Z' }],
    ['expires', { expires: 'tomorrow' }],
  ])('refuses %s %j naming the field, and listings keep working', async (field, timing) => {
    const h = await start(tempDir());
    await expect(h.manager.suspend({ reason: 'r', ...timing })).rejects.toMatchObject({ code: 'E_CONFIG', key: field });
    await expect(h.manager.bounce({ reason: 'r', ...timing })).rejects.toMatchObject({ code: 'E_CONFIG', key: field });
    await expect(h.manager.suspendReadyQueue({ name: 'a->b@smtp_client', reason: 'r', ...timing })).rejects.toMatchObject({ code: 'E_CONFIG', key: field });
    expect(h.manager.listSuspensions()).toEqual([]);
    expect(h.manager.listBounces()).toEqual([]);
    expect(h.manager.listReadyQueueSuspensions()).toEqual([]);
  });

  it('accepts the longest allowed duration', async () => {
    const h = await start(tempDir());
    await h.manager.suspend({ reason: 'long', duration: '3650d' });
    expect(h.manager.listSuspensions()).toHaveLength(1);
  });
});
