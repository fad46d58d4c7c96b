import { LogBus, Message, type LogRecord, type Policy } from '@mtakit/core';
import { FakeTimers } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { HeldMessages } from '../held/held-messages.js';
import { HoldRecords } from '../hold-records.js';
import { ReadyQueues } from '../ready/ready-queues.js';
import { PolicyConfigs } from '../routing/policy-configs.js';
import { Scheduler } from '../scheduled/scheduler.js';
import { MemorySpool } from '../spool/memory-spool.js';
import { AdminState } from './admin-state.js';
import { QueueAdmin } from './queue-admin.js';

function setup(policy: Policy = {}) {
  const timers = new FakeTimers();
  const clock = timers.clock;
  const spool = new MemorySpool();
  const log = new LogBus();
  const records: LogRecord[] = [];
  log.subscribe((r) => void records.push(r));
  const due: string[] = [];
  const scheduler: Scheduler = new Scheduler({ clock, timers, promoteBatch: 100, onDue: (q) => {
    const d = scheduler.takeDue(q, state.suspensionOf(q)?.expires);
    if (d.kind === 'promote') due.push(...d.entries.map((e) => e.id));
  } });
  const state = new AdminState(clock);
  const configs = new PolicyConfigs({}, clock);
  const ready = new ReadyQueues({ clock, configs, transport: () => ({ open: () => Promise.reject(new Error('unused')) }) });
  const held = new HeldMessages();
  const work: Array<Promise<unknown>> = [];
  const load = async (id: string) => spool.load(id).catch(() => undefined);
  const holds = new HoldRecords({ log, clock, nodeId: 'n', report: () => undefined, load: (id) => spool.loadRecord(id).catch(() => undefined), track: (w) => void work.push(w) });
  const insert = (queue: string, id: string, at: number, batch?: string) => {
    const q = scheduler.queue(queue);
    const bounce = state.bounceOf(q);
    if (bounce) return void work.push(admin.adminBounce(id, queue, bounce.reason, false));
    scheduler.insert(q, batch === undefined ? { id, due: at } : { id, due: at, batch });
  };
  const admin: QueueAdmin = new QueueAdmin({
    clock, timers, spool, log, policy, nodeId: 'n', report: () => undefined, state, scheduler, ready, held, holds,
    faultRetryMs: 1000, isStopping: () => false, load, insert, track: (w) => void work.push(w),
  });
  const add = async (to: string, meta: Record<string, string>, at = clock.now()) => {
    const m = new Message({ sender: 's@example.com', recipient: to, meta, data: Buffer.from(`Subject: x\r\n\r\nfor ${to}\r\n`) });
    await spool.store(m);
    insert(`${meta['campaign'] ? `${meta['campaign']}:` : ''}${meta['tenant'] ?? ''}@dest.test`, m.id, at);
    return m;
  };
  return { timers, clock, spool, records, scheduler, held, admin, add, due, settle: () => Promise.all(work.splice(0)) };
}

describe('QueueAdmin (fake clock)', () => {
  it('a suspension holds its queues until cancelled; cancelling makes what it held due at once', async () => {
    const h = setup();
    const { id } = await h.admin.suspend({ reason: 'maintenance', tenant: 'paused', duration: '1h' });
    await h.add('a@dest.test', { tenant: 'paused' });
    await h.add('b@dest.test', { tenant: 'other' });
    h.timers.advance(60_000);
    expect(h.due).toHaveLength(1);
    expect(h.admin.listSuspensions()).toMatchObject([{ id, tenant: 'paused', reason: 'maintenance' }]);
    expect(await h.admin.cancelSuspension(id)).toBe(true);
    expect(await h.admin.cancelSuspension(id)).toBe(false);
    h.timers.advance(0);
    expect(h.due).toHaveLength(2);
  });

  it('a suspension ends by itself at its expiry', async () => {
    const h = setup();
    await h.admin.suspend({ reason: 'short', tenant: 'paused', duration: '10m' });
    await h.add('a@dest.test', { tenant: 'paused' });
    h.timers.advance(599_000);
    expect(h.due).toHaveLength(0);
    h.timers.advance(1000);
    expect(h.due).toHaveLength(1);
    expect(h.admin.listSuspensions()).toEqual([]);
  });

  it('an admin bounce removes queued and held messages and those that arrive, with records', async () => {
    const h = setup();
    await h.add('a@dest.test', { campaign: 'oops' }, h.clock.now() + 60_000);
    const kept = await h.add('b@dest.test', { campaign: 'fine' }, h.clock.now() + 60_000);
    const heldOne = new Message({ sender: 's@example.com', recipient: 'h@dest.test', meta: { campaign: 'oops' }, data: Buffer.from('x\r\n') });
    await h.spool.store(heldOne);
    h.held.add(heldOne.id, 'oops:@dest.test');
    expect(await h.admin.bounce({ reason: 'wrong list', campaign: 'oops', duration: '1h' })).toMatchObject({ bounced: 2 });
    await h.add('c@dest.test', { campaign: 'oops' });
    await h.settle();
    expect(h.records.filter((r) => r.type === 'AdminBounce').map((r) => r.recipient).sort()).toEqual(['a@dest.test', 'c@dest.test', 'h@dest.test']);
    expect(h.spool.size).toBe(1);
    expect(await h.spool.load(kept.id)).toBeDefined();
    expect(h.scheduler.count).toBe(1);
  });

  it('rebind moves messages to the queue their new meta names, due now with always_flush', async () => {
    const h = setup();
    const m = await h.add('a@dest.test', { tenant: 'old' }, h.clock.now() + 3_600_000);
    expect(await h.admin.rebind({ reason: 'move', tenant: 'old', data: { tenant: 'new' }, always_flush: true })).toEqual({ rebound: 1 });
    expect(h.scheduler.get('new@dest.test')?.size).toBe(1);
    expect((await h.spool.load(m.id)).meta).toMatchObject({ tenant: 'new' });
    h.timers.advance(0);
    expect(h.due).toEqual([m.id]);
    expect(h.records.filter((r) => r.type === 'AdminRebind')).toHaveLength(1);
  });

  it('releases held messages into their queues, annotated', async () => {
    const h = setup();
    const m = new Message({ sender: 's@example.com', recipient: 'h@dest.test', meta: { campaign: 'promo', hold: 'score 80' }, data: Buffer.from('x\r\n') });
    await h.spool.store(m);
    h.held.add(m.id, 'promo:@dest.test');
    expect(await h.admin.releaseHeld({ campaign: 'promo' }, (msg) => msg.setMeta('released_by', 'ops'))).toEqual({ released: 1 });
    expect(h.admin.listHeld()).toEqual([]);
    expect((await h.spool.load(m.id)).meta).toEqual({ campaign: 'promo', released_by: 'ops' });
    h.timers.advance(0);
    expect(h.due).toEqual([m.id]);
  });
});
