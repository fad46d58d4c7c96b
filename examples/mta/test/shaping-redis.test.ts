import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { findRedisServer, startRedis, type TestRedis } from '@mtakit/core/testing';
import { injectMessages } from '../../../packages/tests/src/helpers/inject.js';
import { startMtaProcess, type MtaProcess } from '../../../packages/tests/src/helpers/mta-process.js';
import { arrivals, rateAfter } from './helpers/shaped-mta.js';

const redisServer = findRedisServer();
if (!redisServer) console.warn('skipping the two-MTA Redis shaping test: redis-server is not installed (apt-get install redis-server; .ci/run does it)');

describe.skipIf(!redisServer)('two example MTA processes sharing shaping through Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-shaping-redis-'));
  const sink = new SmtpSink();
  let redis: TestRedis | undefined;
  const mtas: MtaProcess[] = [];
  afterAll(async () => {
    await Promise.all(mtas.map((m) => m.kill('SIGTERM')));
    await sink.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('together stay within one 20/s path throttle', async () => {
    redis = await startRedis(redisServer);
    await sink.start();
    const file = join(dir, 'shaping.toml');
    // The rate is shared; connections are counted per process (a shared connection_limit would let
    // the first process's idle connections keep the second one out until they time out).
    writeFileSync(file, '["default"]\nmax_message_rate = "20/s"\nconnection_limit = "local:8"\n');
    const env = (name: string) => ({
      MTAKIT_DATA_DIR: join(dir, name), MTAKIT_SMARTHOST: sink.address, MTAKIT_FSYNC: 'false',
      MTAKIT_SHAPING_FILES: file, MTAKIT_REDIS_URL: (redis as TestRedis).url,
    });
    mtas.push(...(await Promise.all([startMtaProcess(env('a')), startMtaProcess(env('b'))])));
    const [a, b] = mtas as [MtaProcess, MtaProcess];
    const to = (prefix: string) => Array.from({ length: 60 }, (_, i) => `${prefix}${i}@dest.test`);
    const injected = await Promise.all([injectMessages(a.smtpPort, to('a')), injectMessages(b.smtpPort, to('b'))]);
    expect(injected.map((r) => r.acked.length)).toEqual([60, 60]);
    await sink.waitFor(() => sink.received === 120, 30_000);

    const times = arrivals(sink.messages);
    const start = times[0]!;
    // One shared bucket: a burst of 20, then 20/s for both processes together (each alone would
    // also do 20/s, so two unshared buckets would deliver about 180). Arrivals are timed at the
    // sink, after admission and delivery, so a few admitted just before the window land inside it.
    expect(times.filter((t) => t < start + 4000).length).toBeLessThanOrEqual(20 + 80 + 5);
    // Steady state, well past the burst (which may stretch while injection is still under way).
    expect(rateAfter(times, 40)).toBeLessThanOrEqual(21);
    expect(rateAfter(times, 40)).toBeGreaterThanOrEqual(15);
    // Both processes were sending at the same time.
    const inFirstTwoSeconds = (prefix: string) => arrivals(sink.messages, prefix).filter((t) => t < start + 2000).length;
    expect(inFirstTwoSeconds('a')).toBeGreaterThan(5);
    expect(inFirstTwoSeconds('b')).toBeGreaterThan(5);
  });
});
