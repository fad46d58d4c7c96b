// Scale benchmark (issue 3): N messages queued to a suspended destination, then a restart on the
// same data dir. Reports enqueue rate, peak RSS with everything queued, and restart-to-recovered
// time and RSS. Each phase runs in its own process so RSS is measured cleanly.
//
//   node --conditions=@mtakit/source --import tsx bench/queue-scale.ts [--messages 1000000] [--size 1024] [--dir /tmp/x]
//        [--before /path/to/other/checkout] [--rounds 2] [--results bench/results/queue-scale.jsonl]
//
// --before measures another checkout (its own bench/queue-scale.ts and sources) in the same run,
// alternating with this one round by round, and prints this/before ratios.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LogBus, Message } from '@mtakit/core';
import { DiskSpool, QueueManager } from '@mtakit/queue';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    size: { type: 'string', default: '1024' },
    dir: { type: 'string' },
    phase: { type: 'string' },
    fsync: { type: 'string', default: 'true' },
    before: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    results: { type: 'string' },
  },
});
const messages = Number(values.messages);

function peakRssMiB(): number {
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

async function open(dir: string) {
  const spool = await DiskSpool.open({ dir, fsync: values.fsync === 'true' });
  const log = new LogBus();
  const queue = new QueueManager({ spool, log, hostname: 'bench.test', policy: { get_queue_config: () => ({ protocol: { smtp: { mx_list: ['127.0.0.1:9'] } } }) } });
  // The destination is suspended: nothing is delivered, everything stays queued.
  await queue.suspend({ reason: 'scale benchmark', domain: 'suspended.test', duration: '1d' });
  return { spool, queue };
}

async function fill(dir: string): Promise<void> {
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
  if (global.gc) global.gc();
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  const scheduled = queue.scheduledCount;
  // Peak RSS is taken after close: it includes the index snapshot the spool writes then.
  const t1 = performance.now();
  await queue.shutdown();
  await spool.close();
  const closeSeconds = (performance.now() - t1) / 1000;
  console.log(JSON.stringify({ phase: 'fill', messages: scheduled, seconds, rate: messages / seconds, closeSeconds, peakRssMiB: peakRssMiB(), heapMiB, sampled: peaks }));
}

async function recover(dir: string): Promise<void> {
  const t0 = performance.now();
  const { spool, queue } = await open(dir);
  const indexed = (performance.now() - t0) / 1000;
  const { recovered } = await queue.recover();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  if (global.gc) global.gc();
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  const t1 = performance.now();
  await queue.shutdown();
  await spool.close();
  const closeSeconds = (performance.now() - t1) / 1000;
  console.log(JSON.stringify({ phase: 'recover', recovered, indexSeconds: indexed, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, closeSeconds, peakRssMiB: peakRssMiB(), heapMiB, sampled: peaks }));
}

/** The same process with nothing queued: the loader, the sources and an open spool and queue. */
async function baseline(dir: string): Promise<void> {
  const { spool, queue } = await open(dir);
  if (global.gc) global.gc();
  console.log(JSON.stringify({ phase: 'baseline', peakRssMiB: peakRssMiB(), heapMiB: process.memoryUsage().heapUsed / 2 ** 20 }));
  await queue.shutdown();
  await spool.close();
}

if (values.phase === 'baseline') await baseline(values.dir as string);
else if (values.phase === 'fill') await fill(values.dir as string);
else if (values.phase === 'recover') await recover(values.dir as string);
else {
  interface Run { label: string; baseline?: { peakRssMiB: number }; fill: { rate: number; peakRssMiB: number; heapMiB: number }; recover: { seconds: number; indexSeconds: number; cpuSeconds?: number; recovered: number; peakRssMiB: number; heapMiB: number } }
  const checkouts: Array<{ label: string; script: string; cwd: string }> = [{ label: 'this', script: import.meta.filename, cwd: process.cwd() }];
  if (values.before) checkouts.push({ label: 'before', script: join(values.before, 'bench/queue-scale.ts'), cwd: values.before });
  const measure = (checkout: (typeof checkouts)[number]): Run => {
    const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'mtakit-scale-'));
    const run = (phase: string, phaseDir = dir) => {
      const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', checkout.script, '--phase', phase, '--dir', phaseDir, '--messages', String(messages), '--size', values.size as string, '--fsync', values.fsync as string], { cwd: checkout.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`${checkout.label} ${phase} failed: ${r.stdout}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    };
    try {
      // The before checkout's script may not know the baseline phase: measured with ours.
      const empty = mkdtempSync(join(tmpdir(), 'mtakit-scale-empty-'));
      const baseline = checkout.label === 'this' ? run('baseline', empty) : undefined;
      rmSync(empty, { recursive: true, force: true });
      const fill = run('fill');
      console.error('');
      return { label: checkout.label, ...(baseline ? { baseline } : {}), fill, recover: run('recover') };
    } finally {
      if (!values.dir) rmSync(dir, { recursive: true, force: true });
    }
  };
  const runs: Run[] = [];
  for (let round = 0; round < Number(values.rounds); round++) for (const checkout of checkouts) runs.push(measure(checkout));
  console.log(`\nmtakit queue scale: ${messages.toLocaleString('en-US')} messages × ${values.size} B to a suspended destination (fsync ${values.fsync}), load average ${loadavg()[0]?.toFixed(1)}`);
  for (const { label, baseline, fill, recover } of runs) {
    if (baseline) console.log(`  [${label}] baseline (nothing queued):     peak RSS ${Math.round(baseline.peakRssMiB)} MiB (Node, the loader, the sources, an open spool and queue)`);
    console.log(`  [${label}] enqueue (spool + schedule):   ${Math.round(fill.rate).toLocaleString('en-US')} msgs/s, peak RSS ${Math.round(fill.peakRssMiB)} MiB (heap ${Math.round(fill.heapMiB)} MiB with all queued)`);
    console.log(`  [${label}] restart to fully recovered:   ${recover.seconds.toFixed(1)} s (index ${recover.indexSeconds.toFixed(1)} s${recover.cpuSeconds === undefined ? '' : `, process CPU ${recover.cpuSeconds.toFixed(1)} s`}), ${recover.recovered.toLocaleString('en-US')} messages, peak RSS ${Math.round(recover.peakRssMiB)} MiB (heap ${Math.round(recover.heapMiB)} MiB)`);
  }
  const best = (label: string) => {
    const mine = runs.filter((r) => r.label === label);
    return { rate: Math.max(...mine.map((r) => r.fill.rate)), fillRss: Math.min(...mine.map((r) => r.fill.peakRssMiB)), restart: Math.min(...mine.map((r) => r.recover.seconds)), recoverRss: Math.min(...mine.map((r) => r.recover.peakRssMiB)) };
  };
  if (values.before) {
    const a = best('this');
    const b = best('before');
    console.log(`  this/before (best of each): enqueue ${(a.rate / b.rate).toFixed(2)}×, peak RSS filling ${(a.fillRss / b.fillRss).toFixed(2)}×, restart time ${(a.restart / b.restart).toFixed(2)}×, peak RSS recovering ${(a.recoverRss / b.recoverRss).toFixed(2)}×`);
  }
  if (values.results) {
    appendFileSync(values.results, `${JSON.stringify({ bench: 'queue-scale', at: new Date().toISOString(), messages, size: Number(values.size), fsync: values.fsync === 'true', loadavg: loadavg(), before: values.before ?? null, runs })}\n`);
  }
}
