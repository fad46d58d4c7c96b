import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { endpointsFromConfig, eventsPlugin } from '@mtakit/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKumoHarness, type KumoHarness } from './harness.js';

// Scenarios ported from KumoMTA's crates/integration-tests (Apache-2.0, KumoCorp): log records
// pushed to a webhook as mail flows (kumod's log hooks; mtakit's events plugin).
describe('KumoMTA integration scenarios: webhook log records', () => {
  const bodies: Array<{ format: string; body: unknown }> = [];
  let server: Server;
  let url: string;
  const harnesses: KumoHarness[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        bodies.push({ format: req.url ?? '', body: JSON.parse(text) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const h of harnesses) await h.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const start = async (format: 'object' | 'array') => {
    const h = await startKumoHarness({
      plugins: [eventsPlugin({ endpoints: endpointsFromConfig({ endpoints: [{ name: `hook-${format}`, type: 'webhook', url: `${url}/${format}`, format, events: ['Reception', 'Delivery'], batch_wait: '50ms' }] }) })],
    });
    harnesses.push(h);
    return h;
  };
  const typesFor = (format: string, to: string) => bodies.filter((b) => b.format === `/${format}`)
    .flatMap((b) => (Array.isArray(b.body) ? b.body : [b.body]) as Array<{ type?: string; record?: { recipient?: unknown } }>)
    .filter((e) => JSON.stringify(e.record?.recipient ?? null).includes(to)).map((e) => e.type).sort();

  // Ports end_to_end_webhook.rs `end_to_end_with_webhook`.
  it('posts the Reception and Delivery records of a relayed message, one per request', async () => {
    const h = await start('object');
    expect(await h.send(['hook@example.com'])).toEqual([expect.stringMatching(/^250/)]);
    await h.sink.waitFor(() => h.sink.for('hook@example.com').length === 1);
    await expect.poll(() => typesFor('object', 'hook@example.com'), { timeout: 20_000 }).toEqual(['Delivery', 'Reception']);
  });

  // Ports end_to_end_webhook_batch.rs `end_to_end_with_webhook_batch`.
  it('posts them in batches (a JSON array per request) when asked', async () => {
    const h = await start('array');
    expect(await h.send(['batch1@example.com', 'batch2@example.com'])).toEqual([expect.stringMatching(/^250/), expect.stringMatching(/^250/)]);
    await expect.poll(() => [...typesFor('array', 'batch1@example.com'), ...typesFor('array', 'batch2@example.com')], { timeout: 20_000 }).toEqual(['Delivery', 'Reception', 'Delivery', 'Reception']);
    expect(bodies.filter((b) => b.format === '/array').every((b) => Array.isArray(b.body))).toBe(true);
  });
});
