import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisServer, SmtpSink, startRedis, type TestRedis } from '@mtakit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { injectMessages } from './helpers/inject.js';
import { startMtaProcess, type MtaProcess } from './helpers/mta-process.js';

const redisServer = findRedisServer();
if (!redisServer) console.warn('skipping the Redis fail-safe tests: redis-server is not installed (apt-get install redis-server; .ci/run does it)');

interface Health {
  status: number;
  body: { ok: boolean; down: string[]; stores: Array<{ name: string; up: boolean; error?: string }> };
}

async function health(mta: MtaProcess): Promise<Health> {
  const r = await fetch(`http://127.0.0.1:${mta.httpPort}/api/check-health/v1`);
  return { status: r.status, body: (await r.json()) as Health['body'] };
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!redisServer)('Redis for shaping and suppression, killed under load and brought back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-redis-failsafe-'));
  const sink = new SmtpSink();
  let redis: TestRedis | undefined;
  let mta: MtaProcess | undefined;
  afterAll(async () => {
    await mta?.kill('SIGKILL');
    await sink.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start when a required Redis cannot be reached, naming the setting', async () => {
    await expect(startMtaProcess({ MTAKIT_DATA_DIR: join(dir, 'refused'), MTAKIT_REDIS_URL: 'redis://127.0.0.1:1', MTAKIT_SCORER: 'off' }, 20_000))
      .rejects.toThrow(/E_CONNECTION: redis shaping store: cannot connect to redis:\/\/127\.0\.0\.1:1.*MTAKIT_REDIS_URL/);
  });

  it('never hangs, loses no acknowledged message, says which store is down, and stops on SIGTERM', async () => {
    redis = await startRedis(redisServer);
    const { port } = redis;
    await sink.start();
    // Retries every second, so mail deferred during the outage is delivered soon after it.
    const policy = join(dir, 'retry-fast.mjs');
    writeFileSync(policy, "export default { get_queue_config: () => ({ retry_interval: '1s' }) };\n");
    mta = await startMtaProcess({
      MTAKIT_DATA_DIR: join(dir, 'data'), MTAKIT_SMARTHOST: sink.address, MTAKIT_FSYNC: 'false', MTAKIT_SCORER: 'off',
      MTAKIT_REDIS_URL: redis.url, MTAKIT_SUPPRESSION_STORE: redis.url, MTAKIT_POLICY: policy,
    });
    const running = mta;
    expect((await health(running)).status).toBe(200);

    // Load: rounds of 20 messages over 4 connections, until told to stop.
    const acked = new Set<string>();
    const roundMs: number[] = [];
    let refused = 0;
    let stop = false;
    let round = 0;
    const load = (async () => {
      while (!stop) {
        const t0 = Date.now();
        const batch = Array.from({ length: 20 }, (_, i) => `r${round}-${i}@dest.test`);
        round++;
        const r = await injectMessages(running.smtpPort, batch, { connections: 4 });
        for (const to of r.acked) acked.add(to);
        refused += r.failed.length;
        roundMs.push(Date.now() - t0);
      }
    })();
    await until('acknowledged before the kill', async () => acked.size, (n) => n >= 60, 30_000);

    await redis.kill();
    const down = await until('health while Redis is down', () => health(running), (h) => h.status === 503 && h.body.down.includes('suppression') && h.body.down.includes('shaping'), 15_000);
    // The error depends on where the kill caught the socket (ECONNRESET, EPIPE mid-command; ECONNREFUSED after).
    expect(down.body.stores.find((s) => s.name === 'suppression')).toMatchObject({ up: false, error: expect.stringMatching(/\bE[A-Z]{3,}\b|closed/) });
    // Transactions go on being answered (451 at RCPT, never a hang) while Redis is away.
    const refusedBefore = refused;
    await until('refusals during the outage', async () => refused, (n) => n > refusedBefore, 15_000);
    expect((await fetch(`http://127.0.0.1:${running.httpPort}/api/check-liveness/v1`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text()).toMatch(/mtakit_outside_store_up\{store="suppression"\} 0/);

    redis = await startRedis(redisServer, { port });
    await until('health after Redis is back', () => health(running), (h) => h.status === 200, 20_000);
    const ackedAtRecovery = acked.size;
    await until('acknowledged after recovery', async () => acked.size, (n) => n >= ackedAtRecovery + 60, 30_000);
    stop = true;
    await load;
    expect(Math.max(...roundMs)).toBeLessThan(15_000);

    // Every acknowledged message arrives (mail deferred by the outage is retried).
    const missing = () => [...acked].filter((to) => sink.for(to).length === 0);
    await until('acknowledged messages delivered', async () => missing().length, (n) => n === 0, 60_000);

    const t0 = Date.now();
    expect(await running.kill('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(running.output()).not.toMatch(/Unhandled error event/);
    expect(running.output()).toMatch(/suppression store is down/);
    expect(running.output()).toMatch(/suppression store is back/);
  }, 180_000);
});
