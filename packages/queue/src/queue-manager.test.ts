import { Message } from '@mtakit/core';
import { SmtpSink } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { harness, message, restart, sink, sinkReadyQueue, useQueueHarness, viaSink } from './queue-manager.fixture.js';

useQueueHarness();
let firstTry = new Set<string>();

describe('QueueManager', () => {
  it('delivers through a fixed route, logs Reception and Delivery with transcript, and empties the spool', async () => {
    const h = await harness(viaSink());
    await h.manager.enqueue([message('one@dest.test', { tenant: 'acme', campaign: 'spring' })]);
    const [delivery] = await h.waitFor('Delivery', 1);
    expect(h.records[0]).toMatchObject({ type: 'Reception', queue: 'spring:acme@dest.test' });
    expect(delivery).toMatchObject({
      queue: 'spring:acme@dest.test', site: sinkReadyQueue(), response: { code: 250 },
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
    const second = await restart(first);
    expect((await second.manager.recover()).recovered).toBe(1);
    const [delivery] = await second.waitFor('Delivery', 1);
    expect(delivery!.id).toBe(later.id);
    expect(sink.for('later@dest.test')[0]!.receivedAt).toBeGreaterThanOrEqual(Date.parse(later.getMeta('send_at') as string));
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
