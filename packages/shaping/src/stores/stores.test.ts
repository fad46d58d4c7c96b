import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseLimitSpec, parseRateSpec } from '@mtakit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreShaper } from '../shaper.js';
import { FakeClock } from '@mtakit/core/testing';
import { hammer } from '../testing/hammer.js';
import { findRedisServer, startRedis, type TestRedis } from '@mtakit/core/testing';
import { MemoryShapingStore } from './memory.js';
import { RedisShapingStore } from './redis.js';
import type { ShapingStore } from './store.js';

const redisBinary = findRedisServer();
if (!redisBinary) console.warn('redis-server is not installed: the Redis store tests are skipped (apt-get install redis-server)');

/** How a suite moves time: the memory store has a fake clock, Redis reads its own TIME. */
interface Harness {
  store: ShapingStore;
  advance(ms: number): Promise<void>;
}

let redis: TestRedis | undefined;
const openStores: ShapingStore[] = [];
beforeAll(async () => {
  if (redisBinary) redis = await startRedis(redisBinary);
});
afterAll(async () => {
  for (const s of openStores) await s.close();
  await redis?.stop();
});

let prefixes = 0;
function redisStore(prefix = `test${++prefixes}:`): RedisShapingStore {
  const store = new RedisShapingStore({ redis: (redis as TestRedis).url, prefix });
  openStores.push(store);
  return store;
}

const harnesses: Array<[string, () => Harness, boolean]> = [
  ['memory', () => {
    const clock = new FakeClock();
    return { store: new MemoryShapingStore({ clock }), advance: async (ms) => clock.advance(ms) };
  }, false],
  ['redis', () => ({ store: redisStore(), advance: (ms) => new Promise((r) => setTimeout(r, ms)) }), !redisBinary],
];

describe.each(harnesses)('%s store', (_name, make, skip) => {
  it.skipIf(skip)('throttles a burst, then admits again after retryAfter', async () => {
    const { store, advance } = make();
    const spec = parseRateSpec('5/s');
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await store.throttle('b', spec, 1));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.slice(0, 5).map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
    const denied = decisions[5]!;
    expect(denied.retryAfterMs).toBeGreaterThan(100);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(200);
    await advance(denied.retryAfterMs + 5);
    expect((await store.throttle('b', spec, 1)).allowed).toBe(true);
  });

  it.skipIf(skip)('reports a bucket without consuming it (quantity 0)', async () => {
    const { store } = make();
    const spec = parseRateSpec('10/min');
    await store.throttle('p', spec, 3);
    const peek1 = await store.throttle('p', spec, 0);
    const peek2 = await store.throttle('p', spec, 0);
    expect(peek1.remaining).toBe(7);
    expect(peek2.remaining).toBe(7);
  });

  it.skipIf(skip)('limits leases, frees them on release and lets unrenewed ones expire', async () => {
    const { store, advance } = make();
    expect((await store.acquireLease('c', 2, 150, 'a')).granted).toBe(true);
    expect((await store.acquireLease('c', 2, 150, 'b')).granted).toBe(true);
    const refused = await store.acquireLease('c', 2, 150, 'x');
    expect(refused.granted).toBe(false);
    expect(refused.granted === false && refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.granted === false && refused.retryAfterMs).toBeLessThanOrEqual(150);
    await store.releaseLease('c', 'a');
    expect((await store.acquireLease('c', 2, 150, 'x')).granted).toBe(true);
    expect((await store.leaseState('c')).count).toBe(2);
    await advance(100);
    expect(await store.renewLease('c', 'b', 150)).toBe(true);
    await advance(100);
    // x was not renewed and is gone; b was renewed and holds on.
    expect(await store.renewLease('c', 'x', 150)).toBe(false);
    expect((await store.leaseState('c')).count).toBe(1);
    await advance(200);
    expect(await store.leaseState('c')).toEqual({ count: 0, nextExpiryMs: undefined });
  });

  it.skipIf(skip)('counts events in a sliding window', async () => {
    const { store } = make();
    const hour = 3_600_000;
    const t0 = 1_700_000_000_000;
    expect(await store.countEvent('w', t0, hour, t0)).toBe(1);
    expect(await store.countEvent('w', t0 + 10 * 60_000, hour, t0 + 10 * 60_000)).toBe(2);
    // The first event falls out of the window an hour after it happened.
    expect(await store.countEvent('w', t0 + hour, hour, t0 + hour)).toBe(2);
    expect(await store.countEvent('w', t0 + 2 * hour + 1, hour, t0 + 2 * hour + 1)).toBe(1);
    // An event already older than the window is not counted.
    expect(await store.countEvent('w', t0, hour, t0 + 2 * hour + 2)).toBe(1);
  });

  it.skipIf(skip)('keeps effects until they expire, replacing by id', async () => {
    const { store } = make();
    await store.putEffect({ id: 'e1', expires: 2000, kind: 'x' });
    await store.putEffect({ id: 'e2', expires: 1000, kind: 'y' });
    await store.putEffect({ id: 'e1', expires: 3000, kind: 'x2' });
    expect((await store.listEffects(500)).map((e) => [e.id, e.kind]).sort()).toEqual([['e1', 'x2'], ['e2', 'y']]);
    expect((await store.listEffects(1000)).map((e) => e.id)).toEqual(['e1']);
    expect(await store.listEffects(3000)).toEqual([]);
  });

  it.skipIf(skip)('stores documents', async () => {
    const { store } = make();
    expect(await store.getDocument('warmup')).toBeUndefined();
    await store.putDocument('warmup', { a: [1, 2] });
    expect(await store.getDocument('warmup')).toEqual({ a: [1, 2] });
  });
});

describe('StoreShaper', () => {
  it('starts a fresh bucket when the spec of a key changes', async () => {
    const shaper = new StoreShaper({ clock: new FakeClock() });
    for (let i = 0; i < 3; i++) await shaper.throttle('path', parseRateSpec('3/min'));
    expect((await shaper.throttle('path', parseRateSpec('3/min'))).allowed).toBe(false);
    expect((await shaper.throttle('path', parseRateSpec('4/min'))).allowed).toBe(true);
  });

  it('hands out leases that release once and renew until released', async () => {
    const shaper = new StoreShaper({ clock: new FakeClock() });
    const limit = parseLimitSpec(1);
    const first = await shaper.acquireConnection('conn', limit);
    if (!first.granted) throw new Error('expected a lease');
    expect((await shaper.acquireConnection('conn', limit)).granted).toBe(false);
    expect(await first.lease.renew()).toBe(true);
    await first.lease.release();
    await first.lease.release();
    expect(await first.lease.renew()).toBe(false);
    const second = await shaper.acquireConnection('conn', limit);
    expect(second.granted).toBe(true);
    expect((await shaper.leaseState('conn', limit)).count).toBe(1);
  });

  it.skipIf(!redisBinary)('keeps local: specs in process even with a Redis store', async () => {
    const prefix = `local${++prefixes}:`;
    const a = new StoreShaper({ store: redisStore(prefix) });
    const b = new StoreShaper({ store: redisStore(prefix) });
    const shared = parseRateSpec('2/min');
    const local = parseRateSpec('local:2/min');
    for (let i = 0; i < 2; i++) {
      expect((await a.throttle('k', shared)).allowed).toBe(true);
      expect((await a.throttle('k', local)).allowed).toBe(true);
    }
    expect((await b.throttle('k', shared)).allowed).toBe(false);
    expect((await b.throttle('k', local)).allowed).toBe(true);
    const localLimit = parseLimitSpec('local:1');
    expect((await a.acquireConnection('c', localLimit)).granted).toBe(true);
    expect((await b.acquireConnection('c', localLimit)).granted).toBe(true);
    expect((await b.acquireConnection('c', parseLimitSpec(1))).granted).toBe(true);
    expect((await a.acquireConnection('c', parseLimitSpec(1))).granted).toBe(false);
  });
});

describe('RedisShapingStore without a server', () => {
  it('fails a call after commandTimeoutMs instead of waiting for Redis to come back', async () => {
    const store = new RedisShapingStore({ redis: 'redis://127.0.0.1:1', commandTimeoutMs: 200 });
    const t0 = Date.now();
    await expect(store.throttle('k', parseRateSpec('1/s'), 1)).rejects.toMatchObject({ code: 'E_CONNECTION' });
    expect(Date.now() - t0).toBeLessThan(2000);
    await store.close();
  });
});

describe.skipIf(!redisBinary)('two MTA processes sharing Redis', () => {
  it('together stay within one 20/s throttle', async () => {
    const url = (redis as TestRedis).url;
    const spec = '20/s';
    const durationMs = 2500;
    const startAt = Date.now() + 3000;
    const child = promisify(execFile)(
      process.execPath,
      ['--conditions=@mtakit/source', '--import', 'tsx', join(import.meta.dirname, '../testing/redis-hammer-main.ts'), url, 'shared-path', spec, String(startAt), String(durationMs)],
      { cwd: join(import.meta.dirname, '../../../..') },
    );
    // The default prefix, as in the child process.
    const store = new RedisShapingStore({ redis: url });
    openStores.push(store);
    await store.leaseState('warm-up');
    await new Promise((r) => setTimeout(r, startAt - Date.now()));
    const here = await hammer(new StoreShaper({ store }), 'shared-path', parseRateSpec(spec), durationMs);
    const there = JSON.parse((await child).stdout) as typeof here;
    const total = here.admitted + there.admitted;
    const spanSeconds = (Math.max(here.lastAt, there.lastAt) - Math.min(here.firstAt, there.firstAt)) / 1000;
    // GCRA bound: the burst (20) plus 20 per second of the span in which units were admitted.
    expect(total).toBeLessThanOrEqual(20 + Math.ceil(20 * spanSeconds));
    // Both processes were admitted, and together they used the rate rather than starving.
    expect(here.admitted).toBeGreaterThan(5);
    expect(there.admitted).toBeGreaterThan(5);
    expect(total).toBeGreaterThanOrEqual(20 + 20 * 2);
  });
});

describe('MemoryShapingStore state file', () => {
  it('survives a restart: effects, windows and documents come back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-shaping-'));
    try {
      const stateFile = join(dir, 'state.json');
      const first = await MemoryShapingStore.open({ stateFile });
      await first.putEffect({ id: 'e', expires: 5000, kind: 'suspend' });
      await first.countEvent('w', 100, 1000, 100);
      await first.putDocument('warmup', { step: 3 });
      await first.close();
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).effects).toHaveLength(1);
      const second = await MemoryShapingStore.open({ stateFile });
      expect(await second.listEffects(0)).toEqual([{ id: 'e', expires: 5000, kind: 'suspend' }]);
      expect(await second.countEvent('w', 200, 1000, 200)).toBe(2);
      expect(await second.getDocument('warmup')).toEqual({ step: 3 });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
