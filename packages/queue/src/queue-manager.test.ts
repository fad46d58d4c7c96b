import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogBus, Message, type LogRecord, type Policy, type QueueConfigInput } from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { SmtpSink, TestResolver } from '@mtakit/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { QueueManager, type QueueManagerOptions } from './queue-manager.js';
import { DiskSpool } from './spool/disk-spool.js';

const sink = new SmtpSink();
const dirs: string[] = [];
const managers: Array<{ manager: QueueManager; spool: DiskSpool }> = [];
let firstTry = new Set<string>();

beforeAll(async () => {
  await sink.start();
});
afterAll(() => sink.stop());
afterEach(async () => {
  for (const { manager, spool } of managers.splice(0)) {
    await manager.shutdown();
    await spool.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Harness {
  manager: QueueManager;
  spool: DiskSpool;
  records: LogRecord[];
  dir: string;
  waitFor(type: LogRecord['type'], count: number): Promise<LogRecord[]>;
}

async function harness(queueConfig: QueueConfigInput, policy: Policy = {}, dir = mkdtempSync(join(tmpdir(), 'mtakit-q-')), options: Partial<QueueManagerOptions> = {}): Promise<Harness> {
  dirs.push(dir);
  const spool = await DiskSpool.open({ dir });
  const records: LogRecord[] = [];
  const log = new LogBus();
  const waiters: Array<() => void> = [];
  log.subscribe((r) => {
    records.push(r);
    for (const w of waiters.splice(0)) w();
  });
  const resolver = new MxResolver({
    resolver: new TestResolver({
      mx: { 'mx.test': [{ exchange: 'a.mx.test', priority: 10 }, { exchange: 'b.mx.test', priority: 20 }], 'nullmx.test': [{ exchange: '.', priority: 0 }] },
      a: { 'a.mx.test': ['127.0.0.1'], 'b.mx.test': ['127.0.0.1'] },
      nxdomain: ['gone.test'],
    }),
  });
  const manager = new QueueManager({
    spool, log, resolver, hostname: 'mta.test',
    policy: { get_queue_config: () => queueConfig, get_egress_path_config: () => ({ smtp_port: sink.port, prohibited_hosts: [], enable_tls: 'Disabled' }), ...policy },
    ...options,
  });
  managers.push({ manager, spool });
  const waitFor = async (type: LogRecord['type'], count: number) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = records.filter((r) => r.type === type);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`waited for ${count} ${type}, have ${JSON.stringify(records.map((r) => r.type))}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { manager, spool, records, dir, waitFor };
}

function message(recipient: string, meta: Record<string, string> = {}): Message {
  return new Message({ sender: 'sender@example.com', recipient, meta, data: Buffer.from(`Subject: test\r\n\r\nfor ${recipient}\r\n`) });
}

const viaSink = (): QueueConfigInput => ({ protocol: { smtp: { mx_list: [`127.0.0.1:${sink.port}`] } } });

describe('QueueManager', () => {
  it('delivers through a fixed route, logs Reception and Delivery with transcript, and empties the spool', async () => {
    const h = await harness(viaSink());
    await h.manager.enqueue([message('one@dest.test', { tenant: 'acme', campaign: 'spring' })]);
    const [delivery] = await h.waitFor('Delivery', 1);
    expect(h.records[0]).toMatchObject({ type: 'Reception', queue: 'spring:acme@dest.test' });
    expect(delivery).toMatchObject({
      queue: 'spring:acme@dest.test', site: `unspecified->mx_list:127.0.0.1:${sink.port}@smtp_client`, response: { code: 250 },
      egress_source: 'unspecified', egress_pool: 'unspecified', delivery_protocol: 'ESMTP', num_attempts: 0,
    });
    expect(delivery!.transcript).toContain('C: RCPT TO:<one@dest.test>');
    expect(sink.for('one@dest.test')).toHaveLength(1);
    await expect.poll(() => h.spool.size).toBe(0);
  });

  it('retries a temporary failure with backoff, then delivers', async () => {
    firstTry = new Set();
    const flaky = new SmtpSink({ rcptReply: () => (firstTry.has('x') ? undefined : (firstTry.add('x'), '451 4.7.1 try again later')) });
    await flaky.start();
    try {
      const h = await harness({ retry_interval: '1s', protocol: { smtp: { mx_list: [`127.0.0.1:${flaky.port}`] } } }, {
        get_egress_path_config: () => ({ enable_tls: 'Disabled' }),
      });
      await h.manager.enqueue([message('retry@dest.test')]);
      const [fail] = await h.waitFor('TransientFailure', 1);
      expect(fail).toMatchObject({ response: { code: 451, enhanced_code: { class: 4, subject: 7, detail: 1 } }, num_attempts: 1 });
      const t0 = Date.now();
      const [delivery] = await h.waitFor('Delivery', 1);
      expect(Date.now() - t0).toBeGreaterThan(800);
      expect(delivery).toMatchObject({ num_attempts: 1 });
    } finally {
      await flaky.stop();
    }
  });

  it('bounces permanent failures and expires messages that outlive max_age', async () => {
    const h = await harness({ ...viaSink(), retry_interval: '1s', max_age: '2s' });
    await h.manager.enqueue([message('permfail@dest.test'), message('tempfail@dest.test')]);
    const [bounce] = await h.waitFor('Bounce', 1);
    expect(bounce).toMatchObject({ recipient: 'permfail@dest.test', response: { code: 550 } });
    const [expired] = await h.waitFor('Expiration', 1);
    expect(expired).toMatchObject({ recipient: 'tempfail@dest.test', response: { code: 551 } });
    expect(h.records.filter((r) => r.type === 'TransientFailure').length).toBeGreaterThanOrEqual(1);
    await expect.poll(() => h.spool.size).toBe(0);
  });

  it('resolves MX, walks hosts by preference, and fails null MX and NXDOMAIN permanently', async () => {
    const h = await harness({});
    await h.manager.enqueue([message('mx@mx.test'), message('x@nullmx.test'), message('x@gone.test')]);
    const [delivery] = await h.waitFor('Delivery', 1);
    expect(delivery!.site).toBe('unspecified->(a|b).mx.test@smtp_client');
    expect(delivery!.peer_address).toEqual({ name: 'a.mx.test', addr: '127.0.0.1' });
    const bounces = await h.waitFor('Bounce', 2);
    const byRcpt = Object.fromEntries(bounces.map((b) => [b.recipient, b.response.code]));
    expect(byRcpt).toEqual({ 'x@nullmx.test': 556, 'x@gone.test': 550 });
  });

  it('keeps connections within connection_limit and reuses them up to max_deliveries_per_connection', async () => {
    const counting = new SmtpSink({ dataDelayMs: 20 });
    await counting.start();
    try {
      const h = await harness({ protocol: { smtp: { mx_list: [`127.0.0.1:${counting.port}`] } } }, {
        get_egress_path_config: () => ({ enable_tls: 'Disabled', connection_limit: 2, max_deliveries_per_connection: 5 }),
      });
      await h.manager.enqueue(Array.from({ length: 20 }, (_, i) => message(`user${i}@dest.test`)));
      await h.waitFor('Delivery', 20);
      expect(counting.peakConnections).toBeLessThanOrEqual(2);
      expect(counting.connections).toBeGreaterThanOrEqual(4);
      expect(counting.connections).toBeLessThanOrEqual(6);
    } finally {
      await counting.stop();
    }
  });

  it('discards messages for the null queue without spooling them', async () => {
    const h = await harness(viaSink());
    await h.manager.enqueue([message('gone@dest.test', { queue: 'null' })]);
    expect(h.spool.size).toBe(0);
    expect(h.records).toHaveLength(0);
  });

  it('recovers spooled messages after a restart, keeping their due time and attempts', async () => {
    const first = await harness(viaSink());
    const later = message('later@dest.test', { send_at: new Date(Date.now() + 1500).toISOString() });
    await first.manager.enqueue([later]);
    await first.manager.shutdown();
    await first.spool.close();
    managers.splice(managers.findIndex((m) => m.manager === first.manager), 1);
    const second = await harness(viaSink(), {}, first.dir);
    expect((await second.manager.recover()).recovered).toBe(1);
    const [delivery] = await second.waitFor('Delivery', 1);
    expect(delivery!.id).toBe(later.id);
    expect(sink.for('later@dest.test')[0]!.receivedAt).toBeGreaterThanOrEqual(Date.parse(later.getMeta('send_at') as string));
  });
});

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
    await first.manager.shutdown();
    await first.spool.close();
    managers.splice(managers.findIndex((m) => m.manager === first.manager), 1);
    const second = await harness(viaSink(), {}, first.dir);
    const reads = vi.spyOn(second.spool, 'loadRecord');
    expect((await second.manager.recover()).recovered).toBe(2);
    const records = await second.waitFor('TransientFailure', 2);
    expect(records.map((r) => [r.recipient, r.size, r.response.enhanced_code?.detail])).toEqual(held.map((m) => [m.recipient, m.size, 4]));
    expect(records[0]!.response.content).toMatch(/paused@dest.test is suspended: maintenance/);
    expect(reads).not.toHaveBeenCalled();
    await second.manager.cancelSuspension(second.manager.listSuspensions()[0]!.id);
    await second.waitFor('Delivery', 2);
    expect(second.records.filter((r) => r.type === 'TransientFailure')).toHaveLength(2);
  });

  it('logs one TransientFailure per message held by a ready-queue suspension', async () => {
    const h = await harness(viaSink());
    const name = `unspecified->mx_list:127.0.0.1:${sink.port}@smtp_client`;
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
    const name = `unspecified->mx_list:127.0.0.1:${sink.port}@smtp_client`;
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
    await first.manager.shutdown();
    await first.spool.close();
    managers.splice(managers.findIndex((m) => m.manager === first.manager), 1);
    const second = await harness(viaSink(), {}, first.dir);
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

describe('egress sources', () => {
  it('delivers from 127.0.0.2/.3/.4 in the pool weights', async () => {
    const spread = new SmtpSink({ keep: false });
    await spread.start();
    try {
      const sources: Record<string, string> = { s2: '127.0.0.2', s3: '127.0.0.3', s4: '127.0.0.4' };
      const h = await harness({ egress_pool: 'warm', protocol: { smtp: { mx_list: [`127.0.0.1:${spread.port}`] } } }, {
        get_egress_pool: (name) => (name === 'warm' ? { name, entries: [{ name: 's2', weight: 1 }, { name: 's3', weight: 2 }, { name: 's4', weight: 7 }] } : undefined),
        get_egress_source: (name) => (sources[name] ? { name, source_address: sources[name] } : undefined),
        get_egress_path_config: () => ({ enable_tls: 'Disabled' }),
      });
      await h.manager.enqueue(Array.from({ length: 200 }, (_, i) => message(`w${i}@dest.test`)));
      await h.waitFor('Delivery', 200);
      expect(Object.fromEntries(spread.byRemoteAddress)).toEqual({ '127.0.0.2': 20, '127.0.0.3': 40, '127.0.0.4': 140 });
    } finally {
      await spread.stop();
    }
  });
});

describe('per-message queue config', () => {
  it('uses each message\'s own config for promotion and for its retry schedule', async () => {
    const { manager } = await harness({}, {
      get_queue_config: (_d, _t, _c, _r, ctx) => ({ ...viaSink(), retry_interval: ctx?.message?.getMeta('region') === 'fast' ? '1m' : '10m' }),
    }, undefined, { perMessageQueueConfig: () => true });
    const fast = message('tempfail@dest.test', { region: 'fast' });
    const slow = message('tempfail@dest.test', { region: 'slow' });
    await manager.enqueue([slow, fast]);
    await expect.poll(async () => (await manager.inspectMessage(fast.id)).message.num_attempts, { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await manager.inspectMessage(slow.id)).message.num_attempts, { timeout: 10_000 }).toBe(1);
    const minutes = async (id: string) => (Date.parse((await manager.inspectMessage(id)).message.due as string) - Date.now()) / 60_000;
    expect(await minutes(fast.id)).toBeGreaterThan(0.9);
    expect(await minutes(fast.id)).toBeLessThan(1.1);
    expect(await minutes(slow.id)).toBeGreaterThan(9.5);
  });
});

describe('several recipients per transaction (max_recipients_per_batch)', () => {
  function copies(recipients: string[]): Message[] {
    const data = Buffer.from('Subject: one transaction\r\n\r\nsame bytes for everyone\r\n');
    return recipients.map((recipient) => new Message({ sender: 'sender@example.com', recipient, meta: { campaign: 'batch' }, data }));
  }

  it('sends byte-identical copies of one transaction together, up to the path limit', async () => {
    const batching = new SmtpSink();
    await batching.start();
    try {
      const h = await harness({ protocol: { smtp: { mx_list: [`127.0.0.1:${batching.port}`] } } }, {
        get_egress_path_config: () => ({ enable_tls: 'Disabled', max_recipients_per_batch: 2, connection_limit: 1 }),
      });
      await h.manager.enqueue(copies(['b1@dest.test', 'b2@dest.test', 'b3@dest.test']));
      const deliveries = await h.waitFor('Delivery', 3);
      expect(batching.messages.map((m) => m.recipients.length).sort()).toEqual([1, 2]);
      expect(batching.messages.flatMap((m) => m.recipients).sort()).toEqual(['b1@dest.test', 'b2@dest.test', 'b3@dest.test']);
      expect(new Set(deliveries.map((d) => d.meta['batch_id'])).size).toBe(1);
    } finally {
      await batching.stop();
    }
  });

  it('gives each recipient of a shared transaction its own outcome', async () => {
    const h = await harness(viaSink());
    await h.manager.enqueue(copies(['ok1@dest.test', 'permfail@dest.test', 'ok2@dest.test']));
    await h.waitFor('Delivery', 2);
    const [bounce] = await h.waitFor('Bounce', 1);
    expect(bounce).toMatchObject({ recipient: 'permfail@dest.test', response: { code: 550 } });
    expect(sink.for('ok1@dest.test')[0]!.recipients.sort()).toEqual(['ok1@dest.test', 'ok2@dest.test']);
  });

  it('keeps copies apart when their data differs', async () => {
    const h = await harness(viaSink());
    await h.manager.enqueue([message('d1@dest.test'), message('d2@dest.test')]);
    await h.waitFor('Delivery', 2);
    expect(sink.for('d1@dest.test')[0]!.recipients).toEqual(['d1@dest.test']);
  });
});

describe('reaping idle queues', () => {
  it('drops empty scheduled and ready queues after their idle time, and makes them again on demand', async () => {
    const h = await harness({ ...viaSink(), reap_interval: '300ms' }, {
      get_egress_path_config: () => ({ enable_tls: 'Disabled', idle_timeout: '200ms' }),
    }, undefined, { reapCheckMs: 100, readyQueueReapMs: 300 });
    await h.manager.enqueue([message('r1@reap-a.test'), message('r2@reap-b.test')]);
    await h.waitFor('Delivery', 2);
    expect(h.manager.stats()).toMatchObject({ scheduledQueues: 2, readyQueues: 1 });
    await expect.poll(() => h.manager.stats(), { timeout: 5000 }).toMatchObject({ scheduledQueues: 0, readyQueues: 0 });
    await h.manager.enqueue([message('r3@reap-a.test')]);
    await h.waitFor('Delivery', 3);
  });
});
