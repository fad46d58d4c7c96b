// Loaded into the MTA under test with `node --import bench/lib/heap-probe.mjs` (bench/soak.mjs
// does): every MTAKIT_BENCH_HEAP_INTERVAL_MS (default 30 s) it forces a full garbage collection
// and appends the live heap to MTAKIT_BENCH_HEAP_FILE as a JSON line. RSS alone cannot tell a leak
// from V8 keeping freed pages; the heap after a full GC can (a leak keeps growing it).
// MTAKIT_BENCH_HEAP_SNAPSHOTS (seconds, comma-separated) also writes heap snapshots at those times
// into MTAKIT_BENCH_HEAP_SNAPSHOT_DIR, for bench/lib/heap-diff.mjs; a snapshot grows the RSS for
// good, so a run that is judged on RSS must not take any.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';

const file = process.env.MTAKIT_BENCH_HEAP_FILE;
if (file) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const started = performance.now();
  const snapshots = (process.env.MTAKIT_BENCH_HEAP_SNAPSHOTS ?? '').split(',').filter(Boolean).map(Number);
  setInterval(() => {
    gc();
    const m = process.memoryUsage();
    const line = { t: Math.round((performance.now() - started) / 1000), heapUsedMiB: m.heapUsed / 1048576, externalMiB: m.external / 1048576 };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    if (snapshots.length > 0 && line.t >= snapshots[0]) {
      snapshots.shift();
      writeHeapSnapshot(join(process.env.MTAKIT_BENCH_HEAP_SNAPSHOT_DIR ?? '.', `mta-${process.pid}-${line.t}s.heapsnapshot`));
    }
  }, Number(process.env.MTAKIT_BENCH_HEAP_INTERVAL_MS ?? 30_000)).unref();
}
