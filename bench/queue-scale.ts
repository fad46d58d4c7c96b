// Scale benchmark (issue 3): N messages queued to a suspended destination, then a restart on the
// same data dir. Reports enqueue rate, peak RSS with everything queued, and restart-to-recovered
// time and RSS. Each phase runs in its own process so RSS is measured cleanly.
//
//   node --conditions=@mtakit/source --import tsx bench/queue-scale.ts [--messages 1000000] [--size 1024] [--dir /tmp/x]
//        [--before /path/to/other/checkout] [--rounds 2] [--results bench/results/queue-scale.jsonl] [--built]
//
// --before measures another checkout (its own bench/queue-scale.ts and sources) in the same run,
// alternating with this one round by round, and prints this/before ratios. --built runs the phases
// (bench/lib/queue-scale-phases.mjs) with plain node on the built packages (`npm run build` first),
// as `mtakit start` runs after a build: without tsx and the TypeScript sources in memory.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

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
    built: { type: 'boolean', default: false },
  },
});
const messages = Number(values.messages);

const phases = join(import.meta.dirname, 'lib/queue-scale-phases.mjs');
if (values.built && values.before) throw new Error('--built measures this checkout only: compare with --before on the sources (without --built)');
if (values.phase) {
  // What a newer checkout's --before runs: the phase, in this process's loader.
  const r = spawnSync(process.execPath, [...process.execArgv, phases, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else {
  interface Sampled { sampled?: { heapTotalMiB: number; externalMiB: number }; beforeClose?: { peakRssMiB: number } }
  interface Run { label: string; baseline?: { peakRssMiB: number }; fill: Sampled & { rate: number; peakRssMiB: number; heapMiB: number }; recover: Sampled & { seconds: number; indexSeconds: number; cpuSeconds?: number; recovered: number; peakRssMiB: number; heapMiB: number } }
  const where = (p: Sampled) => (p.sampled ? `; V8 heap up to ${Math.round(p.sampled.heapTotalMiB)}, external up to ${Math.round(p.sampled.externalMiB)}` : '') + (p.beforeClose ? `; ${Math.round(p.beforeClose.peakRssMiB)} MiB before the close` : '');
  // --built: the phases on the built packages without tsx, as `mtakit start` runs after `npm run build`.
  const node = values.built ? ['--expose-gc'] : [...process.execArgv, '--expose-gc'];
  const checkouts: Array<{ label: string; script: string; cwd: string }> = [{ label: 'this', script: phases, cwd: process.cwd() }];
  if (values.before) checkouts.push({ label: 'before', script: join(values.before, 'bench/queue-scale.ts'), cwd: values.before });
  const measure = (checkout: (typeof checkouts)[number]): Run => {
    const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'mtakit-scale-'));
    const run = (phase: string, phaseDir = dir) => {
      const r = spawnSync(process.execPath, [...(checkout.label === 'this' ? node : [...process.execArgv, '--expose-gc']), checkout.script, '--phase', phase, '--dir', phaseDir, '--messages', String(messages), '--size', values.size as string, '--fsync', values.fsync as string], { cwd: checkout.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
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
  console.log(`\nmtakit queue scale: ${messages.toLocaleString('en-US')} messages × ${values.size} B to a suspended destination (fsync ${values.fsync}${values.built ? ', built packages without tsx' : ''}), load average ${loadavg()[0]?.toFixed(1)}`);
  for (const { label, baseline, fill, recover } of runs) {
    if (baseline) console.log(`  [${label}] baseline (nothing queued):     peak RSS ${Math.round(baseline.peakRssMiB)} MiB (Node${values.built ? '' : ', tsx, the sources'}, an open spool and queue)`);
    console.log(`  [${label}] enqueue (spool + schedule):   ${Math.round(fill.rate).toLocaleString('en-US')} msgs/s, peak RSS ${Math.round(fill.peakRssMiB)} MiB (heap ${Math.round(fill.heapMiB)} MiB with all queued${where(fill)})`);
    console.log(`  [${label}] restart to fully recovered:   ${recover.seconds.toFixed(1)} s (index ${recover.indexSeconds.toFixed(1)} s${recover.cpuSeconds === undefined ? '' : `, process CPU ${recover.cpuSeconds.toFixed(1)} s`}), ${recover.recovered.toLocaleString('en-US')} messages, peak RSS ${Math.round(recover.peakRssMiB)} MiB (heap ${Math.round(recover.heapMiB)} MiB${where(recover)})`);
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
    appendFileSync(values.results, `${JSON.stringify({ bench: 'queue-scale', at: new Date().toISOString(), messages, size: Number(values.size), fsync: values.fsync === 'true', built: values.built, loadavg: loadavg(), before: values.before ?? null, runs })}\n`);
  }
}
