import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exhaustedResource, LogBus, Message, type LogRecord } from '@mtakit/core';
import { MtaMetrics } from '@mtakit/core/metrics';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueManager } from './queue-manager.js';
import { DiskSpool } from './spool/disk-spool.js';
import { MemorySpool } from './spool/memory-spool.js';

// Issue 11: a log write failure (ENOSPC, EMFILE) was an unhandled rejection that killed the
// process, a spool read error was taken for "message gone", and a full spool disk was E_SPOOL.

const sink = new SmtpSink();
beforeAll(() => sink.start());
afterAll(() => sink.stop());

const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

function manager(spool: MemorySpool | DiskSpool, log: LogBus, metrics: MtaMetrics, lines: string[]): QueueManager {
  return new QueueManager({
    spool, log, metrics, hostname: 'mta.test', faultRetryMs: 200, stateDir: mkdtempSync(join(tmpdir(), 'mtakit-faults-')),
    logger: (level, line) => lines.push(`${level}: ${line}`),
    policy: {
      get_queue_config: () => ({ protocol: { smtp: { mx_list: [sink.address] } } }),
      get_egress_path_config: () => ({ prohibited_hosts: [], enable_tls: 'Disabled' }),
    },
  });
}

const message = (to: string) => new Message({ sender: 's@example.com', recipient: to, data: Buffer.from(`Subject: x\r\n\r\nfor ${to}\r\n`) });
const faults = async (metrics: MtaMetrics, kind: string) => (await metrics.queueFaults.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;

describe('queue faults', () => {
  it('survives a log that cannot be written: no crash, the message is delivered and leaves the spool only once its record is written', async () => {
    const spool = new MemorySpool();
    const log = new LogBus();
    const written: LogRecord[] = [];
    let failDeliveries = 2;
    log.subscribe(async (r) => {
      if (r.type === 'Reception') throw errno('ENOSPC');
      if (r.type === 'Delivery' && failDeliveries-- > 0) throw errno('EMFILE');
      written.push(r);
    });
    const metrics = new MtaMetrics({ defaultMetrics: false });
    const lines: string[] = [];
    const q = manager(spool, log, metrics, lines);
    await q.enqueue([message('logfail@dest.test')]);
    await sink.waitFor(() => sink.for('logfail@dest.test').length === 1);
    await expect.poll(() => written.filter((r) => r.type === 'Delivery').length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => spool.size).toBe(0);
    expect(sink.for('logfail@dest.test')).toHaveLength(1);
    expect(await faults(metrics, 'log_write')).toBe(3);
    expect(lines.join('\n')).toMatch(/cannot log Reception .*ENOSPC/);
    expect(lines.join('\n')).toMatch(/cannot log Delivery .*EMFILE.*stays in the spool/);
    await q.shutdown();
  });

  it('keeps a message whose spool read fails, reports it, and delivers it once it can be read', async () => {
    let failures = 4;
    class FlakySpool extends MemorySpool {
      override async load(id: string): Promise<Message> {
        if (failures-- > 0) throw errno('EMFILE');
        return super.load(id);
      }
    }
    const spool = new FlakySpool();
    const metrics = new MtaMetrics({ defaultMetrics: false });
    const lines: string[] = [];
    const q = manager(spool, new LogBus(), metrics, lines);
    await q.enqueue([message('readfail@dest.test')]);
    await sink.waitFor(() => sink.for('readfail@dest.test').length === 1, 10_000);
    expect(await faults(metrics, 'spool_read')).toBe(1);
    expect(lines.join('\n')).toMatch(/cannot read message \w+ from the spool \(3 attempts\): EMFILE.*kept/);
    await expect.poll(() => spool.size).toBe(0);
    await q.shutdown();
  });
});

/** A small tmpfs, or undefined (with the reason) where mounting is not allowed. */
function smallTmpfs(): { dir: string; unmount: () => void } | string {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs (needs root): ${(error as Error).message.split('\n')[0]}`;
  }
  return { dir, unmount: () => { execFileSync('umount', [dir]); rmSync(dir, { recursive: true, force: true }); } };
}

describe('a full spool disk', () => {
  const fs = smallTmpfs();
  if (typeof fs === 'string') console.warn(`skipping the disk-full test: ${fs}`);
  it.skipIf(typeof fs === 'string')('refuses a store with E_SPOOL_FULL (a resource, not a fault) and stores again once space returns', async () => {
    const { dir, unmount } = fs as Exclude<typeof fs, string>;
    try {
      const spoolDir = join(dir, 'spool');
      mkdirSync(spoolDir);
      const spool = await DiskSpool.open({ dir: spoolDir, segmentBytes: 64 * 1024 });
      // Fill what is left of the disk with one file, then the spool has no room.
      const filler = join(dir, 'filler');
      try {
        writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      const big = new Message({ sender: 's@example.com', recipient: 'r@dest.test', data: Buffer.alloc(256 * 1024, 'x') });
      const error = await spool.store(big).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_SPOOL_FULL' });
      expect(exhaustedResource(error)).toBe('storage');
      rmSync(filler);
      await spool.store(big);
      expect(spool.size).toBe(1);
      await spool.close();
    } finally {
      unmount();
    }
  });
});
