import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogBus, Message, type LogRecord, type Policy, type QueueConfigInput } from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { SmtpSink, TestResolver } from '@mtakit/core/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { QueueManager, type QueueManagerOptions } from './queue-manager.js';
import { DiskSpool } from './spool/disk-spool.js';

// The QueueManager socket tests' harness (queue-manager.test.ts, queue-manager-admin.test.ts): a
// manager on a fresh DiskSpool with a test resolver, delivering to one SmtpSink.

export const sink = new SmtpSink();
const dirs: string[] = [];
const managers: Array<{ manager: QueueManager; spool: DiskSpool }> = [];

/** Registers the hooks: the sink runs for the file; managers and spools are closed after each test. */
export function useQueueHarness(): void {
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
}

export interface Harness {
  manager: QueueManager;
  spool: DiskSpool;
  records: LogRecord[];
  dir: string;
  waitFor(type: LogRecord['type'], count: number): Promise<LogRecord[]>;
}

export async function harness(queueConfig: QueueConfigInput, policy: Policy = {}, dir = mkdtempSync(join(tmpdir(), 'mtakit-q-')), options: Partial<QueueManagerOptions> = {}): Promise<Harness> {
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

export function message(recipient: string, meta: Record<string, string> = {}): Message {
  return new Message({ sender: 'sender@example.com', recipient, meta, data: Buffer.from(`Subject: test\r\n\r\nfor ${recipient}\r\n`) });
}

/** Shuts `h` down and opens a new manager on its spool. */
export async function restart(h: Harness): Promise<Harness> {
  await h.manager.shutdown();
  await h.spool.close();
  managers.splice(managers.findIndex((m) => m.manager === h.manager), 1);
  return harness(viaSink(), {}, h.dir);
}

export const viaSink = (): QueueConfigInput => ({ protocol: { smtp: { mx_list: [`127.0.0.1:${sink.port}`] } } });
/** The ready queue that `viaSink` mail goes through (no egress source or pool named). */
export const sinkReadyQueue = (): string => `unspecified->mx_list:127.0.0.1:${sink.port}@smtp_client`;
