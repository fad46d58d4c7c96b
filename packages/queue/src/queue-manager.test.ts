import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogBus, Message, type LogRecord, type Policy, type QueueConfigInput } from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { SmtpSink, TestResolver } from '@mtakit/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueManager } from './queue-manager.js';
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

async function harness(queueConfig: QueueConfigInput, policy: Policy = {}, dir = mkdtempSync(join(tmpdir(), 'mtakit-q-'))): Promise<Harness> {
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
