/**
 * Cost of shaping per message: µs per `throttle()` and per lease acquire+release, for the memory
 * store and (when redis-server is installed) a Redis store on loopback, against a no-op shaper
 * measured in the same run.
 *
 *   node --conditions=@mtakit/source --import tsx bench/shaping-cost.ts
 */
import { parseLimitSpec, parseRateSpec, type LeaseResult, type Shaper, type ThrottleDecision } from '@mtakit/core';
import { MemoryShapingStore, StoreShaper } from '@mtakit/shaping';
import { RedisShapingStore } from '@mtakit/shaping/redis';
import { findRedisServer, startRedis } from '@mtakit/core/testing';

const ALLOWED: ThrottleDecision = { allowed: true, retryAfterMs: 0, remaining: 1, resetAfterMs: 0 };
const noop: Shaper = {
  throttle: async () => ALLOWED,
  acquireConnection: async (key): Promise<LeaseResult> => ({ granted: true, lease: { key, renew: async () => true, release: async () => undefined } }),
};

// Limits high enough never to refuse, so every call does the full work of an admitted message.
const rate = parseRateSpec('10,000,000/s');
const limit = parseLimitSpec(1_000_000);
const PATHS = 64;

async function measure(label: string, iterations: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(2000, iterations); i++) await op(i); // warm-up
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < iterations) await op(next++);
  }));
  const us = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  console.log(`  ${label.padEnd(44)} ${us.toFixed(2).padStart(8)} µs/op  (${Math.round(1e6 / us).toLocaleString('en-US')} ops/s)`);
  return us;
}

async function suite(name: string, shaper: Shaper, iterations: number, concurrency: number) {
  console.log(`${name} (${iterations.toLocaleString('en-US')} ops, ${concurrency} in flight)`);
  const throttle = await measure('throttle()', iterations, concurrency, (i) => shaper.throttle(`path-${i % PATHS}`, rate));
  const lease = await measure('acquireConnection() + release()', iterations, concurrency, async (i) => {
    const r = await shaper.acquireConnection(`conn-${i % PATHS}`, limit);
    if (r.granted) await r.lease.release();
  });
  return { throttle, lease };
}

const base = await suite('no-op shaper (baseline)', noop, 200_000, 1);
const memory = await suite('memory store', new StoreShaper({ store: new MemoryShapingStore() }), 200_000, 1);
const rows = [['memory', memory]] as Array<[string, { throttle: number; lease: number }]>;

const binary = findRedisServer();
if (binary) {
  const redis = await startRedis(binary);
  const store = new RedisShapingStore({ redis: redis.url, prefix: 'bench:' });
  try {
    rows.push(['redis, sequential', await suite('redis store, one call at a time (latency)', new StoreShaper({ store }), 20_000, 1)]);
    rows.push(['redis, 32 in flight', await suite('redis store, 32 calls in flight (throughput)', new StoreShaper({ store }), 50_000, 32)]);
  } finally {
    await store.close();
    await redis.stop();
  }
} else {
  console.log('redis-server not installed: Redis figures skipped');
}

console.log('\nratio to the no-op baseline (same run):');
for (const [label, r] of rows) {
  console.log(`  ${label.padEnd(22)} throttle ×${(r.throttle / base.throttle).toFixed(1)}   lease ×${(r.lease / base.lease).toFixed(1)}   (+${(r.throttle - base.throttle).toFixed(2)} µs, +${(r.lease - base.lease).toFixed(2)} µs)`);
}
