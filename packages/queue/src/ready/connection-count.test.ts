import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogBus, Message } from '@mtakit/core';
import { SmtpSink } from '@mtakit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueManager } from '../queue-manager.js';
import { DiskSpool } from '../spool/disk-spool.js';

// Issue 10 defect 1: one queued message opened connection_limit (32) connections, because new
// dispatchers were started while the ready queue's size exceeded its idle dispatchers, and a
// dispatcher still connecting had not taken its message yet.

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function peakConnections(messages: number, connectionLimit: number): Promise<{ peak: number; received: number }> {
  const sink = await new SmtpSink({ keep: false }).start();
  cleanup.push(() => sink.stop());
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-conn-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const spool = await DiskSpool.open({ dir });
  const manager = new QueueManager({
    spool, log: new LogBus(), hostname: 'mta.test',
    policy: {
      get_queue_config: () => ({ protocol: { smtp: { mx_list: [sink.address] } } }),
      get_egress_path_config: () => ({ connection_limit: connectionLimit, prohibited_hosts: [], enable_tls: 'Disabled' }),
    },
  });
  cleanup.push(async () => {
    await manager.shutdown();
    await spool.close();
  });
  const batch = Array.from({ length: messages }, (_, i) => new Message({
    sender: 'sender@example.com', recipient: `r${i}@dest.test`, data: Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`),
  }));
  await manager.enqueue(batch);
  await sink.waitFor(() => sink.received >= messages, 60_000);
  return { peak: sink.peakConnections, received: sink.received };
}

describe('connections per ready queue (issue 10 defect 1)', () => {
  it.each([
    { messages: 1, limit: 32 },
    { messages: 10, limit: 32 },
    { messages: 10, limit: 4 },
    { messages: 1000, limit: 8 },
  ])('$messages queued message(s) against connection_limit $limit open at most min(limit, messages) connections', async ({ messages, limit }) => {
    const { peak, received } = await peakConnections(messages, limit);
    expect(received).toBe(messages);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(Math.min(limit, messages));
  }, 90_000);
});
