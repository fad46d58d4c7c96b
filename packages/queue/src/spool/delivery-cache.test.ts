import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, Message } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { harness, message, sink, useQueueHarness, viaSink } from '../queue-manager.fixture.js';
import { DeliveryCache } from './delivery-cache.js';
import { DiskSpool } from './disk-spool.js';
import { storeThenKill } from './fixtures/store-then-kill.js';

useQueueHarness();

function body(size: number, fill = 'x'): Message {
  // allocUnsafeSlow: a Buffer of its own, so the cache charges exactly its size.
  const data = Buffer.allocUnsafeSlow(size).fill(fill);
  return new Message({ sender: 's@example.com', recipient: 'r@dest.test', meta: {}, data });
}

describe('DeliveryCache', () => {
  it('keeps at most its byte budget, oldest dropped first, each message taken once', () => {
    let now = 0;
    const cache = new DeliveryCache(10_000, 2000, () => now);
    const messages = [body(4000), body(4000), body(4000)];
    for (const m of messages) cache.keep(m, '{}');
    expect(cache.stats).toMatchObject({ entries: 2, bytes: 2 * (4000 + 4) });
    expect(cache.take(messages[0]!.id)).toBeUndefined(); // evicted: over the budget
    expect(cache.take(messages[1]!.id)?.data).toBe(messages[1]!.getData());
    expect(cache.take(messages[1]!.id)).toBeUndefined(); // taken once
    expect(cache.stats).toEqual({ hits: 1, misses: 2, entries: 1, bytes: 4004 });
    // Too old to be "about to be delivered": dropped.
    now = 2001;
    expect(cache.take(messages[2]!.id)).toBeUndefined();
    expect(cache.stats).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('does not keep messages due later, held ones, or one larger than the budget; follows meta updates', () => {
    const cache = new DeliveryCache(10_000, 2000, () => 1000);
    const later = body(10);
    later.due = 5000;
    const held = body(10);
    held.setMeta('hold', { score: 9 });
    for (const m of [later, held, body(20_000)]) cache.keep(m, '{}');
    expect(cache.stats.entries).toBe(0);
    const m = body(100);
    cache.keep(m, '{"numAttempts":0}');
    cache.updateMeta(m.id, '{"numAttempts":1}');
    expect(cache.stats.bytes).toBe(100 + 2 * '{"numAttempts":1}'.length);
    expect(cache.take(m.id)?.meta).toBe('{"numAttempts":1}');
  });
});

describe('DiskSpool delivery cache', () => {
  it('serves a load right after the store from memory, with the latest meta, and refuses a bad budget naming it', async () => {
    const spool = await DiskSpool.open({ dir: mkdtempSync(join(tmpdir(), 'mtakit-dcache-')) });
    try {
      const m = message('a@dest.test', { tenant: 'acme' });
      await spool.store(m);
      m.numAttempts = 2;
      await spool.updateMeta(m);
      const loaded = await spool.load(m.id);
      expect(loaded.getData().equals(m.getData())).toBe(true);
      expect(loaded).toMatchObject({ numAttempts: 2, recipient: 'a@dest.test' });
      expect(spool.deliveryCache?.stats).toMatchObject({ hits: 1, misses: 0, entries: 0 });
      // The second load (a retry) reads the disk, and finds the same.
      expect((await spool.load(m.id)).getData().equals(m.getData())).toBe(true);
      expect(spool.deliveryCache?.stats).toMatchObject({ hits: 1, misses: 1 });
      const gone = message('b@dest.test');
      await spool.store(gone);
      await spool.remove(gone.id);
      expect(spool.deliveryCache?.stats.entries).toBe(0);
    } finally {
      await spool.close();
    }
    await expect(DiskSpool.open({ dir: mkdtempSync(join(tmpdir(), 'mtakit-dcache-')), deliveryCacheBytes: -1 })).rejects.toThrow(ConfigError);
    await expect(DiskSpool.open({ dir: mkdtempSync(join(tmpdir(), 'mtakit-dcache-')), deliveryCacheBytes: 1.5 })).rejects.toThrow(/deliveryCacheBytes=1.5/);
  });

  it('delivers just-accepted mail over SMTP from memory, and holds none of a suspended destination\'s', async () => {
    const h = await harness(viaSink());
    const messages = Array.from({ length: 20 }, (_, i) => message(`cached${i}@dest.test`));
    await h.manager.enqueue(messages);
    await h.waitFor('Delivery', 20);
    for (const m of messages) expect(sink.for(m.recipient)[0]?.data.equals(m.getData())).toBe(true);
    expect(h.spool.deliveryCache?.stats).toMatchObject({ hits: 20, misses: 0, entries: 0, bytes: 0 });

    await h.manager.suspend({ reason: 'test', domain: 'paused.test', duration: '1h' });
    await h.manager.enqueue(Array.from({ length: 5 }, (_, i) => message(`held${i}@paused.test`)));
    expect(h.spool.deliveryCache?.stats).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('after a SIGKILL, a restart delivers every acknowledged message from disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-dcache-kill-'));
    const { stored } = await storeThenKill(dir, 150);
    const h = await harness(viaSink(), {}, dir);
    const { recovered } = await h.manager.recover();
    expect(recovered).toBeGreaterThanOrEqual(stored.size);
    await h.waitFor('Delivery', recovered);
    for (const id of stored.keys()) expect(h.records.some((r) => r.type === 'Delivery' && r.id === id)).toBe(true);
    expect(h.spool.deliveryCache?.stats).toMatchObject({ hits: 0, misses: recovered });
  }, 60_000);
});
