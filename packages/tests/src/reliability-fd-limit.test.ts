import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RawSmtpClient } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { injectMessages, injectOnceAccepting } from './helpers/inject.js';
import { mtaFixture, repoRoot, startMtaProcess } from './helpers/mta-process.js';

const PRLIMIT = '/usr/bin/prlimit';
if (!existsSync(PRLIMIT)) console.warn('reliability-fd-limit: skipped, prlimit (util-linux) is not installed');

/** Where a flood connection ended up: greeted, refused with 421 4.3.2, or closed without a word. */
async function flood(port: number, localAddress: string): Promise<{ client: RawSmtpClient | undefined; outcome: string }> {
  try {
    const client = await RawSmtpClient.connect(port, '127.0.0.1', { localAddress });
    const r = await client.read(30_000).catch((e: Error) => ({ code: 0, text: e.message }));
    return { client, outcome: r.code === 421 && r.text.startsWith('4.3.2') ? '421' : r.code === 220 ? '220' : 'closed' };
  } catch {
    return { client: undefined, outcome: 'closed' };
  }
}

/**
 * Issue 11, "file descriptors exhausted (limit 600, 700 connections)": the example MTA as a process
 * under RLIMIT_NOFILE 256, injecting and delivering mail while 400 more connections pile up and
 * stay open. It used to die on EMFILE from a spool or log open and lose an acknowledged message.
 * Now: it stays up, refuses the excess with 421 4.3.2 (or closes it unread past the accept
 * budget), keeps delivering, accepts again by itself once the flood is gone, and every message it
 * acknowledged reaches the sink.
 */
describe.skipIf(!existsSync(PRLIMIT))('reliability: descriptors run out (prlimit --nofile=256)', () => {
  const f = mtaFixture('mtakit-fd-limit-');

  it('stays up, refuses with 421 4.3.2, recovers by itself and loses no acknowledged message', async () => {
    await f.sink.start();
    const env = { MTAKIT_DATA_DIR: f.dir, MTAKIT_SMARTHOST: f.sink.address, MTAKIT_SCORER: 'off' };
    const mta = (f.mta = await startMtaProcess(env, 30_000, [PRLIMIT, '--nofile=256:256', process.execPath, join(repoRoot, 'examples/mta/bin/mtakit.mjs'), 'start']));
    const pid = mta.child.pid as number;
    const fds = () => readdirSync(`/proc/${pid}/fd`).length;

    // Mail flows over 5 connections while 400 others (50 from each of 127.0.0.2-9, under the
    // per-address limit) arrive at once and are held open.
    let flowing!: () => void;
    const started = new Promise<void>((r) => (flowing = r));
    const during = injectMessages(mta.smtpPort, Array.from({ length: 600 }, (_, i) => `during${i}@dest.test`), { connections: 5, onAck: (n) => n === 20 && flowing() });
    await started;
    const flooded = await Promise.all(Array.from({ length: 400 }, (_, i) => flood(mta.smtpPort, `127.0.0.${2 + (i % 8)}`)));
    const peakFds = fds();
    const count = (o: string) => flooded.filter((x) => x.outcome === o).length;
    const first = await during;
    // A client of the flood is greeted only up to the budget; past it, 421 4.3.2 or closed.
    expect(count('220')).toBeLessThanOrEqual(192);
    expect(count('421') + count('closed')).toBeGreaterThan(0);
    expect(peakFds).toBeLessThan(256);
    for (const failure of first.failed) expect(failure.error).toMatch(/421 4\.3\.2|452 4\.3\.1|ECONNRESET|closed|Greeting never received|Connection closed/i);
    expect(mta.child.exitCode).toBeNull();

    for (const x of flooded) x.client?.close();
    // Recovers by itself: new mail is accepted once the flood is gone.
    const after = await injectOnceAccepting(mta.smtpPort, 'after', 50);
    expect(after.acked.length).toBe(51);

    const acked = [...first.acked, ...after.acked];
    const missing = () => acked.filter((r) => !f.sink.byRecipient.has(r));
    await f.sink.waitFor(() => missing().length === 0, 60_000).catch(() => undefined);
    console.info(`fd limit 256: flood ${count('220')} greeted, ${count('421')} refused 421 4.3.2, ${count('closed')} closed unread; peak ${peakFds} fds; `
      + `${first.acked.length} acknowledged and ${first.failed.length} refused during the flood, ${after.acked.length} after; ${missing().length} lost`);
    expect(missing()).toEqual([]);
    expect(first.acked.length).toBeGreaterThan(0);
    expect(mta.child.exitCode).toBeNull();
    expect(mta.output()).not.toMatch(/EMFILE|unhandled/i);
  }, 180_000);
});
