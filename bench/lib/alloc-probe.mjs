// Loaded into a process with --import (NODE_OPTIONS="--import ./bench/lib/alloc-probe.mjs"): samples
// every allocation site, the garbage included (V8's sampling heap profiler keeps only what is still
// alive unless told otherwise), until the process gets SIGUSR2, then writes the profile to
// $ALLOC_PROBE_OUT (default alloc.heapprofile). What allocates per message, for the GC's share of
// the CPU; read it with `node bench/lib/alloc-top.mjs FILE`.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
await post('HeapProfiler.enable');
await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
process.on('SIGUSR2', async () => {
  const { profile } = await post('HeapProfiler.stopSampling');
  writeFileSync(process.env.ALLOC_PROBE_OUT ?? 'alloc.heapprofile', JSON.stringify(profile));
  process.stderr.write('alloc-probe: profile written\n');
});
