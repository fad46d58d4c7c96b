// A webhook receiver down for ten minutes, the MTA SIGKILLed half way through: once the receiver
// is back it gets every event the MTA logged, exactly once after dedupe by event id, in order per
// message, and delivery resumes within the documented bound. Long: runs only with
// MTAKIT_LONG_TESTS=1 (.ci/run runs it after the main suite); MTAKIT_OUTAGE_MS shortens the outage
// for a quick try.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventIdOf, queryLogs } from '@mtakit/events';
import { describe, expect, it } from 'vitest';
import { eventsFixture } from '../helpers/events.js';
import { injectMessages } from '../helpers/inject.js';
import { startMtaProcess } from '../helpers/mta-process.js';

const LONG = process.env['MTAKIT_LONG_TESTS'] === '1';
const OUTAGE_MS = Number(process.env['MTAKIT_OUTAGE_MS'] ?? 600_000);
/** Documented: a lane retries at least every max(retry_max, breaker_cooldown) = 60 s by default. */
const RESUME_BOUND_MS = 60_000;
/** Room for a loaded two-core machine on top of the bound. */
const SLACK_MS = 30_000;

interface Event { event_id: string; type: string; record: { id: string } }

async function sleepUntil(at: number): Promise<void> {
  while (Date.now() < at) await new Promise((r) => setTimeout(r, Math.min(1_000, at - Date.now())));
}

describe.skipIf(!LONG)('webhook receiver down for ten minutes, MTA SIGKILLed in between (MTAKIT_LONG_TESTS=1)', () => {
  const f = eventsFixture('mtakit-events-outage-');
  const { dir, sink, receiver } = f;

  it('gets every logged event exactly once after dedupe, in order per message, soon after it returns', async () => {
    await f.start();
    const port = Number(new URL(receiver.url).port);
    await receiver.close();
    const downAt = Date.now();
    writeFileSync(join(dir, 'events.json'), JSON.stringify({ endpoints: [{
      name: 'hooks', type: 'webhook', url: receiver.url, secrets_env: ['HOOK_SECRET'], format: 'array', concurrency: 2,
    }] }));
    const env = { MTAKIT_DATA_DIR: join(dir, 'data'), MTAKIT_SMARTHOST: sink.address, MTAKIT_EVENTS: join(dir, 'events.json'), HOOK_SECRET: 's3cret', MTAKIT_SCORER: 'off' };
    f.mta = await startMtaProcess(env);
    const wave = (n: number) => Array.from({ length: 150 }, (_, i) => `w${n}-${i}@dest.test`);
    const first = await injectMessages(f.mta.smtpPort, wave(1), { connections: 5 });
    await sink.waitFor(() => first.acked.every((to) => sink.byRecipient.has(to)), 60_000);

    await sleepUntil(downAt + OUTAGE_MS / 2);
    f.mta.child.kill('SIGKILL');
    await f.mta.exited;
    f.mta = await startMtaProcess(env);
    const second = await injectMessages(f.mta.smtpPort, wave(2), { connections: 5 });
    await sink.waitFor(() => second.acked.every((to) => sink.byRecipient.has(to)), 60_000);
    expect(first.acked.length + second.acked.length).toBe(300);
    expect(receiver.received).toHaveLength(0);

    await sleepUntil(downAt + OUTAGE_MS);
    await receiver.listen(port);
    const backAt = Date.now();
    let resumedMs: number | undefined;
    const expected: Array<{ id: string; message: string }> = [];
    for await (const record of queryLogs(join(dir, 'data', 'logs'))) expected.push({ id: eventIdOf(record), message: record.id });
    const wanted = new Set(expected.map((e) => e.id));
    const arrived = () => receiver.received.flatMap((r) => JSON.parse(r.body) as Event[]);
    const deadline = backAt + RESUME_BOUND_MS + SLACK_MS + 120_000;
    for (;;) {
      if (resumedMs === undefined && receiver.received.length > 0) resumedMs = Date.now() - backAt;
      const got = new Set(arrived().map((e) => e.event_id));
      if ([...wanted].every((id) => got.has(id)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const drainedMs = Date.now() - backAt;

    const onWire = arrived();
    const seen = new Set<string>();
    const deduplicated = onWire.filter((e) => !seen.has(e.event_id) && seen.add(e.event_id));
    console.info(`events outage: down ${Math.round(OUTAGE_MS / 1000)} s, SIGKILL at ${Math.round(OUTAGE_MS / 2000)} s; `
      + `${expected.length} events logged, ${onWire.length} on the wire in ${receiver.received.length} requests, ${deduplicated.length} after dedupe; `
      + `first delivery ${((resumedMs ?? Number.NaN) / 1000).toFixed(1)} s after the receiver returned, all delivered after ${(drainedMs / 1000).toFixed(1)} s`);

    // Exactly once after dedupe: every logged event arrived, and nothing else did.
    expect(deduplicated.map((e) => e.event_id).sort()).toEqual([...wanted].sort());
    expect(wanted.size).toBe(expected.length);
    // Every message of both waves: its Reception and its Delivery.
    for (const to of [...first.acked, ...second.acked]) expect(sink.byRecipient.has(to)).toBe(true);
    expect(deduplicated.filter((e) => e.type === 'Reception')).toHaveLength(300);
    expect(deduplicated.filter((e) => e.type === 'Delivery').length).toBeGreaterThanOrEqual(300);
    // In order per message: first arrivals follow the order the MTA logged them in.
    const order = (list: ReadonlyArray<{ id: string; message: string }>) => {
      const byMessage = new Map<string, string[]>();
      for (const e of list) byMessage.set(e.message, [...(byMessage.get(e.message) ?? []), e.id]);
      return byMessage;
    };
    const logged = order(expected);
    const delivered = order(deduplicated.map((e) => ({ id: e.event_id, message: e.record.id })));
    for (const [message, ids] of logged) expect(delivered.get(message)).toEqual(ids);
    // Delivery resumed within the documented bound (plus slack for a loaded machine).
    expect(resumedMs).toBeLessThanOrEqual(RESUME_BOUND_MS + SLACK_MS);
  }, OUTAGE_MS + 10 * 60_000);
});
