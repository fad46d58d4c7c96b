import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatchFromConfig, endpointsFromConfig } from './config.js';
import { EventHub, type EndpointConfig } from './hub.js';
import { verifySignature } from './signature.js';
import { WebhookSink } from './sinks/webhook.js';
import { testRecord } from './testing/records.js';
import { TestReceiver } from './testing/receiver.js';

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('EventHub with a webhook endpoint', () => {
  let dir: string;
  let receiver: TestReceiver;
  const hubs: EventHub[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtakit-events-'));
    receiver = new TestReceiver();
    await receiver.listen();
  });
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.stop();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  function hub(overrides: Partial<EndpointConfig> = {}, sinkOptions: Partial<ConstructorParameters<typeof WebhookSink>[0]> = {}): EventHub {
    const h = new EventHub({
      dir,
      warn: () => undefined,
      endpoints: [{
        name: 'tenant-hook',
        sink: new WebhookSink({ url: receiver.url, secrets: ['s3cret'], timeoutMs: 500, ...sinkOptions }),
        batchWaitMs: 5,
        backoff: { initialMs: 20, maxMs: 100 },
        breaker: { failureThreshold: 3, cooldownMs: 100 },
        ...overrides,
      }],
    });
    hubs.push(h);
    return h;
  }

  it('queues while the receiver fails or stalls, then delivers every event once, in order per message', async () => {
    const h = hub({ concurrency: 3 });
    await h.start();
    receiver.mode = 'fail';
    const records = [1, 2, 3].flatMap((n) => [testRecord(n, 'Reception'), testRecord(n, 'TransientFailure'), testRecord(n, 'Delivery')]);
    for (const r of records) await h.publish(r);
    await until(() => receiver.attempts >= 3);
    expect(h.stats()[0]).toMatchObject({ queued: 9, sent: 0 });
    receiver.mode = 'stall';
    await until(() => receiver.attempts >= 5);
    receiver.mode = 'ok';
    await until(() => new Set(receiver.eventIds()).size === 9);
    const ids = receiver.eventIds();
    for (const n of [1, 2, 3]) {
      const types = receiver.received.map((r) => JSON.parse(r.body) as { type: string; record: { id: string } })
        .filter((e) => e.record.id === testRecord(n).id).map((e) => e.type);
      expect([...new Set(types)]).toEqual(['Reception', 'TransientFailure', 'Delivery']);
    }
    expect(new Set(ids).size).toBe(9);
    await until(() => h.stats()[0]?.queued === 0);
    expect(h.stats()[0]?.failed).toBeGreaterThan(0);
  });

  it('signs every request so the documented check accepts it', async () => {
    const h = hub({}, { secrets: ['new', 'old'] });
    await h.start();
    await h.publish(testRecord(7));
    await until(() => receiver.received.length === 1);
    const { body, headers } = receiver.received[0] as { body: string; headers: Record<string, string> };
    expect(verifySignature(body, headers['x-mtakit-signature'], 'old').ok).toBe(true);
    expect(headers['idempotency-key']).toBe(JSON.parse(body).event_id);
  });

  it('sends a batch as one JSON array in array format', async () => {
    const h = hub({ batchWaitMs: 200, batchSize: 10 }, { format: 'array' });
    await h.start();
    await Promise.all([1, 2, 3, 4].map((n) => h.publish(testRecord(n))));
    await until(() => receiver.eventIds().length === 4);
    expect(receiver.received.length).toBe(1);
  });

  it('dead-letters what the receiver refuses, and replays it on request', async () => {
    const h = hub();
    await h.start();
    receiver.mode = 'reject';
    await h.publish(testRecord(1, 'Bounce'));
    await until(() => h.stats()[0]?.dead_lettered === 1);
    const letters = await h.deadLetters('tenant-hook');
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toContain('400');
    receiver.mode = 'ok';
    expect(await h.replayDeadLetters('tenant-hook')).toBe(1);
    await until(() => receiver.eventIds().length === 1);
    expect(await h.deadLetters('tenant-hook')).toHaveLength(0);
  });

  it('gives up after the retry window and moves the events to the dead-letter store', async () => {
    const h = hub({ maxAgeMs: 150 });
    await h.start();
    receiver.mode = 'fail';
    await h.publish(testRecord(1));
    await until(() => h.stats()[0]?.dead_lettered === 1);
    expect((await h.deadLetters('tenant-hook'))[0]?.reason).toContain('retry window expired');
  });

  it('filters by event type and tenant', async () => {
    const h = hub({ filter: { types: ['Bounce'], tenants: ['acme'] } });
    await h.start();
    await h.publish(testRecord(1, 'Delivery', 'acme'));
    await h.publish(testRecord(2, 'Bounce', 'other'));
    await h.publish(testRecord(3, 'Bounce', 'acme'));
    // A type no endpoint takes is not journaled (nothing to wait for), and the bus is told to skip it.
    expect(h.publish(testRecord(4, 'Delivery', 'acme'))).toBeUndefined();
    expect(h.consumer.recordTypes).toEqual(['Bounce']);
    await until(() => receiver.eventIds().length === 1);
    expect(JSON.parse(receiver.received[0]?.body ?? '').record.id).toBe(testRecord(3).id);
  });

  it('keeps queued events across a restart', async () => {
    receiver.mode = 'fail';
    const first = hub();
    await first.start();
    for (const n of [1, 2, 3]) await first.publish(testRecord(n));
    await first.stop();
    receiver.mode = 'ok';
    const second = hub();
    await second.start();
    await until(() => new Set(receiver.eventIds()).size === 3);
  });

  it('refuses bad endpoint settings naming the key', () => {
    expect(() => new EventHub({ dir, endpoints: [{ name: 'a b', sink: new WebhookSink({ url: receiver.url }) }] })).toThrow(/events.endpoints\[0\].name/);
    expect(() => new WebhookSink({ url: 'ftp://x' })).toThrow(/url/);
    expect(() => new WebhookSink({ url: 'http://user:pw@host/' })).toThrow(/credentials/);
  });

  function workerHub(extra: Record<string, unknown> = {}): EventHub {
    const section = { endpoints: [{ name: 'hook', type: 'webhook', url: receiver.url, secrets_env: ['HOOK_SECRET'], format: 'array', concurrency: 2, batch_wait: '5ms', retry_initial: '20ms', retry_max: '100ms', events: ['Reception', 'Delivery', 'Bounce'], ...extra }] };
    const h = new EventHub({ dir, warn: () => undefined, dispatch: dispatchFromConfig(section), endpoints: endpointsFromConfig(section, { HOOK_SECRET: 's3cret' }) });
    hubs.push(h);
    return h;
  }

  it("dispatch 'worker': delivers from the worker thread, signed, in order per message, and reports its counters back", async () => {
    const h = workerHub();
    await h.start();
    const records = [1, 2, 3, 4].flatMap((n) => [testRecord(n, 'Reception'), testRecord(n, 'TransientFailure'), testRecord(n, 'Delivery')]);
    // TransientFailure is not in the filter: no event for it.
    await Promise.all(records.map((r) => h.publish(r)));
    await until(() => receiver.eventIds().length === 8);
    const events = receiver.received.flatMap((r) => JSON.parse(r.body) as Array<{ type: string; record: { id: string } }>);
    for (const n of [1, 2, 3, 4]) expect(events.filter((e) => e.record.id === testRecord(n).id).map((e) => e.type)).toEqual(['Reception', 'Delivery']);
    const { body, headers } = receiver.received[0] as { body: string; headers: Record<string, string> };
    expect(verifySignature(body, headers['x-mtakit-signature'], 's3cret').ok).toBe(true);
    await until(() => h.stats()[0]?.sent === 8);
    expect(h.stats()[0]).toMatchObject({ name: 'hook', queued: 0, failed: 0 });
  });

  it("dispatch 'worker': dead-letters what the receiver refuses, lists and replays it through the worker, and keeps queued events across a restart", async () => {
    const h = workerHub();
    await h.start();
    receiver.mode = 'reject';
    await h.publish(testRecord(1, 'Bounce'));
    await until(() => h.stats()[0]?.dead_lettered === 1);
    const letters = await h.deadLetters('hook');
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toContain('400');
    receiver.mode = 'fail';
    expect(await h.replayDeadLetters('hook')).toBe(1);
    await h.publish(testRecord(2, 'Delivery'));
    await until(() => (h.stats()[0]?.failed ?? 0) >= 2);
    await h.stop();
    hubs.length = 0;
    receiver.mode = 'ok';
    const again = workerHub();
    await again.start();
    await until(() => new Set(receiver.eventIds()).size === 2);
    expect(await again.deadLetters('hook')).toHaveLength(0);
  });

  it("dispatch 'worker': refuses a sink object, and an unknown dispatch, naming the key", () => {
    expect(() => new EventHub({ dir, dispatch: 'worker', endpoints: [{ name: 'x', sink: new WebhookSink({ url: receiver.url }) }] })).toThrow(/events\.endpoints\[0\].*dispatch 'main'/);
    expect(() => dispatchFromConfig({ endpoints: [], dispatch: 'thread' })).toThrow(/events\.dispatch/);
    expect(dispatchFromConfig({ endpoints: [] })).toBe('worker');
  });
});

describe('EventHub per-record decisions and bare-record payloads', () => {
  it('asks accept() for each event and posts the bare record when payload is "record"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mtakit-events-accept-'));
    const receiver = new TestReceiver();
    await receiver.listen();
    const hub = new EventHub({ dir, warn: () => undefined, endpoints: [{
      name: 'kumo-hook', sink: new WebhookSink({ url: receiver.url, payload: 'record' }), batchWaitMs: 1,
      accept: async (e) => e.type !== 'Reception',
    }] });
    await hub.start();
    await hub.publish(testRecord(1, 'Reception'));
    await hub.publish(testRecord(1, 'Delivery'));
    await until(() => receiver.received.length === 1);
    await hub.stop();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
    const body = JSON.parse(receiver.received[0]?.body ?? '{}') as { type: string; id: string };
    expect(body.type).toBe('Delivery');
    expect(body.id).toBe(testRecord(1).id);
    expect(receiver.received[0]?.headers['idempotency-key']).toMatch(/^[0-9a-f]{32}\.[0-9a-f]{16}$/);
  });
});
