/**
 * Cost of the suppression list: µs per `check()` (the lookup done at RCPT and before every
 * delivery) on a list of N entries, for the embedded journal store and (when redis-server is
 * installed) the Redis store on loopback, against a bare Map lookup measured in the same run; and
 * import speed: CSV rows/s parsed into entries, and entries/s written durably (fsync) to the
 * journal, against writing the same bytes with one fsync.
 *
 *   node --expose-gc --conditions=@mtakit/source --import tsx bench/suppression-cost.ts [entries]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  exportSuppressionCsv, FileSuppressionStore, importSuppressionCsv, type SuppressionEntry, type SuppressionStore,
} from '@mtakit/bounce/suppression';
import { RedisSuppressionStore } from '@mtakit/bounce/redis';
import { findRedisServer, startRedis } from '@mtakit/core/testing';

const N = Number(process.argv[2] ?? 1_000_000);
const LOOKUPS = 2_000_000;
const PROBES = 200_000;
const dir = mkdtempSync(join(tmpdir(), 'mtakit-suppression-bench-'));
const now = Date.now();

function entries(n: number): SuppressionEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    recipient: `user${i}@example${i % 1000}.com`, tenant: i % 3 === 0 ? `tenant${i % 50}` : null, reason: 'bounce', category: 'InvalidRecipient',
    source_type: 'Bounce', source_id: '0194636f2a1b00007c9e1f2a3b4c5d6e', created: now, expires: now + 365 * 86_400_000, note: '550 5.1.1 user unknown',
  }));
}

/**
 * Lookups made before timing (so the timing is the check alone): half hit one of the first `n`
 * entries, half miss (most recipients are not suppressed); half name a tenant.
 */
function probes(n: number): Array<[string, string | null]> {
  return Array.from({ length: PROBES }, (_, i) => {
    const k = (i * 7919) % (2 * n);
    return [k < n ? `user${k}@example${k % 1000}.com` : `other${k}@example.org`, i % 2 === 0 ? `tenant${i % 50}` : null];
  });
}

async function timeChecks(label: string, lookups: number, concurrency: number, check: (r: string, t: string | null) => Promise<unknown> | unknown, n = N): Promise<number> {
  const list = probes(n);
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < lookups) {
      const [r, t] = list[next++ % PROBES] as [string, string | null];
      await check(r, t);
    }
  }));
  const us = Number(process.hrtime.bigint() - start) / 1000 / lookups;
  console.log(`  ${label.padEnd(46)} ${us.toFixed(3).padStart(9)} µs/check  (${Math.round(1e6 / us).toLocaleString('en-US')} checks/s)`);
  return us;
}

/** Heap in use after a full collection (with --expose-gc), for the memory per entry. */
function heap(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const list = entries(N);
  console.log(`suppression list of ${N.toLocaleString('en-US')} entries (a third tenant-scoped), ${LOOKUPS.toLocaleString('en-US')} checks, half hits`);

  const map = new Map(list.map((e) => [`${e.tenant ?? ''}\u0000${e.recipient}`, e]));
  const baseline = await timeChecks('baseline: Map.get ×2, no promise', LOOKUPS, 1, (r, t) => (t ? map.get(`${t}\u0000${r}`) : undefined) ?? map.get(`\u0000${r}`));

  const t0 = performance.now();
  const file = await FileSuppressionStore.open({ path: join(dir, 'journal.jsonl'), fsync: true });
  await file.put(list);
  const putMs = performance.now() - t0;
  const embedded = await timeChecks('journal store: await check()', LOOKUPS, 1, (r, t) => file.check(r, t));
  await timeChecks('journal store: checkNow() (no promise)', LOOKUPS, 1, (r, t) => file.checkNow(r, t));
  await file.close();
  const heapBefore = heap();
  const t1 = performance.now();
  const reopened = await FileSuppressionStore.open({ path: join(dir, 'journal.jsonl') });
  const reopenMs = performance.now() - t1;
  if (globalThis.gc) console.log(`  index memory ≈ ${Math.round((heap() - heapBefore) / N)} bytes/entry (heap of the reopened store)`);
  await reopened.close();

  const redisBinary = findRedisServer();
  if (redisBinary) {
    const redis = await startRedis(redisBinary);
    const store: SuppressionStore = new RedisSuppressionStore({ redis: redis.url });
    const sample = Math.min(N, 100_000);
    await store.put(list.slice(0, sample));
    await timeChecks(`redis store (${sample.toLocaleString('en-US')}), loopback, 1 in flight`, 20_000, 1, (r, t) => store.check(r, t), sample);
    await timeChecks(`redis store (${sample.toLocaleString('en-US')}), loopback, 64 in flight`, 100_000, 64, (r, t) => store.check(r, t), sample);
    await store.close();
    await redis.stop();
  } else {
    console.log('  (redis-server not installed: Redis store not measured)');
  }

  console.log(`\nimport (${N.toLocaleString('en-US')} rows)`);
  const csv = exportSuppressionCsv(list);
  const t2 = performance.now();
  const imported = importSuppressionCsv(csv, { now });
  const parseMs = performance.now() - t2;
  if (imported.entries.length !== N) throw new Error(`imported ${imported.entries.length} of ${N}`);
  console.log(`  parse CSV → entries                           ${Math.round(N / (parseMs / 1000)).toLocaleString('en-US').padStart(12)} rows/s   (${(csv.length / 1e6 / (parseMs / 1000)).toFixed(1)} MB/s)`);
  console.log(`  journal put (one batch, fsync)                ${Math.round(N / (putMs / 1000)).toLocaleString('en-US').padStart(12)} entries/s`);
  const bytes = list.map((e) => `${JSON.stringify({ op: 'put', e })}\n`).join('');
  const t3 = performance.now();
  const fh = await open(join(dir, 'raw.jsonl'), 'w');
  await fh.write(bytes);
  await fh.datasync();
  await fh.close();
  const rawMs = performance.now() - t3;
  console.log(`  baseline: write the same ${(bytes.length / 1e6).toFixed(0)} MB + fsync          ${Math.round(N / (rawMs / 1000)).toLocaleString('en-US').padStart(12)} entries/s`);
  console.log(`  reopen (replay + index)                       ${Math.round(N / (reopenMs / 1000)).toLocaleString('en-US').padStart(12)} entries/s  (${Math.round(reopenMs)} ms)`);
  console.log(`\nratios: journal check / Map.get = ${(embedded / baseline).toFixed(1)}×; journal put / raw write = ${(putMs / rawMs).toFixed(1)}×`);
}

main().finally(() => rmSync(dir, { recursive: true, force: true }));
