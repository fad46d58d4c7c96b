import { describe, expect, it } from 'vitest';
import { injectMessages } from './helpers/inject.js';
import { mtaFixture, startMtaProcess } from './helpers/mta-process.js';

/**
 * Issue 11's kill loop: the MTA is SIGKILLed five times while mail is being injected and
 * delivered, restarted on the same data dir each time; at the end every message that got a 250 in
 * any round has reached the sink (duplicates allowed: at least once).
 */
describe('reliability: five SIGKILLs under load', () => {
  const f = mtaFixture('mtakit-kill-loop-', { dataDelayMs: 20 });
  const { dir: dataDir, sink } = f;

  it('loses no acknowledged message', async () => {
    await sink.start();
    const env = { MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: sink.address, MTAKIT_SCORER: 'off' };
    const acked: string[] = [];
    for (let round = 0; round < 5; round++) {
      const victim = (f.mta = await startMtaProcess(env));
      const recipients = Array.from({ length: 400 }, (_, i) => `k${round}-${i}@dest.test`);
      // Kill mid-injection: once a quarter of this round's messages are acknowledged.
      const injected = injectMessages(victim.smtpPort, recipients, { connections: 10, onAck: (n) => { if (n === 100) victim.child.kill('SIGKILL'); } });
      const { acked: got } = await injected;
      acked.push(...got);
      await victim.exited;
      expect(got.length).toBeGreaterThanOrEqual(100);
    }
    f.mta = await startMtaProcess(env);
    const missing = () => acked.filter((r) => !sink.byRecipient.has(r));
    await sink.waitFor(() => missing().length === 0, 90_000).catch(() => undefined);
    const duplicates = acked.reduce((n, r) => n + Math.max(0, (sink.byRecipient.get(r) ?? 0) - 1), 0);
    console.info(`kill loop: 5 kills, ${acked.length} acknowledged, ${duplicates} duplicates, ${missing().length} lost`);
    expect(missing()).toEqual([]);
  }, 240_000);
});
