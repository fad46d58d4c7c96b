import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestReceiver } from '@mtakit/events/testing';
import { describe, expect, it } from 'vitest';
import { eventsFixture } from './helpers/events.js';
import { injectMessages } from './helpers/inject.js';
import { repoRoot, startMtaProcess } from './helpers/mta-process.js';

interface Event { event_id: string; type: string; record: { id: string; recipient: string } }

/** The receiver's events with duplicates (same event_id) removed, in first-arrival order. */
function deduplicated(receiver: TestReceiver): Event[] {
  const seen = new Set<string>();
  return receiver.received.flatMap((r) => JSON.parse(r.body) as Event[]).filter((e) => !seen.has(e.event_id) && seen.add(e.event_id));
}

/** The doc's own snippet (docs/events.md, the `verify-signature` block), loaded as a module. */
async function docsVerifier(dir: string): Promise<(body: string, header: string, secret: string) => boolean> {
  const doc = readFileSync(join(repoRoot, 'docs/events.md'), 'utf8');
  const code = /```js verify-signature\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!code) throw new Error('docs/events.md has no verify-signature block');
  const file = join(dir, 'verify.mjs');
  writeFileSync(file, code);
  return ((await import(pathToFileURL(file).href)) as { verifyMtakitSignature: (b: string, h: string, s: string) => boolean }).verifyMtakitSignature;
}

describe('webhook events from the example MTA (receiver down, SIGKILL, restart)', () => {
  const f = eventsFixture('mtakit-events-e2e-');
  const { dir, sink, receiver } = f;

  it('gets every event exactly once after dedupe, in order per message, signed as the docs check it', async () => {
    await f.start();
    receiver.mode = 'fail';
    writeFileSync(join(dir, 'events.json'), JSON.stringify({ endpoints: [{
      name: 'hooks', type: 'webhook', url: receiver.url, secrets_env: ['HOOK_SECRET'], format: 'array',
      events: ['Reception', 'Delivery'], concurrency: 2, retry_initial: '50ms', retry_max: '500ms', breaker_cooldown: '200ms',
    }] }));
    const env = { MTAKIT_DATA_DIR: join(dir, 'data'), MTAKIT_SMARTHOST: sink.address, MTAKIT_EVENTS: join(dir, 'events.json'), HOOK_SECRET: 'tops3cret', MTAKIT_SCORER: 'off' };
    let mta = (f.mta = await startMtaProcess(env));
    const recipients = Array.from({ length: 300 }, (_, i) => `user${i}@dest.test`);
    const { acked } = await injectMessages(mta.smtpPort, recipients, { connections: 10 });
    expect(acked).toHaveLength(300);
    await sink.waitFor(() => sink.byRecipient.size >= 300, 60_000);
    const status = await (await fetch(`http://127.0.0.1:${mta.httpPort}/api/events/v1/endpoints`)).json() as { endpoints: Array<{ queued: number }> };
    expect(status.endpoints[0]?.queued).toBeGreaterThan(0);
    mta.child.kill('SIGKILL');
    await mta.exited;

    receiver.mode = 'ok';
    mta = f.mta = await startMtaProcess(env);
    // One Reception per message, then its Delivery records: one per delivery whose record was
    // written (a message delivered again after the kill has a second Delivery record, unless the
    // kill came between the delivery and its record, at-least-once).
    const settled = () => acked.every((to) => deduplicated(receiver).some((e) => e.record.recipient === to && e.type === 'Delivery'));
    const deadline = Date.now() + 60_000;
    while (!settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    const events = deduplicated(receiver);
    for (const to of acked) {
      const types = events.filter((e) => e.record.recipient === to).map((e) => e.type);
      expect(types[0]).toBe('Reception');
      expect(types.slice(1).every((t) => t === 'Delivery')).toBe(true);
      expect(types.length - 1).toBeGreaterThanOrEqual(1);
      expect(types.length - 1).toBeLessThanOrEqual(sink.byRecipient.get(to) ?? 0);
    }
    console.info(`events e2e: ${receiver.received.length} requests, ${receiver.eventIds().length} events on the wire, ${events.length} after dedupe`);
    const verify = await docsVerifier(dir);
    const first = receiver.received[0] as { body: string; headers: Record<string, string> };
    expect(verify(first.body, first.headers['x-mtakit-signature'] as string, 'tops3cret')).toBe(true);
    expect(verify(first.body, first.headers['x-mtakit-signature'] as string, 'wrong')).toBe(false);
  }, 150_000);
});
