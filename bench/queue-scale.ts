// Scale benchmark (issue 3): N messages queued to a suspended destination, then a restart on the
// same data dir. Reports enqueue rate, peak RSS with everything queued, and restart-to-recovered
// time and RSS. Each phase runs in its own process so RSS is measured cleanly.
//
//   node --conditions=@mtakit/source --import tsx bench/queue-scale.ts [--messages 1000000] [--size 1024] [--dir /tmp/x]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  },
});
const messages = Number(values.messages);

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

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
  console.log(JSON.stringify({ phase: 'fill', messages: queue.scheduledCount, seconds, rate: messages / seconds, peakRssMiB: peakRssMiB(), heapMiB: process.memoryUsage().heapUsed / 2 ** 20 }));
  await queue.shutdown();
  await spool.close();
}

async function recover(dir: string): Promise<void> {
  const t0 = performance.now();
  const { spool, queue } = await open(dir);
  const indexed = (performance.now() - t0) / 1000;
  const { recovered } = await queue.recover();
  const seconds = (performance.now() - t0) / 1000;
  if (global.gc) global.gc();
  console.log(JSON.stringify({ phase: 'recover', recovered, indexSeconds: indexed, seconds, peakRssMiB: peakRssMiB(), heapMiB: process.memoryUsage().heapUsed / 2 ** 20 }));
  await queue.shutdown();
  await spool.close();
}

if (values.phase === 'fill') await fill(values.dir as string);
else if (values.phase === 'recover') await recover(values.dir as string);
else {
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'mtakit-scale-'));
  const run = (phase: string) => {
    const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', import.meta.filename, '--phase', phase, '--dir', dir, '--messages', String(messages), '--size', values.size as string, '--fsync', values.fsync as string], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`${phase} failed: ${r.stdout}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
  };
  try {
    const fillResult = run('fill');
    console.error('');
    const recovery = run('recover');
    console.log(`\nmtakit queue scale: ${messages.toLocaleString('en-US')} messages × ${values.size} B to a suspended destination (fsync ${values.fsync})`);
    console.log(`  enqueue (spool + schedule):   ${Math.round(fillResult.rate).toLocaleString('en-US')} msgs/s, peak RSS ${Math.round(fillResult.peakRssMiB)} MiB (heap ${Math.round(fillResult.heapMiB)} MiB with all queued)`);
    console.log(`  restart to fully recovered:   ${recovery.seconds.toFixed(1)} s (index ${recovery.indexSeconds.toFixed(1)} s), ${recovery.recovered.toLocaleString('en-US')} messages, peak RSS ${Math.round(recovery.peakRssMiB)} MiB (heap ${Math.round(recovery.heapMiB)} MiB)`);
  } finally {
    if (!values.dir) rmSync(dir, { recursive: true, force: true });
  }
}
