import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { injectMessages } from './helpers/inject.js';
import { startMtaProcess, type MtaProcess } from './helpers/mta-process.js';

/**
 * Durability: every message that got a 250 must reach the sink even if the MTA is killed with
 * SIGKILL while delivering, and restarted on the same data dir. Duplicates are allowed
 * (at-least-once) and counted.
 */
describe('crash safety (SIGKILL mid-delivery)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-crash-'));
  // A slow sink keeps deliveries in flight when the kill lands.
  const sink = new SmtpSink({ dataDelayMs: 50 });
  let mta: MtaProcess | undefined;
  afterAll(async () => {
    await mta?.kill('SIGKILL');
    await sink.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every acknowledged message after kill -9 and restart', async () => {
    await sink.start();
    const env = { MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: sink.address };
    mta = await startMtaProcess(env);
    const recipients = Array.from({ length: 2000 }, (_, i) => `user${i}@dest.test`);
    const { acked, failed } = await injectMessages(mta.smtpPort, recipients, { connections: 20 });
    expect(failed).toEqual([]);
    expect(acked).toHaveLength(2000);
    const deliveredBeforeCrash = sink.received;
    mta.child.kill('SIGKILL');
    await mta.exited;
    // The kill landed while deliveries were still under way.
    expect(deliveredBeforeCrash).toBeLessThan(2000);

    mta = await startMtaProcess(env);
    const missing = () => acked.filter((r) => !sink.byRecipient.has(r));
    await sink.waitFor(() => sink.byRecipient.size >= acked.length && missing().length === 0, 60_000);
    const duplicates = acked.reduce((n, r) => n + Math.max(0, (sink.byRecipient.get(r) ?? 0) - 1), 0);
    console.info(`crash test: ${acked.length} acknowledged, ${deliveredBeforeCrash} delivered before the kill, ${duplicates} duplicates after restart, 0 lost`);
    expect(missing()).toEqual([]);
    expect(mta.output()).toMatch(/recovery: \d+ messages requeued/);
  });
});
