import { openFilesLimit } from '@mtakit/core/smtp';
import { RawSmtpClient } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { injectMessages } from './helpers/inject.js';
import { mtaFixture, startMtaProcess } from './helpers/mta-process.js';

const CLIENTS = 2_000;
const ADDRESSES = 25; // 80 connections each, under max_connections_per_ip (100)
// This process holds 2,000 sockets and the MTA (same limit) must admit them within its budget.
const enoughFiles = (openFilesLimit() ?? 0) >= 4096;
if (!enoughFiles) console.warn(`reliability-burst: skipped, RLIMIT_NOFILE ${openFilesLimit()} is under 4096 (raise it with ulimit -n)`);

/** Connects and waits for the first reply; the time it took, and the reply code (0: none). */
async function firstReply(port: number, localAddress: string): Promise<{ ms: number; code: number; client?: RawSmtpClient }> {
  const started = performance.now();
  try {
    const client = await RawSmtpClient.connect(port, '127.0.0.1', { localAddress });
    const reply = await client.read(60_000).catch(() => ({ code: 0 }));
    return { ms: performance.now() - started, code: reply.code, client };
  } catch {
    return { ms: performance.now() - started, code: 0 };
  }
}

/**
 * Issue 11, "2,000-connection burst": with a listen backlog of 511 the kernel's accept queue
 * overflowed; clients got no greeting for 20 s, and 205 of 2,000 that did not retry hung for 120 s.
 * The example MTA as a process (backlog 4096 by default) takes 2,000 connections opened at once:
 * every client hears a greeting (or 421) within seconds, and mail still flows afterwards. Run here
 * at load 17: first replies p50 0.9 s, max 1.3 s, 2,000 greeted; the same test with
 * MTAKIT_LISTEN_BACKLOG=511: 176 clients never answered (60 s), p99 62 s.
 */
describe.skipIf(!enoughFiles)('reliability: a burst of 2,000 connections', () => {
  const f = mtaFixture('mtakit-burst-');

  it('answers every client promptly (no accept-queue overflow) and keeps serving', async () => {
    await f.sink.start();
    const mta = (f.mta = await startMtaProcess({ MTAKIT_DATA_DIR: f.dir, MTAKIT_SMARTHOST: f.sink.address, MTAKIT_SCORER: 'off' }));
    const results = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => firstReply(mta.smtpPort, `127.0.0.${2 + (i % ADDRESSES)}`)));
    for (const r of results) r.client?.close();
    const ms = results.map((r) => r.ms).sort((a, b) => a - b);
    const at = (p: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] as number);
    const unanswered = results.filter((r) => r.code !== 220 && r.code !== 421).length;
    console.info(`burst of ${CLIENTS}: first reply p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms; `
      + `${results.filter((r) => r.code === 220).length} greeted, ${results.filter((r) => r.code === 421).length} refused 421, ${unanswered} unanswered`);
    expect(unanswered).toBe(0);
    // The issue saw greetings 20 s late; a loaded machine alone gave at most 3.2 s here.
    expect(at(1)).toBeLessThan(15_000);
    const after = await injectMessages(mta.smtpPort, Array.from({ length: 20 }, (_, i) => `burst${i}@dest.test`), { connections: 4 });
    expect(after.failed).toEqual([]);
    expect(mta.child.exitCode).toBeNull();
  }, 120_000);
});
