import { OutsideStoreStatus, parseRateSpec } from '@mtakit/core';
import { findRedisServer, startRedis, type TestRedis } from '@mtakit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { FailoverShapingStore } from './failover.js';
import { RedisShapingStore } from './redis.js';

const redisServer = findRedisServer();
if (!redisServer) console.warn('skipping the FailoverShapingStore test: redis-server is not installed (apt-get install redis-server)');

async function until(probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!redisServer)('FailoverShapingStore over a real redis-server', () => {
  let redis: TestRedis | undefined;
  const closing: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const c of closing) await c.close();
    await redis?.stop();
  });

  it('falls back to local limits while Redis is down, keeps effects, and writes them back when it returns', async () => {
    redis = await startRedis(redisServer);
    const { port, url } = redis;
    const changes: string[] = [];
    const status = new OutsideStoreStatus('shaping', { degradedMode: 'local', onChange: (s) => changes.push(s.up ? 'up' : 'down') });
    const store = new FailoverShapingStore({ shared: new RedisShapingStore({ redis: url, status }), status, probeIntervalMs: 200 });
    closing.push(store);
    const spec = parseRateSpec('100/s');
    expect((await store.throttle('t', spec, 1)).allowed).toBe(true);
    await store.putEffect({ id: 'before', expires: Date.now() + 60_000 });
    expect((await store.listEffects(Date.now())).map((e) => e.id)).toEqual(['before']);

    await redis.kill();
    await until(() => !status.up, 10_000);
    expect(status.error).toMatch(/ECONNREFUSED|closed/);
    // Answers at once from local state: no wait for timeouts.
    const t0 = Date.now();
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await store.throttle('t', parseRateSpec('2/s'), 1));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false, false, false]);
    const lease = await store.acquireLease('conn', 1, 60_000, 'a');
    expect(lease.granted).toBe(true);
    expect((await store.acquireLease('conn', 1, 60_000, 'b')).granted).toBe(false);
    await store.releaseLease('conn', 'a');
    expect((await store.acquireLease('conn', 1, 60_000, 'c')).granted).toBe(true);
    await store.releaseLease('conn', 'c');
    // Effects: those last read stay in force, new ones are kept here.
    await store.putEffect({ id: 'during', expires: Date.now() + 60_000 });
    expect((await store.listEffects(Date.now())).map((e) => e.id).sort()).toEqual(['before', 'during']);

    redis = await startRedis(redisServer, { port });
    await until(() => status.up, 15_000);
    // Redis came back empty (no persistence): the effect written during the outage is written
    // back; the one from before is gone with the data, as it would be for every node.
    expect((await store.listEffects(Date.now())).map((e) => e.id)).toEqual(['during']);
    const other = new RedisShapingStore({ redis: url });
    closing.push(other);
    expect((await other.listEffects(Date.now())).map((e) => e.id)).toEqual(['during']);
    expect(changes).toEqual(['down', 'up']);
  }, 60_000);
});
