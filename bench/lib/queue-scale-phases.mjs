// One phase of bench/queue-scale.ts, in its own process so its RSS is its own. Plain JavaScript so
// that it also runs without tsx on the built packages (`--built`), as `mtakit start` does after
// `npm run build`; with `--conditions=@mtakit/source --import tsx` it runs on the sources.
//
//   node [--conditions=@mtakit/source --import tsx] --expose-gc bench/lib/queue-scale-phases.mjs
//        --phase baseline|fill|recover --dir DIR [--messages N] [--size BYTES] [--fsync true|false]
import { parseArgs } from 'node:util';
import { LogBus, Message } from '@mtakit/core';
import { DiskSpool, QueueManager } from '@mtakit/queue';

const { values } = parseArgs({
  options: {
    phase: { type: 'string' },
    dir: { type: 'string' },
    messages: { type: 'string', default: '1000000' },
    size: { type: 'string', default: '1024' },
    fsync: { type: 'string', default: 'true' },
  },
});
const messages = Number(values.messages);

function peakRssMiB() {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Where the memory is, sampled every 50 ms: the largest V8 heap (committed), external memory
 * (Buffers and typed arrays, the index's pages among them) and RSS seen during the phase.
 */
const peaks = { rssMiB: 0, heapTotalMiB: 0, externalMiB: 0 };
setInterval(() => {
  const m = process.memoryUsage();
  peaks.rssMiB = Math.max(peaks.rssMiB, m.rss / 2 ** 20);
  peaks.heapTotalMiB = Math.max(peaks.heapTotalMiB, m.heapTotal / 2 ** 20);
  peaks.externalMiB = Math.max(peaks.externalMiB, m.external / 2 ** 20);
}, 50).unref();

async function open(dir) {
  const spool = await DiskSpool.open({ dir, fsync: values.fsync === 'true' });
  const log = new LogBus();
  const queue = new QueueManager({ spool, log, hostname: 'bench.test', policy: { get_queue_config: () => ({ protocol: { smtp: { mx_list: ['127.0.0.1:9'] } } }) } });
  // The destination is suspended: nothing is delivered, everything stays queued.
  await queue.suspend({ reason: 'scale benchmark', domain: 'suspended.test', duration: '1d' });
  return { spool, queue };
}

/**
 * Shuts down, then reports: peak RSS is taken after close, which includes the index snapshot
 * written then; `beforeClose` has the peaks of the phase's own work (fill or recovery) alone.
 */
async function closeAndReport(spool, queue, result) {
  const beforeClose = { peakRssMiB: peakRssMiB(), ...peaks };
  global.gc?.();
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  const t1 = performance.now();
  await queue.shutdown();
  await spool.close();
  console.log(JSON.stringify({ ...result, closeSeconds: (performance.now() - t1) / 1000, peakRssMiB: peakRssMiB(), heapMiB, sampled: peaks, beforeClose }));
}

async function fill(dir) {
  const { spool, queue } = await open(dir);
  const body = `Subject: scale\r\n\r\n${'x'.repeat(Math.max(0, Number(values.size) - 40))}\r\n`;
  const t0 = performance.now();
  const batch = 2000;
  for (let i = 0; i < messages; i += batch) {
    const chunk = Array.from({ length: Math.min(batch, messages - i) }, (_, j) => new Message({
      sender: 'bench@example.com', recipient: `user${i + j}@suspended.test`, meta: { tenant: `t${(i + j) % 10}` }, data: Buffer.from(body),
    }));
    await queue.enqueue(chunk);
    if ((i / batch) % 50 === 0) process.stderr.write(`\r  queued ${i + chunk.length}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  await closeAndReport(spool, queue, { phase: 'fill', messages: queue.scheduledCount, seconds, rate: messages / seconds });
}

async function recover(dir) {
  const t0 = performance.now();
  const { spool, queue } = await open(dir);
  const indexSeconds = (performance.now() - t0) / 1000;
  const { recovered } = await queue.recover();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  await closeAndReport(spool, queue, { phase: 'recover', recovered, indexSeconds, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
}

/** The same process with nothing queued: Node, the loader, the packages and an open spool and queue. */
async function baseline(dir) {
  const { spool, queue } = await open(dir);
  global.gc?.();
  console.log(JSON.stringify({ phase: 'baseline', peakRssMiB: peakRssMiB(), heapMiB: process.memoryUsage().heapUsed / 2 ** 20 }));
  await queue.shutdown();
  await spool.close();
}

const phases = { baseline, fill, recover };
const run = phases[values.phase ?? ''];
if (!run || !values.dir) throw new Error(`usage: --phase ${Object.keys(phases).join('|')} --dir DIR`);
await run(values.dir);
