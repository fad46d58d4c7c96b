// Soak: the example MTA under a steady load for a long time (default 60 minutes at 300 msgs/s,
// 4 KB, fsync on), relayed to Postfix's smtp-sink; every 30 s it samples the MTA's resident set,
// open file descriptors and live heap after a full GC (bench/lib/heap-probe.mjs, loaded into the
// MTA), and at the end compares the last third of the run with the first third (flat = no leak),
// and the heap over the last half (a bounded cache filling up grows early and then stops; a leak
// keeps growing). Exits 1 when RSS or fds grew more than the allowed slack.
//
//   node bench/soak.mjs [--minutes 60] [--rate 300] [--size 4096] [--sample 30] [--slack-mib 64] [--slack-fds 32]
//                       [--snapshots 60,900 --snapshot-dir DIR]   (heap snapshots for bench/lib/heap-diff.mjs)
import { existsSync, readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inject } from './lib/injector.mjs';
import { ensurePostfixTools, freePort, startMta, startSmtpSink } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' }, rate: { type: 'string', default: '300' }, size: { type: 'string', default: '4096' },
    sample: { type: 'string', default: '30' }, 'slack-mib': { type: 'string', default: '64' }, 'slack-fds': { type: 'string', default: '32' },
    snapshots: { type: 'string', default: '' }, 'snapshot-dir': { type: 'string', default: '.' },
  },
});
const seconds = Number(values.minutes) * 60;
const rate = Number(values.rate);
if (!ensurePostfixTools()) {
  console.error('smtp-sink (Debian package postfix) is required and could not be installed');
  process.exit(2);
}

const sinkPort = await freePort();
const sink = startSmtpSink(sinkPort, rate * seconds + 1_000_000);
const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-soak-'));
const heapFile = join(dataDir, 'heap.jsonl');
const mta = await startMta({
  MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: `127.0.0.1:${sinkPort}`, MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0',
  MTAKIT_BENCH_HEAP_FILE: heapFile, MTAKIT_BENCH_HEAP_INTERVAL_MS: String(Number(values.sample) * 1000),
  MTAKIT_BENCH_HEAP_SNAPSHOTS: values.snapshots, MTAKIT_BENCH_HEAP_SNAPSHOT_DIR: values['snapshot-dir'],
}, undefined, ['--import', join(import.meta.dirname, 'lib/heap-probe.mjs')]);
const pid = mta.child.pid;
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const fds = () => readdirSync(`/proc/${pid}/fd`).length;
/** The probe's latest reading of the live heap after a full GC (MiB), NaN before the first. */
const heapMiB = () => (existsSync(heapFile) ? JSON.parse(readFileSync(heapFile, 'utf8').trim().split('\n').at(-1)).heapUsedMiB : NaN);

const samples = [];
let sent = 0;
let refused = 0;
const started = performance.now();
const sampler = setInterval(() => {
  const s = { t: Math.round((performance.now() - started) / 1000), rssMiB: rssMiB(), heapMiB: heapMiB(), fds: fds(), sent };
  samples.push(s);
  console.log(`${String(s.t).padStart(5)} s  RSS ${s.rssMiB.toFixed(1).padStart(7)} MiB  heap after GC ${s.heapMiB.toFixed(1).padStart(6)} MiB  fds ${String(s.fds).padStart(4)}  sent ${s.sent}`);
}, Number(values.sample) * 1000);

// One second's worth of messages per tick, over a few reused connections: a steady rate.
try {
  for (let second = 0; second < seconds; second++) {
    const tick = performance.now();
    const r = await inject({ port: mta.smtpPort, messages: rate, connections: 10, size: Number(values.size), recipient: (i) => `soak${second}-${i}@dest.test` });
    sent += rate - r.errors;
    refused += r.errors;
    const spare = 1000 - (performance.now() - tick);
    if (spare > 0) await new Promise((res) => setTimeout(res, spare));
  }
} finally {
  clearInterval(sampler);
  mta.child.kill('SIGTERM');
  sink.child.kill('SIGKILL');
}
rmSync(dataDir, { recursive: true, force: true });

const third = Math.max(1, Math.floor(samples.length / 3));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const first = samples.slice(0, third);
const last = samples.slice(-third);
const rssGrowth = mean(last.map((s) => s.rssMiB)) - mean(first.map((s) => s.rssMiB));
const fdGrowth = mean(last.map((s) => s.fds)) - mean(first.map((s) => s.fds));
const achieved = sent / ((performance.now() - started) / 1000);
console.log(`\nsoak: ${values.minutes} min at ${rate} msgs/s asked (${achieved.toFixed(0)} achieved), ${sent} accepted, ${refused} refused`);
console.log(`  RSS: first third ${mean(first.map((s) => s.rssMiB)).toFixed(1)} MiB, last third ${mean(last.map((s) => s.rssMiB)).toFixed(1)} MiB (${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)}), peak ${Math.max(...samples.map((s) => s.rssMiB)).toFixed(1)} MiB`);
const heaps = samples.filter((s) => Number.isFinite(s.heapMiB));
const half = heaps.slice(Math.floor(heaps.length / 2));
if (half.length >= 2) {
  const grew = half.at(-1).heapMiB - half[0].heapMiB;
  const perHour = (grew / Math.max(1, half.at(-1).t - half[0].t)) * 3600;
  console.log(`  heap after GC: first ${heaps[0].heapMiB.toFixed(1)} MiB, at half time ${half[0].heapMiB.toFixed(1)} MiB, last ${half.at(-1).heapMiB.toFixed(1)} MiB (last half ${grew >= 0 ? '+' : ''}${grew.toFixed(1)} MiB, ${perHour.toFixed(1)} MiB/h)`);
}
console.log(`  fds: first third ${mean(first.map((s) => s.fds)).toFixed(1)}, last third ${mean(last.map((s) => s.fds)).toFixed(1)} (${fdGrowth >= 0 ? '+' : ''}${fdGrowth.toFixed(1)})`);
const flat = rssGrowth <= Number(values['slack-mib']) && fdGrowth <= Number(values['slack-fds']);
console.log(flat ? '  flat: yes' : '  flat: NO (growth beyond the slack)');
process.exit(flat ? 0 : 1);
