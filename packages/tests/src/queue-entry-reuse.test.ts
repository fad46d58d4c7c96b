import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { injectMessages } from './helpers/inject.js';
import { mtaFixture, startMtaProcess } from './helpers/mta-process.js';

/**
 * The scheduled queues keep a message as its spool index entry number (pinned while queued), and
 * a delivered message's number is reused by the next one stored. Here deliveries free numbers
 * while deferred messages cycle through their queue every second (taken out, retried, put back)
 * and new mail takes the freed numbers; then kill -9 and a restart. Every acknowledged message
 * must arrive, none twice while the first process ran, and the deferred ones never.
 */
describe('scheduled messages by index entry number: churn, kill -9, restart', () => {
  const f = mtaFixture('mtakit-entry-reuse-');

  it('delivers each acknowledged message once before the kill and every one after the restart', async () => {
    await f.sink.start();
    const policy = join(f.dir, 'retry-fast.mjs');
    writeFileSync(policy, "export default { get_queue_config: () => ({ retry_interval: '1s', max_retry_interval: '1s' }) };\n");
    const env = { MTAKIT_DATA_DIR: join(f.dir, 'data'), MTAKIT_SMARTHOST: f.sink.address, MTAKIT_POLICY: policy, MTAKIT_SCORER: 'off' };
    f.mta = await startMtaProcess(env);
    // `451-…` local parts are always deferred by the sink: they stay queued and are retried.
    const round = (r: number) => Array.from({ length: 400 }, (_, i) => (i % 4 === 3 ? `451-r${r}-${i}@dest.test` : `r${r}-${i}@dest.test`));
    const acked: string[] = [];
    for (let r = 0; r < 3; r++) {
      const result = await injectMessages(f.mta.smtpPort, round(r), { connections: 8, size: 2048 });
      expect(result.failed).toEqual([]);
      acked.push(...result.acked.filter((to) => !to.startsWith('451-')));
      // Most of this round delivered (their numbers freed) before the next round is stored.
      await f.sink.waitFor(() => f.sink.byRecipient.size >= acked.length - 50, 60_000);
    }
    const beforeKill = new Map(f.sink.byRecipient);
    f.mta.child.kill('SIGKILL');
    await f.mta.exited;
    expect([...beforeKill].filter(([, n]) => n > 1)).toEqual([]);

    f.mta = await startMtaProcess(env);
    const missing = () => acked.filter((to) => !f.sink.byRecipient.has(to));
    await f.sink.waitFor(() => missing().length === 0, 60_000);
    expect(missing()).toEqual([]);
    // After the restart only what was in flight at the kill may come again, once.
    const again = acked.filter((to) => (f.sink.byRecipient.get(to) ?? 0) > 1);
    expect(again.every((to) => f.sink.byRecipient.get(to) === 2 && beforeKill.get(to) === 1)).toBe(true);
    expect(again.length).toBeLessThanOrEqual(64);
    expect([...f.sink.byRecipient.keys()].filter((to) => to.startsWith('451-'))).toEqual([]);
  }, 240_000);
});
