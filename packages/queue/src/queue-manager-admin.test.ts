import { describe, expect, it, vi } from 'vitest';
import { harness, message, restart, sink, sinkReadyQueue, useQueueHarness, viaSink } from './queue-manager.fixture.js';

useQueueHarness();

describe('QueueManager admin operations', () => {
  it('suspends scheduled queues by tenant; lifting the suspension delivers', async () => {
    const h = await harness(viaSink());
    const { id } = await h.manager.suspend({ reason: 'maintenance', tenant: 'paused', duration: '1h' });
    expect(h.manager.listSuspensions()).toMatchObject([{ id, reason: 'maintenance', tenant: 'paused' }]);
    await h.manager.enqueue([message('held1@dest.test', { tenant: 'paused' }), message('free@dest.test', { tenant: 'other' })]);
    await h.waitFor('Delivery', 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.for('held1@dest.test')).toHaveLength(0);
    expect(h.manager.summary().scheduled).toMatchObject([{ name: 'paused@dest.test', count: 1 }]);
    expect(await h.manager.cancelSuspension(id)).toBe(true);
    await h.waitFor('Delivery', 2);
    expect(sink.for('held1@dest.test')).toHaveLength(1);
  });

  it('logs one TransientFailure (451 4.4.4) per message held by a suspension, not one per look', async () => {
    const h = await harness(viaSink(), {}, undefined, { promoteBatch: 1 });
    const { id } = await h.manager.suspend({ reason: 'maintenance', tenant: 'paused', duration: '1h' });
    await h.manager.enqueue([message('h1@dest.test', { tenant: 'paused' }), message('h2@dest.test', { tenant: 'paused' })]);
    await h.waitFor('TransientFailure', 2);
    // More mail wakes the queue again: only the new message gets a record.
    await h.manager.enqueue([message('h3@dest.test', { tenant: 'paused' })]);
    await h.waitFor('TransientFailure', 3);
    await new Promise((r) => setTimeout(r, 300));
    const held = h.records.filter((r) => r.type === 'TransientFailure');
    expect(held.map((r) => r.recipient).sort()).toEqual(['h1@dest.test', 'h2@dest.test', 'h3@dest.test']);
    expect(held[0]!.response).toMatchObject({ code: 451, enhanced_code: { class: 4, subject: 4, detail: 4 } });
    expect(held[0]!.response.content).toMatch(/suspended: maintenance/);
    await h.manager.cancelSuspension(id);
    await h.waitFor('Delivery', 3);
    expect(h.records.filter((r) => r.type === 'TransientFailure')).toHaveLength(3);
  });

  it('after a restart, logs the suspension\'s hold from the recovered record (no read of the message) and delivers once lifted', async () => {
    const first = await harness(viaSink());
    await first.manager.suspend({ reason: 'maintenance', tenant: 'paused', duration: '1h' });
    const held = [message('r1@dest.test', { tenant: 'paused' }), message('r2@dest.test', { tenant: 'paused' })];
    await first.manager.enqueue(held);
    await first.waitFor('TransientFailure', 2);
    const second = await restart(first);
    const reads = vi.spyOn(second.spool, 'loadRecord');
    expect((await second.manager.recover()).recovered).toBe(2);
    const records = await second.waitFor('TransientFailure', 2);
    expect(records.map((r) => [r.recipient, r.size, r.response.enhanced_code?.detail, r.response.content])).toEqual(held.map((m) => [m.recipient, m.size, 4, expect.stringMatching(/paused@dest.test is suspended: maintenance/)]));
    expect(reads).not.toHaveBeenCalled();
    await second.manager.cancelSuspension(second.manager.listSuspensions()[0]!.id);
    await second.waitFor('Delivery', 2);
    expect(second.records.filter((r) => r.type === 'TransientFailure')).toHaveLength(2);
  });

  it('logs one TransientFailure per message held by a ready-queue suspension', async () => {
    const h = await harness(viaSink());
    const name = sinkReadyQueue();
    const { id } = await h.manager.suspendReadyQueue({ name, reason: 'provider asked', duration: '1h' });
    await h.manager.enqueue([message('rq1@dest.test')]);
    await h.waitFor('TransientFailure', 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.records.filter((r) => r.type === 'TransientFailure')).toMatchObject([{ response: { code: 451, content: expect.stringMatching(/ready queue .* is suspended: provider asked/) } }]);
    await h.manager.cancelReadyQueueSuspension(id);
    await h.waitFor('Delivery', 1);
  });

  it('keeps headers a rebind_message hook adds', async () => {
    const h = await harness(viaSink(), { rebind_message: (m, data) => { m.prependHeader('X-Rebound', data['why'] ?? ''); m.setMeta('tenant', 'new'); } });
    await h.manager.suspend({ reason: 'hold', tenant: 'old', duration: '1h' });
    await h.manager.enqueue([message('hdr@dest.test', { tenant: 'old' })]);
    await h.manager.rebind({ reason: 'move', tenant: 'old', data: { why: 'moved by ops' }, trigger_rebind_event: true, always_flush: true });
    await h.waitFor('Delivery', 1);
    expect(sink.for('hdr@dest.test')[0]!.data.toString()).toMatch(/^X-Rebound: moved by ops\r\n/);
  });

  it('admin bounce removes what is queued and what arrives while it lasts, with AdminBounce records', async () => {
    const h = await harness(viaSink());
    await h.manager.suspend({ reason: 'hold everything', duration: '1h' });
    await h.manager.enqueue([message('a@bad.test', { campaign: 'oops' }), message('b@bad.test', { campaign: 'oops' }), message('c@bad.test', { campaign: 'fine' })]);
    const result = await h.manager.bounce({ reason: 'wrong list', campaign: 'oops', duration: '10m' });
    expect(result.bounced).toBe(2);
    await h.manager.enqueue([message('d@bad.test', { campaign: 'oops' })]);
    const bounces = await h.waitFor('AdminBounce', 3);
    expect(bounces.map((b) => b.recipient).sort()).toEqual(['a@bad.test', 'b@bad.test', 'd@bad.test']);
    expect(bounces[0]!.response.content).toMatch(/wrong list/);
    await expect.poll(() => h.spool.size).toBe(1);
    expect(h.manager.listBounces()).toHaveLength(1);
  });

  it('rebind moves messages to the queue their new meta names', async () => {
    const h = await harness(viaSink());
    await h.manager.suspend({ reason: 'hold', tenant: 'old', duration: '1h' });
    await h.manager.enqueue([message('r1@dest.test', { tenant: 'old' }), message('r2@dest.test', { tenant: 'old' })]);
    const { rebound } = await h.manager.rebind({ reason: 'move tenant', tenant: 'old', data: { tenant: 'new' }, always_flush: true });
    expect(rebound).toBe(2);
    const deliveries = await h.waitFor('Delivery', 2);
    expect(deliveries.map((d) => d.queue)).toEqual(['new@dest.test', 'new@dest.test']);
    expect(h.records.filter((r) => r.type === 'AdminRebind')).toHaveLength(2);
  });

  it('suspends a ready queue, pushing its messages back until lifted', async () => {
    const h = await harness(viaSink());
    const name = sinkReadyQueue();
    const { id } = await h.manager.suspendReadyQueue({ name, reason: 'provider asked', duration: '1h' });
    await h.manager.enqueue([message('rq@dest.test')]);
    await new Promise((r) => setTimeout(r, 400));
    expect(sink.for('rq@dest.test')).toHaveLength(0);
    expect(h.manager.readyQueueStates().find((s) => s.name === name)?.suspended).toMatchObject({ reason: 'provider asked' });
    await h.manager.cancelReadyQueueSuspension(id);
    await h.waitFor('Delivery', 1);
  });

  it('holds messages marked hold until released, across a restart', async () => {
    const first = await harness(viaSink());
    const held = message('risky@dest.test', { campaign: 'promo', hold: 'score 80' });
    await first.manager.enqueue([held]);
    expect(first.manager.listHeld({ campaign: 'promo' })).toEqual([{ id: held.id, queue: 'promo:@dest.test' }]);
    const second = await restart(first);
    await second.manager.recover();
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.for('risky@dest.test')).toHaveLength(0);
    expect(await second.manager.releaseHeld({ campaign: 'promo' }, (m) => m.setMeta('released_by', 'ops@example.com'))).toEqual({ released: 1 });
    const [delivery] = await second.waitFor('Delivery', 1);
    expect(delivery!.meta).toMatchObject({ released_by: 'ops@example.com' });
    expect(delivery!.meta['hold']).toBeUndefined();
  });

  it('inspects messages and scheduled queues', async () => {
    const h = await harness({ ...viaSink(), retry_interval: '3m' });
    await h.manager.suspend({ reason: 'look', duration: '1h' });
    const m = message('look@dest.test', { tenant: 't' });
    await h.manager.enqueue([m]);
    expect(await h.manager.inspectMessage(m.id, true)).toMatchObject({ id: m.id, message: { recipient: ['look@dest.test'], meta: { tenant: 't' }, data: expect.stringContaining('for look@dest.test') } });
    const q = await h.manager.inspectScheduledQueue('t@dest.test');
    expect(q).toMatchObject({ queue_name: 't@dest.test', num_scheduled: 1, queue_config: { retry_interval: 180_000 }, suspended: { reason: 'look' } });
    await expect(h.manager.inspectMessage('0'.repeat(32))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
